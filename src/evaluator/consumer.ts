// The evaluator's durable pull consumer on EVENTS (SPEC §6): shared by every serve, created with
// deliver policy `new`, explicit acks. An event is acked only after every outcome is recorded; a
// NATS or KV failure is retried with backoff and then NAKed with a delay, so nothing is lost.
import { Effect, type Exit, Schedule } from "effect"
import type { JsMsg } from "@nats-io/jetstream"
import { Consumers, Headers, Streams, Subjects } from "../protocol/names.js"
import type { NatsHandles } from "../nats/connection.js"
import { ensureDurable, runWorker, type DurableSpec, type Verdict } from "../nats/worker.js"
import { evaluateEvent, type EvaluateDeps, type InboundEvent } from "./evaluate.js"
import { recordOutcome } from "./history.js"
import type { FireRecord } from "../domain/fire-record.js"
import { traceEvaluate } from "../telemetry/spans.js"

export const evaluatorSpec: DurableSpec = {
  stream: Streams.events,
  name: Consumers.evaluator,
  filterSubject: Subjects.eventsAll,
  // Long enough for a slow KV round trip under load; a crashed serve's events return after this.
  ackWaitMs: 30_000,
  maxAckPending: 4_096,
  // Events evaluated at once per serve: enough to hide NATS round trips, bounded for memory.
  maxInFlight: 64,
}

/** Quick in-process retries before handing the event back to JetStream with a delay. */
const retryPolicy = { schedule: Schedule.exponential("100 millis"), times: 3 }
const nakDelayMs = (deliveryCount: number) => Math.min(30_000, 500 * 2 ** Math.min(deliveryCount, 6))

export const ensureEvaluatorConsumer = (h: NatsHandles) => ensureDurable(h, evaluatorSpec)

export const toInboundEvent = (m: JsMsg): InboundEvent => {
  const headers = new Map<string, string>()
  if (m.headers !== undefined) for (const k of m.headers.keys()) headers.set(k.toLowerCase(), m.headers.get(k))
  return {
    subject: m.subject,
    seq: m.seq,
    data: m.data,
    header: (name) => headers.get(name),
    deliveryId: headers.get(Headers.deliveryId.toLowerCase()) || headers.get(Headers.msgId.toLowerCase()) || undefined,
    redelivered: m.info.deliveryCount > 1,
    storedAtMs: m.time.getTime(),
  }
}

export interface EvaluatorHooks {
  readonly onOutcomes: (records: ReadonlyArray<FireRecord>) => void
  readonly onRetry: (event: InboundEvent, error: string) => void
  readonly onRedelivered?: () => void
}

export interface EvaluatorOptions {
  /** Traces are exported: each evaluation continues the trace stored on its event. */
  readonly traced: boolean
}

type Run = <A, E>(effect: Effect.Effect<A, E>) => Promise<Exit.Exit<A, E>>

/** The hooks, plus how to run an evaluation (serve's context) and whether to trace it. */
type Runner = EvaluatorHooks & EvaluatorOptions & { readonly run: Run }

const evaluateMessage = (h: NatsHandles, deps: EvaluateDeps, hooks: Runner) => (m: JsMsg): Promise<Verdict> => {
  const event = toInboundEvent(m)
  if (event.redelivered) hooks.onRedelivered?.()
  const evaluated = evaluateEvent(deps, event).pipe(
    Effect.tap((records) => Effect.forEach(records, (r) => recordOutcome(h.js, r), { concurrency: "unbounded", discard: true })),
    Effect.retry(retryPolicy),
    Effect.annotateLogs({ subject: event.subject, seq: event.seq }),
  )
  const work = hooks.traced ? traceEvaluate(evaluated, event) : evaluated
  return hooks.run(work).then((exit): Verdict => {
    if (exit._tag === "Success") {
      hooks.onOutcomes(exit.value)
      return { ack: true }
    }
    hooks.onRetry(event, String(exit.cause))
    return { ack: false, delayMs: nakDelayMs(m.info.deliveryCount) }
  })
}

/** Evaluations run in serve's own context: its logger, its log level and its tracer. */
export const runEvaluatorLoop = (
  h: NatsHandles,
  deps: EvaluateDeps,
  hooks: EvaluatorHooks,
  o: EvaluatorOptions = { traced: false },
) =>
  Effect.gen(function* () {
    const run = Effect.runPromiseExitWith(yield* Effect.context<never>())
    return yield* runWorker(h, evaluatorSpec, evaluateMessage(h, deps, { ...hooks, ...o, run }))
  })
