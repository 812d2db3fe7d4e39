// The timer worker on DAGNATS_TIMERS: one durable consumer shared by every serve. A timer that is
// not due yet is NAKed with the remaining delay, so JetStream itself holds it durably and hands it
// back at the due time (no per-message TTL, which nats-server 2.9 ignores). A window that fails to
// fire again and again is given up on alone (dead letters, history `error`); no other waits on it.
import { Effect, Schema } from "effect"
import type { JsMsg } from "@nats-io/jetstream"
import { Consumers, Streams, Subjects } from "../protocol/names.js"
import type { NatsHandles } from "../nats/connection.js"
import { ensureDurable, runWorker, type DurableSpec, type Verdict } from "../nats/worker.js"
import type { WindowEngine } from "./engine.js"

const timerSpec = (ackWaitMs: number): DurableSpec => ({
  stream: Streams.timers,
  name: Consumers.timers,
  filterSubject: Subjects.timersAll,
  ackWaitMs,
  // A timer waiting for its due time stays pending on the consumer: this bounds open windows.
  maxAckPending: 100_000,
  // Many windows fall due together (a burst): firing one is a handful of round trips, so a wide
  // window of concurrent fires is what keeps them on time. Schedule timers are held in flight for
  // their last moments before the instant (schedules/engine.ts ARM_AHEAD_MS): room for a thousand.
  maxInFlight: 1_280,
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
  readonly prefix: string
  readonly handle: (m: JsMsg) => Promise<Verdict>
}

export const runTimers = (
  h: NatsHandles,
  engine: WindowEngine,
  onError: (message: string) => void,
  timing: { readonly ackWaitMs: number },
  routes: ReadonlyArray<TimerRoute> = [],
) =>
  Effect.gen(function* () {
    const spec = timerSpec(timing.ackWaitMs)
    yield* ensureDurable(h, spec)
    // Timers NAKed to wait count as deliveries too, so failures are counted here, per window.
    const failures = new Map<string, number>()
    yield* runWorker(h, spec, (m: JsMsg): Promise<Verdict> => {
      const route = routes.find((r) => m.subject.startsWith(r.prefix))
      if (route !== undefined) return route.handle(m)
      const timer = decodeTimer(decoder.decode(m.data))
      // Something that is not a timer of ours: drop it rather than redeliver it forever.
      if (timer._tag === "None") return Promise.resolve({ ack: true })
      const t = timer.value
      return Effect.runPromiseExit(engine.onTimer(t)).then(async (exit): Promise<Verdict> => {
        if (exit._tag === "Success") {
          failures.delete(t.id)
          return exit.value
        }
        const n = (failures.get(t.id) ?? 0) + 1
        failures.set(t.id, n)
        if (n >= MAX_FAILURES) {
          const gaveUp = await Effect.runPromiseExit(engine.failTimer(t, String(exit.cause)))
          if (gaveUp._tag === "Success") {
            failures.delete(t.id)
            onError(`timer ${t.kind} ${t.key}: window ${t.id} failed ${n} times; its events are in ${Streams.dead}`)
            return { ack: true }
          }
        }
        onError(`timer ${t.kind} ${t.key} failed, will retry: ${String(exit.cause)}`)
        return { ack: false, delayMs: RETRY_DELAY_MS }
      })
    })
  })
