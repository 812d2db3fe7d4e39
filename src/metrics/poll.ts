// Gauges that mirror state held in NATS rather than in this process: the evaluator consumer's
// backlog and the open debounce windows and batches. Read in the background, so a scrape never
// waits on NATS; a failed read leaves the last values and is retried next time.
import { Effect, Schedule, type Scope } from "effect"
import * as Catalog from "./catalog.js"

/** One consumer-info request: often enough for an alert on a growing backlog, and nearly free. */
const CONSUMER_POLL_MS = 5_000
/** Counting windows lists every key of two buckets (up to 100,000 keys), so a third as often. */
const WINDOWS_POLL_MS = 15_000

interface PolledState {
  readonly consumer: Effect.Effect<
    {
      readonly num_pending: number
      readonly num_ack_pending: number
      readonly num_redelivered: number
    },
    unknown
  >
  readonly openWindows: Effect.Effect<{ readonly debounce: number; readonly batch: number }, unknown>
}

/** Run `read` now and then every `intervalMs` until the scope closes; a failure skips one round. */
const every = (intervalMs: number, read: Effect.Effect<void, unknown>) =>
  Effect.forkScoped(Effect.repeat(Effect.ignoreCause(read), Schedule.spaced(`${intervalMs} millis`)))

export const pollGauges = (state: PolledState): Effect.Effect<void, never, Scope.Scope> =>
  Effect.gen(function* () {
    const pending = Catalog.evaluatorPending()
    const ackPending = Catalog.evaluatorAckPending()
    const redelivered = Catalog.evaluatorRedelivered()
    const windows = Catalog.openWindows()
    yield* every(
      CONSUMER_POLL_MS,
      Effect.map(state.consumer, (info) => {
        pending.set(info.num_pending)
        ackPending.set(info.num_ack_pending)
        redelivered.set(info.num_redelivered)
      }),
    )
    yield* every(
      WINDOWS_POLL_MS,
      Effect.map(state.openWindows, (open) => {
        windows.set({ kind: "debounce" }, open.debounce)
        windows.set({ kind: "batch" }, open.batch)
      }),
    )
  })
