// The spans of a webhook's path through serve, applied only when traces are exported: HTTP request
// (child of the inbound traceparent) → verify → publish; then, from the traceparent stored on the
// event, evaluate → run start. Names are stable so dashboards can select them.
import { Cause, Effect, Exit, Option, type Tracer } from "effect"
import { Headers } from "../protocol/names.js"
import type { EventToStore, Outcome, Stored, WebhookRequest } from "../ingest/pipeline.js"
import type { IngestError } from "../ingest/errors.js"
import { internalError, toHttpError } from "../ingest/http-errors.js"
import type { RunStarterShape } from "../runs/starter.js"
import { parentFrom, traceparentOf } from "./trace-context.js"

export const SpanNames = {
  request: "webhook.request",
  verify: "webhook.verify",
  publish: "webhook.publish",
  evaluate: "evaluator.evaluate",
  runStart: "run.start",
} as const

const TRACEPARENT = Headers.traceparent.toLowerCase()

/** The HTTP status a pipeline outcome is answered with, as the request span's attribute. */
const statusOf = (exit: Exit.Exit<Outcome, IngestError>): number => {
  if (Exit.isSuccess(exit)) return exit.value._tag === "Challenge" ? 200 : 202
  const error = Cause.findErrorOption(exit.cause)
  return Option.isSome(error) ? toHttpError(error.value).status : internalError.status
}

export const traceRequest =
  (pipeline: (req: WebhookRequest) => Effect.Effect<Outcome, IngestError>) =>
  (req: WebhookRequest): Effect.Effect<Outcome, IngestError> =>
    pipeline(req).pipe(
      Effect.onExit((exit) =>
        Effect.currentSpan.pipe(
          Effect.tap((span) => Effect.sync(() => span.attribute("http.response.status_code", statusOf(exit)))),
          Effect.ignore,
        ),
      ),
      Effect.withSpan(SpanNames.request, {
        kind: "server",
        parent: parentFrom(req.header(TRACEPARENT)),
        attributes: { "http.request.method": req.method, "dagnats.trigger": req.name },
      }),
    )

/** The stored headers with this span as the only traceparent (a client's own is replaced, same trace). */
const withParent = (headers: EventToStore["headers"], span: Tracer.AnySpan): EventToStore["headers"] => [
  ...headers.filter(([name]) => name.toLowerCase() !== TRACEPARENT),
  [Headers.traceparent, traceparentOf(span)],
]

const producerSpan = (event: EventToStore) =>
  ({ kind: "producer", attributes: { "messaging.destination.name": event.subject } }) as const

/** The stored event names the publish span as its parent, replacing any traceparent the client sent. */
export const tracePublish =
  <E>(publish: (event: EventToStore) => Effect.Effect<Stored, E>) =>
  (event: EventToStore): Effect.Effect<Stored, E> =>
    Effect.useSpan(SpanNames.publish, producerSpan(event), (span) =>
      publish({ ...event, headers: withParent(event.headers, span) }).pipe(
        Effect.tap((stored) => Effect.sync(() => span.attribute("messaging.message.id", String(stored.seq)))),
        Effect.withParentSpan(span),
      ),
    )

/** Evaluating one stored event, continuing the trace its traceparent header names. */
export const traceEvaluate = <A, E, R>(
  work: Effect.Effect<A, E, R>,
  event: { readonly subject: string; readonly seq: number; readonly header: (name: string) => string | undefined },
): Effect.Effect<A, E, R> =>
  work.pipe(
    Effect.withSpan(SpanNames.evaluate, {
      kind: "consumer",
      parent: parentFrom(event.header(TRACEPARENT)),
      attributes: { "messaging.destination.name": event.subject, "dagnats.seq": event.seq },
    }),
  )

export const traceStarter = (starter: RunStarterShape): RunStarterShape => ({
  start: (spec) =>
    starter.start(spec).pipe(
      Effect.withSpan(SpanNames.runStart, {
        attributes: {
          "dagnats.run_id": spec.runId,
          "dagnats.workflow": spec.workflow,
          "dagnats.trigger": spec.triggerName ?? "",
        },
      }),
    ),
})
