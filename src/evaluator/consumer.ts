// The evaluator's durable pull consumer on EVENTS (SPEC §6): shared by every serve, created with
// deliver policy `new`, explicit acks. An event is acked only after every outcome is recorded; a
// NATS or KV failure is retried with backoff and then NAKed with a delay, so nothing is lost.
import { Effect, Schedule } from "effect"
import {
  AckPolicy,
  DeliverPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  type JsMsg,
  type ConsumerMessages,
} from "@nats-io/jetstream"
import { nanos } from "@nats-io/nats-core"
import { Consumers, Headers, Streams, Subjects } from "../protocol/names.js"
import type { NatsHandles } from "../nats/connection.js"
import { evaluateEvent, type EvaluateDeps, type InboundEvent } from "./evaluate.js"
import { recordOutcome } from "./history.js"
import type { FireRecord } from "../domain/fire-record.js"

/** Long enough for a slow KV round trip under load; a crashed serve's events return after this. */
const ACK_WAIT_MS = 30_000
/** Events evaluated at once per serve: enough to hide NATS round trips, bounded for memory. */
const MAX_IN_FLIGHT = 64
/** Quick in-process retries before handing the event back to JetStream with a delay. */
const retryPolicy = { schedule: Schedule.exponential("100 millis"), times: 3 }
const nakDelayMs = (deliveryCount: number) => Math.min(30_000, 500 * 2 ** Math.min(deliveryCount, 6))

export const ensureEvaluatorConsumer = (h: NatsHandles) =>
  Effect.promise(async () => {
    try {
      await h.jsm.consumers.info(Streams.events, Consumers.evaluator)
      return "reused" as const
    } catch (e) {
      if (!(e instanceof JetStreamApiError && e.code === JetStreamApiCodes.ConsumerNotFound)) throw e
      await h.jsm.consumers.add(Streams.events, {
        durable_name: Consumers.evaluator,
        deliver_policy: DeliverPolicy.New,
        ack_policy: AckPolicy.Explicit,
        filter_subject: Subjects.eventsAll,
        ack_wait: nanos(ACK_WAIT_MS),
        max_ack_pending: 4_096,
        max_deliver: -1,
      })
      return "created" as const
    }
  })

export const toInboundEvent = (m: JsMsg): InboundEvent => {
  const headers = new Map<string, string>()
  if (m.headers !== undefined) for (const k of m.headers.keys()) headers.set(k.toLowerCase(), m.headers.get(k))
  return {
    subject: m.subject,
    seq: m.seq,
    data: m.data,
    header: (name) => headers.get(name),
    deliveryId: headers.get(Headers.msgId.toLowerCase()) || undefined,
  }
}

export interface EvaluatorHooks {
  readonly onOutcomes: (records: ReadonlyArray<FireRecord>) => void
  readonly onRetry: (event: InboundEvent, error: string) => void
}

const processMessage = (h: NatsHandles, deps: EvaluateDeps, hooks: EvaluatorHooks, m: JsMsg) => {
  const event = toInboundEvent(m)
  const work = evaluateEvent(deps, event).pipe(
    Effect.tap((records) => Effect.forEach(records, (r) => recordOutcome(h.js, r), { concurrency: "unbounded", discard: true })),
    Effect.retry(retryPolicy),
  )
  return Effect.runPromiseExit(work).then((exit) => {
    if (exit._tag === "Success") {
      m.ack()
      hooks.onOutcomes(exit.value)
    } else {
      hooks.onRetry(event, String(exit.cause))
      m.nak(nakDelayMs(m.info.deliveryCount))
    }
  })
}

/** Consume until the scope closes; resolves the returned stop function's promise when drained. */
export const runEvaluatorLoop = (h: NatsHandles, deps: EvaluateDeps, hooks: EvaluatorHooks) =>
  Effect.acquireRelease(
    Effect.promise(async () => {
      const consumer = await h.js.consumers.get(Streams.events, Consumers.evaluator)
      const messages: ConsumerMessages = await consumer.consume({ max_messages: 256 })
      const inFlight = new Set<Promise<void>>()
      const loop = (async () => {
        for await (const m of messages) {
          const p: Promise<void> = processMessage(h, deps, hooks, m).finally(() => inFlight.delete(p))
          inFlight.add(p)
          if (inFlight.size >= MAX_IN_FLIGHT) await Promise.race(inFlight)
        }
        await Promise.all(inFlight)
      })()
      return { messages, loop }
    }),
    ({ messages, loop }) =>
      Effect.promise(async () => {
        await messages.close().catch(() => undefined)
        await loop.catch(() => undefined)
      }),
  )
