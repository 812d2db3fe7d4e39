// The timer worker on DAGNATS_TIMERS: one durable consumer shared by every serve. A timer that is
// not due yet is NAKed with the remaining delay, so JetStream itself holds it durably and hands it
// back at the due time (no per-message TTL, which nats-server 2.9 ignores). A window that fails to
// fire again and again is given up on alone (dead letters, history `error`); no other waits on it.
import { Context, Effect, Layer, Schema } from "effect"
import type { DurableMessage } from "../nats/durable-message.js"
import { Consumers, Streams, Subjects } from "../protocol/names.js"
import { Nats, type NatsHandles } from "../nats/connection.js"
import { ServeConfig } from "../config/serve-config.js"
import { ensureDurable, runWorker, type DurableSpec, type Verdict } from "../nats/worker.js"
import type { WindowEngine } from "./engine.js"
import { Windows } from "./service.js"

const timerSpec = (ackWaitMs: number): DurableSpec => ({
  stream: Streams.timers,
  name: Consumers.timers,
  filterSubject: Subjects.timersAll,
  ackWaitMs,
  // A timer waiting for its due time stays pending on the consumer: this bounds open windows.
  maxAckPending: 100_000,
  // Many windows fall due together (a burst): firing one is a handful of round trips, so a wide
  // window of concurrent fires is what keeps them on time. Timers are also held in flight for their last
  // moments before due (window timers 250 ms, schedule timers ARM_AHEAD_MS in schedules/engine.ts): room
  // for a thousand of each at once.
  maxInFlight: 2_048,
  deliverAll: true,
})

const TimerSchema = Schema.Struct({
  kind: Schema.Literals(["debounce", "batch"]),
  key: Schema.String,
  id: Schema.String,
  due_at: Schema.Number,
})
const decodeTimer = Schema.decodeUnknownOption(Schema.fromJsonString(TimerSchema))
const decoder = new TextDecoder()

/** Retry a timer whose window could not be fired (NATS trouble) after this long. */
const RETRY_DELAY_MS = 1_000
/** Failed fires of one window (in this serve) after which it is given up on. */
const MAX_FAILURES = 10

/**
 * Timers of other kinds on the same stream (schedules): DAGNATS_TIMERS is a work queue, where
 * consumers may not overlap, so this one consumer hands them to their owner by subject prefix.
 */
export interface TimerRoute {
  /** Timers whose subject starts with this go to `handle`. */
  readonly prefix: string
  readonly handle: (m: DurableMessage) => Effect.Effect<Verdict>
}

/** The routes serve gives the timer worker (none when no other part owns timers). */
export class TimerRoutes extends Context.Service<TimerRoutes, ReadonlyArray<TimerRoute>>()(
  "dagnats/windows/TimerRoutes",
) {}

/** Fire one window's timer; count its failures and give the window up after MAX_FAILURES. */
const onWindowTimer = (engine: WindowEngine, failures: Map<string, number>, t: typeof TimerSchema.Type) =>
  engine.onTimer(t).pipe(
    Effect.tap(() => Effect.sync(() => failures.delete(t.id))),
    Effect.catchCause((cause) => failedTimer(engine, failures, t, cause)),
  )

/** A timer whose fire failed: give its window up after MAX_FAILURES, else retry after RETRY_DELAY_MS. */
const failedTimer = Effect.fnUntraced(function* (
  engine: WindowEngine,
  failures: Map<string, number>,
  t: typeof TimerSchema.Type,
  cause: unknown,
) {
  const n = (failures.get(t.id) ?? 0) + 1
  failures.set(t.id, n)
  if (n >= MAX_FAILURES) {
    const gaveUp = yield* Effect.exit(engine.failTimer(t, String(cause)))
    if (gaveUp._tag === "Success") {
      failures.delete(t.id)
      yield* Effect.logWarning(
        `timer ${t.kind} ${t.key}: window ${t.id} failed ${n} times; its events are in ${Streams.dead}`,
      )
      return { ack: true } satisfies Verdict
    }
  }
  yield* Effect.logWarning(`timer ${t.kind} ${t.key} failed, will retry: ${String(cause)}`)
  return { ack: false, delayMs: RETRY_DELAY_MS } satisfies Verdict
})

const runTimers = Effect.fnUntraced(function* (
  h: NatsHandles,
  engine: WindowEngine,
  timing: { readonly ackWaitMs: number },
  routes: ReadonlyArray<TimerRoute> = [],
) {
  const spec = timerSpec(timing.ackWaitMs)
  yield* ensureDurable(h, spec)
  // Timers NAKed to wait count as deliveries too, so failures are counted here, per window.
  const failures = new Map<string, number>()
  yield* runWorker(h, spec, (m: DurableMessage): Effect.Effect<Verdict> => {
    const route = routes.find((r) => m.subject.startsWith(r.prefix))
    if (route !== undefined) return route.handle(m)
    const timer = decodeTimer(decoder.decode(m.data))
    // Something that is not a timer of ours: drop it rather than redeliver it forever.
    if (timer._tag === "None") return Effect.succeed({ ack: true })
    return onWindowTimer(engine, failures, timer.value)
  })
})

/** The timer worker for serve's window engine and routes, for the lifetime of the layer. */
export const layer = Layer.effectDiscard(
  Effect.gen(function* () {
    const settings = yield* ServeConfig
    yield* runTimers(yield* Nats, yield* Windows, settings.evaluatorTiming, yield* TimerRoutes)
  }),
)
