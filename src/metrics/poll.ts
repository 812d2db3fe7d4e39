// Gauges that mirror state held in NATS rather than in this process: the evaluator consumer's
// backlog and the open debounce windows and batches. Read every few seconds in the background, so
// a scrape never waits on NATS; a failed read leaves the last values and is retried next time.
import { Effect, Schedule, type Scope } from "effect"
import * as Catalog from "./catalog.js"

/** Often enough for an alert on a growing backlog; rare enough to cost NATS nothing noticeable. */
export const POLL_INTERVAL_MS = 5_000

export interface PolledState {
  readonly consumer: () => Promise<{
    readonly num_pending: number
    readonly num_ack_pending: number
    readonly num_redelivered: number
  }>
  readonly openWindows: () => Promise<{ readonly debounce: number; readonly batch: number }>
}

export const pollGauges = (
  state: PolledState,
  intervalMs = POLL_INTERVAL_MS,
): Effect.Effect<void, never, Scope.Scope> => {
  const pending = Catalog.evaluatorPending()
  const ackPending = Catalog.evaluatorAckPending()
  const redelivered = Catalog.evaluatorRedelivered()
  const windows = Catalog.openWindows()
  const once = Effect.promise(async () => {
    const [consumer, open] = await Promise.allSettled([state.consumer(), state.openWindows()])
    if (consumer.status === "fulfilled") {
      pending.set(consumer.value.num_pending)
      ackPending.set(consumer.value.num_ack_pending)
      redelivered.set(consumer.value.num_redelivered)
    }
    if (open.status === "fulfilled") {
      windows.set({ kind: "debounce" }, open.value.debounce)
      windows.set({ kind: "batch" }, open.value.batch)
    }
  })
  return Effect.forkScoped(Effect.repeat(once, Schedule.spaced(`${intervalMs} millis`))).pipe(Effect.asVoid)
}
