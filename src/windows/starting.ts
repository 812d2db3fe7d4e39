// Timers in this process on their way to starting a run (from delivery until the run exists or
// they find nothing to start). Under a burst of due windows, each fire's bookkeeping waits until
// none is left (or MAX_DEFER_MS), so every run starts before the writes that only tidy up.
// Deferring them is safe: the window stays in KV, closed, until its key is cleared last.
import { Effect, Latch } from "effect"

/** The longest a timer's fire defers its bookkeeping while other timers are still starting runs. */
const MAX_DEFER_MS = 1_000

/** One timer's membership: entered on delivery and after waiting, left once its run exists. */
export interface StartingMember {
  readonly enter: Effect.Effect<void>
  readonly leave: Effect.Effect<void>
}

export const makeStarting = () => {
  let starting = 0
  // Open exactly while no timer is starting a run.
  const noneStarting = Latch.makeUnsafe(true)

  const member = (): StartingMember => {
    let inside = false
    return {
      enter: Effect.sync(() => {
        if (inside) return
        inside = true
        if (starting++ === 0) noneStarting.closeUnsafe()
      }),
      leave: Effect.sync(() => {
        if (!inside) return
        inside = false
        if (--starting === 0) noneStarting.openUnsafe()
      }),
    }
  }

  /** Until no timer in this process is still starting its run, at most MAX_DEFER_MS. */
  const startsDone: Effect.Effect<void> = Effect.asVoid(Effect.timeoutOption(noneStarting.await, MAX_DEFER_MS))

  return { member, startsDone }
}

export type Starting = ReturnType<typeof makeStarting>
