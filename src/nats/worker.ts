// A durable pull consumer worked by every serve at once: ensure it exists (settings are fixed at
// creation), then handle its messages as a stream with bounded concurrency until the scope closes.
// The handler decides per message: ack, or NAK with a delay so JetStream redelivers it later. While a message is
// being handled, a progress heartbeat (`working`) keeps JetStream from handing it to another serve,
// so the ack wait can be short: a killed serve's messages come back within it, a slow one's do not.
// What it holds is bounded in bytes twice: each pull (pull-bound.ts) and the bodies being handled.
import { Effect, Fiber, Result, Semaphore, Stream } from "effect"
import { AckPolicy, DeliverPolicy, type ConsumerMessages, type JsMsg } from "@nats-io/jetstream"
import { nanos } from "@nats-io/nats-core"
import type { NatsHandles } from "./connection.js"
import { isConsumerNotFound, recoverWhen } from "./errors.js"
import { askWhileStarting } from "./conditions.js"
import { WORKER_PULL_BUDGET_BYTES, boundedPull } from "./pull-bound.js"

export interface DurableSpec {
  readonly stream: string
  readonly name: string
  readonly filterSubject: string
  readonly ackWaitMs: number
  readonly maxAckPending: number
  readonly maxInFlight: number
  /** `new` for EVENTS (only events arriving after the consumer exists are evaluated); a work-queue
   *  stream such as DAGNATS_TIMERS requires `all`. */
  readonly deliverAll?: boolean
}

export type Verdict = { readonly ack: true } | { readonly ack: false; readonly delayMs: number }

/** Fails with Unavailable when NATS cannot be asked or refuses (a serve without the permission). */
export const ensureDurable = (h: NatsHandles, s: DurableSpec) =>
  askWhileStarting(async () => {
    const info = await recoverWhen(h.jsm.consumers.info(s.stream, s.name), isConsumerNotFound, undefined)
    if (info !== undefined) {
      // The ack wait is a setting: follow it on a consumer created with another one.
      // A server that cannot update it keeps the old wait: slower recovery, nothing lost.
      if (info.config.ack_wait !== nanos(s.ackWaitMs)) {
        await h.jsm.consumers.update(s.stream, s.name, { ack_wait: nanos(s.ackWaitMs) }).catch(() => undefined)
      }
      return "resumed" as const
    }
    // A filter that is the stream's only subject selects every message. nats-server 2.9 still
    // treats it as a filter and recounts the filtered pending messages of the stream's last block,
    // message by message, each time it delivers: its CPU per message grows with the stream (0.5 ms
    // an event at 30,000 events). Without the filter it keeps a plain counter.
    // (Asked only when there is a filter; a user who may not read the stream's info keeps it.)
    const stream = s.filterSubject === "" ? undefined : await h.jsm.streams.info(s.stream).catch(() => undefined)
    const subjects = stream?.config.subjects ?? []
    const wholeStream = subjects.length === 1 && subjects[0] === s.filterSubject
    await h.jsm.consumers.add(s.stream, {
      durable_name: s.name,
      deliver_policy: s.deliverAll === true ? DeliverPolicy.All : DeliverPolicy.New,
      ack_policy: AckPolicy.Explicit,
      ...(wholeStream ? {} : { filter_subject: s.filterSubject }),
      ack_wait: nanos(s.ackWaitMs),
      max_ack_pending: s.maxAckPending,
      // Never give up on a message: a failing one is retried with a growing delay instead.
      max_deliver: -1,
    })
    return "created" as const
  })

const nakOnFailure: Verdict = { ack: false, delayMs: 1_000 }

/**
 * Ack or NAK as decided; a connection already gone cannot take either (nats.js throws), and then the
 * ack wait runs out and JetStream redelivers: nothing to do about the failure.
 */
const settleAs = (m: JsMsg, v: Verdict) =>
  Effect.sync(() => void Result.try(() => (v.ack ? m.ack() : m.nak(v.delayMs))))

/**
 * Body bytes a worker holds in its handlers at once, besides the pull's own bound (pull-bound.ts):
 * with large messages fewer are handled together, since a decoded 1 MB JSON event weighs several
 * times that. A message larger than this is handled alone.
 */
export const IN_FLIGHT_BUDGET_BYTES = 16 * 1024 * 1024

/** What a message takes of the in-flight budget: its body, at least 1, at most all of it. */
export const inFlightCost = (bodyBytes: number): number => Math.min(IN_FLIGHT_BUDGET_BYTES, Math.max(1, bodyBytes))

interface Admitted {
  readonly m: JsMsg
  readonly cost: number
}

/**
 * Work the consumer until the scope closes: a stream over its messages, at most `maxInFlight` and
 * IN_FLIGHT_BUDGET_BYTES of bodies handled at once, each settled as its handler decides (a handler
 * that fails or dies is NAKed for a second). Closing stops fetching; in-flight messages finish
 * before the release returns.
 */
export const runWorker = <R>(h: NatsHandles, s: DurableSpec, handle: (m: JsMsg) => Effect.Effect<Verdict, never, R>) =>
  Effect.gen(function* () {
    const messages: ConsumerMessages = yield* askWhileStarting(async () => {
      const consumer = await h.js.consumers.get(s.stream, s.name)
      // Prefetch bounded by bytes too (pull-bound.ts): handlers hold their messages outside of it.
      return consumer.consume(boundedPull(h.js, Math.max(64, s.maxInFlight * 2), WORKER_PULL_BUDGET_BYTES))
    })
    const heartbeatMs = Math.max(250, Math.floor(s.ackWaitMs / 3))
    // One timer for every message held, not one per message (a timer per event is most of a
    // message's own bookkeeping): each tells JetStream it is still working at most a heartbeat apart.
    const held = new Map<JsMsg, number>()
    const beats = setInterval(() => {
      const now = performance.now()
      for (const [m, at] of held) {
        if (now - at < heartbeatMs / 2) continue
        held.set(m, now)
        // A connection closing under a message: its redelivery is how the message is not lost.
        Result.try(() => m.working())
      }
    }, heartbeatMs / 2)
    yield* Effect.addFinalizer(() => Effect.sync(() => clearInterval(beats)))
    const room = yield* Semaphore.make(IN_FLIGHT_BUDGET_BYTES)
    // One message at a time waits here for room; it is held (and beats) first, so JetStream does not
    // hand it to another serve while it waits.
    const admit = (m: JsMsg) =>
      Effect.suspend(() => {
        held.set(m, performance.now())
        const cost = inFlightCost(m.data.length)
        return room.take(cost).pipe(
          Effect.as<Admitted>({ m, cost }),
          Effect.onInterrupt(() => Effect.sync(() => held.delete(m))),
        )
      })
    const settle = ({ m, cost }: Admitted) =>
      handle(m).pipe(
        Effect.catchCause(() => Effect.succeed(nakOnFailure)),
        Effect.flatMap((v) => settleAs(m, v)),
        Effect.ensuring(
          Effect.andThen(
            Effect.sync(() => held.delete(m)),
            room.release(cost),
          ),
        ),
      )
    const worked = yield* Stream.fromAsyncIterable(messages, (e) => e).pipe(
      Stream.mapEffect(admit),
      Stream.mapEffect(settle, { concurrency: s.maxInFlight, unordered: true }),
      Stream.runDrain,
      Effect.ignore,
      Effect.forkDetach,
    )
    // Not interrupted: closing the message iterator ends the stream once in-flight handlers finish.
    yield* Effect.addFinalizer(() =>
      Effect.promise(() => messages.close().catch(() => undefined)).pipe(Effect.andThen(Fiber.await(worked))),
    )
  })
