// A consumer's ack floor, trusted only once it has been seen for a while. A clustered consumer's
// leader answers with acks it may not have replicated yet; if it dies then, its successor's floor is
// lower and the events between are delivered again. Forgetting sequences up to a floor seen a few
// seconds ago cannot forget one of those: an ack not replicated within seconds is one whose leader
// died (and then the floor was never settled here).

interface Observation {
  readonly atMs: number
  readonly floor: number
}

export interface SettledFloor {
  /** The floor as looked up at `atMs`. */
  readonly observe: (atMs: number, floor: number) => void
  /** The highest floor seen at least the settling time before `atMs` (0 before any). */
  readonly settled: (atMs: number) => number
}

export const makeSettledFloor = (settleMs: number): SettledFloor => {
  // Oldest first; a look-up at most about once a second keeps this a handful of entries.
  const pending: Array<Observation> = []
  let trusted = 0
  return {
    observe: (atMs, floor) => {
      const last = pending[pending.length - 1]
      if (floor <= Math.max(trusted, last?.floor ?? 0)) return
      pending.push({ atMs, floor })
    },
    settled: (atMs) => {
      while (pending.length > 0 && pending[0]!.atMs <= atMs - settleMs)
        trusted = Math.max(trusted, pending.shift()!.floor)
      return trusted
    },
  }
}
