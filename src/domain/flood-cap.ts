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
  stored: number
  suppressed: number
}

/**
 * `graceSeconds`: how long a second stays open after it ends. Deliveries are recorded in the order
 * their answers finish, so a request that arrived at the end of a second can be admitted after others
 * of the next one; its second must still be open then, or it would start afresh and let more than
 * `perSecond` through. Suppressed counts are handed out that much later.
 */
export const makeFloodCap = (perSecond: number, graceSeconds = 0): FloodCap => {
  /** Per key, the open seconds (by whole second since the epoch). */
  const slots = new Map<string, Map<number, Slot>>()
  const over: Array<Suppressed> = []
  return {
    admit: (key, nowMs) => {
      const second = Math.floor(nowMs / 1000)
      let seconds = slots.get(key)
      if (seconds === undefined) {
        seconds = new Map()
        slots.set(key, seconds)
      }
      let slot = seconds.get(second)
      if (slot === undefined) {
        slot = { stored: 0, suppressed: 0 }
        seconds.set(second, slot)
      }
      if (slot.stored < perSecond) {
        slot.stored++
        return true
      }
      slot.suppressed++
      return false
    },
    drain: (nowMs) => {
      const closeBefore = Math.floor(nowMs / 1000) - graceSeconds
      // Seconds that are over leave the map, so names seen once do not stay in memory.
      for (const [key, seconds] of slots) {
        for (const [second, slot] of seconds) {
          if (second >= closeBefore) continue
          if (slot.suppressed > 0) over.push({ key, count: slot.suppressed, fromMs: second * 1000 })
          seconds.delete(second)
        }
        if (seconds.size === 0) slots.delete(key)
      }
      return over.splice(0)
    },
  }
}
