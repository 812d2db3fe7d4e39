// The evaluator's durable pull consumer on EVENTS: shared by every serve, created with deliver
// policy `new`, explicit acks. An event is acked only after every outcome is recorded; a NATS or KV
// failure is retried with backoff and then NAKed with a delay. An event that fails on its 10th
// delivery is given up on: it goes to DAGNATS_DEAD with the error, each trigger it matched records
// `error`, and it is acked, so it holds nothing else back.
import { Effect, Schedule } from "effect"
import type { JsMsg } from "../nats/jetstream-api.js"
import { Consumers, Streams, Subjects } from "../protocol/names.js"
import type { NatsHandles } from "../nats/connection.js"
import { ensureDurable, runWorker, type DurableSpec, type Verdict } from "../nats/worker.js"
import { evaluateEvent, type EvaluateDeps, type EvaluatedEvent, type InboundEvent } from "./evaluate.js"
import { storedEvent } from "./inbound.js"
import { recordOutcomes } from "../history/index.js"
import { failed, type FireRecord } from "../domain/fire-record.js"
import { publishDead } from "../dead/index.js"
import { eventsEpoch } from "../nats/events-epoch.js"
import { DEFAULT_TIMING, type EvaluatorTiming } from "../config/evaluator-timing.js"
import { traceEvaluate } from "../telemetry/index.js"
import { subjectProblem, type SubjectProblem } from "../domain/subjects.js"

/** Deliveries after which an event whose evaluation keeps failing becomes a dead letter. */
const MAX_DELIVERIES = 10

export const evaluatorSpec = (t: EvaluatorTiming): DurableSpec => ({
  stream: Streams.events,
  name: Consumers.evaluator,
  filterSubject: Subjects.eventsAll,
  ackWaitMs: t.ackWaitMs,
  maxAckPending: 4_096,
  // Events evaluated at once per serve: enough to hide NATS round trips, bounded for memory.
  maxInFlight: 64,
})

/**
 * Quick in-process retries before handing the event back to JetStream with a delay: after 100, 200
 * and 400 ms. The first wait is its own sleep, so a schedule is built only for an event that failed.
 */
const FIRST_RETRY_AFTER_MS = 100
const laterRetries = { schedule: Schedule.exponential("200 millis"), times: 2 }
const nakDelayMs = (t: EvaluatorTiming, deliveryCount: number) =>
  Math.min(30_000, t.retryDelayMs * 2 ** Math.min(Math.max(deliveryCount - 1, 0), 10))

export const ensureEvaluatorConsumer = (h: NatsHandles, t: EvaluatorTiming = DEFAULT_TIMING) =>
  ensureDurable(h, evaluatorSpec(t))

export interface EvaluatorHooks {
  readonly onOutcomes: (records: ReadonlyArray<FireRecord>) => void
  readonly onRetry: (event: InboundEvent, error: string) => Effect.Effect<void>
  readonly onDead: (event: InboundEvent, error: string) => Effect.Effect<void>
  readonly onRedelivered?: () => void
  /**
   * An event on a subject that is no valid literal subject, acked without evaluation; `subject` is
   * escaped (JSON) so its control characters cannot reach a log line raw.
   */
  readonly onUnroutable?: (e: {
    subject: string
    seq: number
    problem: SubjectProblem
    triggers: number
  }) => Effect.Effect<void>
}

export interface EvaluatorOptions {
  /** Traces are exported: each evaluation continues the trace stored on its event. */
  readonly traced: boolean
}

/**
 * Give up on an event: store it in DAGNATS_DEAD, record `error` for every trigger it matched, and
 * let the caller ack it. If even that fails, the event is retried like any failure.
 */
const giveUp = (h: NatsHandles, deps: EvaluateDeps, m: JsMsg, event: InboundEvent, epoch: string, error: string) =>
  Effect.gen(function* () {
    const headers: Array<[string, string]> = []
    for (const k of m.headers?.keys() ?? []) for (const v of m.headers!.values(k)) headers.push([k, v])
    const message = `gave up after ${m.info.deliveryCount} deliveries: ${error}`
    const letter = { subject: m.subject, seq: m.seq, epoch, error: message, headers, data: m.data }
    yield* publishDead(h.js, h.nc.info?.max_payload ?? 0, letter)
    const records = deps.matcher
      .match(event.subject)
      .map(({ trigger }) => failed({ trigger: trigger.name, workflow: trigger.workflow, event }, message))
    yield* recordOutcomes(h.publisher, records)
    return records
  })

/**
 * How a consumer's messages become events: an EVENTS message as stored; a source's its own way (a
 * KV change as its change record), with the triggers that take it (a KV trigger names its ops).
 */
export interface MessageReading {
  readonly toEvent: (m: JsMsg, epoch: string) => EvaluatedEvent
  readonly depsFor?: (m: JsMsg, deps: EvaluateDeps) => EvaluateDeps
}

const EVENTS_READING: MessageReading = { toEvent: storedEvent }

const evaluateMessage =
  (
    h: NatsHandles,
    all: EvaluateDeps,
    hooks: EvaluatorHooks & EvaluatorOptions,
    t: EvaluatorTiming,
    epoch: string,
    reading: MessageReading = EVENTS_READING,
  ) =>
  (m: JsMsg): Effect.Effect<Verdict> =>
    // A pipeline rather than a generator on the path every event takes (Effect.gen costs ~2 µs a call).
    Effect.suspend(() => {
      const event = reading.toEvent(m, epoch)
      const deps = reading.depsFor?.(m, all) ?? all
      if (event.redelivered) hooks.onRedelivered?.()
      const attempt = (e: EvaluatedEvent) =>
        Effect.suspend(() => evaluateEvent(deps, e)).pipe(Effect.tap((records) => recordOutcomes(h.publisher, records)))
      // A retry follows an attempt that may have done part of the work (put the event in a window that
      // has fired since, then lost a reply): it is evaluated as a redelivery, so windows first check
      // what already fired instead of counting the event again in the next window. The retries are
      // set up only once the first attempt failed: a schedule per event cost ~10 µs of its ~160.
      const evaluated = attempt(event).pipe(
        Effect.catch(() =>
          Effect.sleep(FIRST_RETRY_AFTER_MS).pipe(
            Effect.andThen(attempt({ ...event, redelivered: true }).pipe(Effect.retry(laterRetries))),
          ),
        ),
      )
      // Not annotated here: each line logged about an evaluation names its subject and seq itself.
      return Effect.exit(hooks.traced ? traceEvaluate(evaluated, event) : evaluated).pipe(
        Effect.flatMap((exit) =>
          exit._tag === "Success"
            ? evaluatedOk(hooks, event, exit.value)
            : evaluationFailed(h, deps, hooks, t, m, event, epoch, String(exit.cause)),
        ),
      )
    })

const ACK: Verdict = { ack: true }

/** An event evaluated: its outcomes counted (and an unroutable one logged), then acked. */
const evaluatedOk = (
  hooks: EvaluatorHooks,
  event: InboundEvent,
  records: ReadonlyArray<FireRecord>,
): Effect.Effect<Verdict> => {
  const problem = subjectProblem(event.subject)
  if (problem === undefined || hooks.onUnroutable === undefined) {
    hooks.onOutcomes(records)
    return Effect.succeed(ACK)
  }
  const logSubject = JSON.stringify(event.subject)
  return hooks
    .onUnroutable({ subject: logSubject, seq: event.seq, problem, triggers: records.length })
    .pipe(
      Effect.annotateLogs({ subject: logSubject, seq: event.seq }),
      Effect.andThen(Effect.sync(() => hooks.onOutcomes(records))),
      Effect.as(ACK),
    )
}

/** An evaluation that failed even after its retries: a dead letter on its last delivery, else a NAK. */
const evaluationFailed = (
  h: NatsHandles,
  deps: EvaluateDeps,
  hooks: EvaluatorHooks,
  t: EvaluatorTiming,
  m: JsMsg,
  event: InboundEvent,
  epoch: string,
  error: string,
): Effect.Effect<Verdict> =>
  Effect.gen(function* () {
    if (m.info.deliveryCount >= MAX_DELIVERIES) {
      const dead = yield* Effect.exit(giveUp(h, deps, m, event, epoch, error))
      if (dead._tag === "Success") {
        yield* hooks.onDead(event, error)
        hooks.onOutcomes(dead.value)
        return ACK
      }
    }
    yield* hooks.onRetry(event, error)
    return { ack: false, delayMs: nakDelayMs(t, m.info.deliveryCount) } as const
  })

/** Evaluations run in the fiber of whoever runs the loop (serve's): its logger, its log level and its tracer. */
export const runEvaluatorLoop = (
  h: NatsHandles,
  deps: EvaluateDeps,
  hooks: EvaluatorHooks,
  t: EvaluatorTiming = DEFAULT_TIMING,
  o: EvaluatorOptions = { traced: false },
) =>
  Effect.gen(function* () {
    // Read once per consumer: deleting EVENTS deletes this consumer too, so a recreated stream is
    // only consumed after serve restarts and reads the new epoch.
    const epoch = yield* eventsEpoch(h)
    yield* runWorker(h, evaluatorSpec(t), evaluateMessage(h, deps, { ...hooks, ...o }, t, epoch))
    return epoch
  })

/**
 * Work a durable consumer on a stream of the operator's (a trigger source) as the EVENTS consumer is
 * worked: the same evaluation, retries, dead letters and hooks; `epoch` is that stream's.
 */
export const runSourceLoop = (
  h: NatsHandles,
  spec: DurableSpec,
  epoch: string,
  deps: EvaluateDeps,
  hooks: EvaluatorHooks,
  reading: MessageReading,
  t: EvaluatorTiming = DEFAULT_TIMING,
  o: EvaluatorOptions = { traced: false },
) => runWorker(h, spec, evaluateMessage(h, deps, { ...hooks, ...o }, t, epoch, reading))
