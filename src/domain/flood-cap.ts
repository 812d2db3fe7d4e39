// The flood cap of DAGNATS_DELIVERIES: at most `perSecond` rejected deliveries per trigger name are
// stored in each wall-clock second; the rest are only counted, and each second's counts are handed
// out once, as one suppressed record per name. Pure (time is a parameter), so a test can drive
// thousands of requests through one second without waiting.

export interface Suppressed {
  readonly key: string
  readonly count: number
  /** The second the count is for: [fromMs, fromMs + 1000). */
  readonly fromMs: number
}

export interface FloodCap {
  /** Whether a rejected delivery of `key` at `nowMs` may be stored; a refused one is counted. */
  readonly admit: (key: string, nowMs: number) => boolean
  /** The counts of seconds that are over at `nowMs`, each once; the caller records them. */
  readonly drain: (nowMs: number) => ReadonlyArray<Suppressed>
}

interface Slot {
  second: number
  stored: number
  suppressed: number
}

export const makeFloodCap = (perSecond: number): FloodCap => {
  const slots = new Map<string, Slot>()
  const over: Array<Suppressed> = []
  const close = (key: string, slot: Slot) => {
    if (slot.suppressed > 0) over.push({ key, count: slot.suppressed, fromMs: slot.second * 1000 })
  }
  return {
    admit: (key, nowMs) => {
      const second = Math.floor(nowMs / 1000)
      let slot = slots.get(key)
      if (slot === undefined || slot.second !== second) {
        if (slot !== undefined) close(key, slot)
        slot = { second, stored: 0, suppressed: 0 }
        slots.set(key, slot)
      }
      if (slot.stored < perSecond) {
        slot.stored++
        return true
      }
      slot.suppressed++
      return false
    },
    drain: (nowMs) => {
      const second = Math.floor(nowMs / 1000)
      // Seconds that are over leave the map, so names seen once do not stay in memory.
      for (const [key, slot] of slots) {
        if (slot.second < second) {
          close(key, slot)
          slots.delete(key)
        }
      }
      return over.splice(0)
    },
  }
}
