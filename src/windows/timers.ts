// The timer worker on DAGNATS_TIMERS (SPEC §3, §6): one durable consumer shared by every serve. A
// timer that is not due yet is NAKed with the remaining delay, so JetStream itself holds it durably
// and hands it back at the due time (no per-message TTL, which nats-server 2.9 ignores).
import { Effect, Schema } from "effect"
import type { JsMsg } from "@nats-io/jetstream"
import { Consumers, Streams, Subjects } from "../protocol/names.js"
import type { NatsHandles } from "../nats/connection.js"
import { ensureDurable, runWorker, type DurableSpec, type Verdict } from "../nats/worker.js"
import type { WindowEngine } from "./engine.js"

export const timerSpec: DurableSpec = {
  stream: Streams.timers,
  name: Consumers.timers,
  filterSubject: Subjects.timersAll,
  ackWaitMs: 30_000,
  // A timer waiting for its due time stays pending on the consumer: this bounds open windows.
  maxAckPending: 100_000,
  maxInFlight: 64,
  deliverAll: true,
}

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

/**
 * Timers of other kinds on the same stream (schedules): DAGNATS_TIMERS is a work queue, where
 * consumers may not overlap, so this one consumer hands them to their owner by subject prefix.
 */
export interface TimerRoute {
  readonly prefix: string
  readonly handle: (m: JsMsg) => Promise<Verdict>
}

export const runTimers = (h: NatsHandles, engine: WindowEngine, onError: (message: string) => void, routes: ReadonlyArray<TimerRoute> = []) =>
  Effect.gen(function* () {
    yield* ensureDurable(h, timerSpec)
    yield* runWorker(h, timerSpec, (m: JsMsg): Promise<Verdict> => {
      const route = routes.find((r) => m.subject.startsWith(r.prefix))
      if (route !== undefined) return route.handle(m)
      const timer = decodeTimer(decoder.decode(m.data))
      // Something that is not a timer of ours: drop it rather than redeliver it forever.
      if (timer._tag === "None") return Promise.resolve({ ack: true })
      return Effect.runPromiseExit(engine.onTimer(timer.value)).then((exit): Verdict => {
        if (exit._tag === "Success") return exit.value
        onError(`timer ${timer.value.kind} ${timer.value.key} failed, will retry: ${String(exit.cause)}`)
        return { ack: false, delayMs: RETRY_DELAY_MS }
      })
    })
  })
