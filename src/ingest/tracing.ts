// The spans of a webhook's way into the events stream, applied only when traces are exported: the HTTP
// request (child of the inbound traceparent), and the publish whose span the stored event names as
// its parent so evaluation continues the same trace.
import { Cause, Effect, Exit, Option, type Tracer } from "effect"
import { Headers } from "../protocol/names.js"
import { SpanNames, TRACEPARENT, parentFrom, traceparentOf } from "../telemetry/index.js"
import type { EventToStore, Outcome, Stored, WebhookRequest } from "./pipeline.js"
import type { IngestError } from "./errors.js"
import { internalError, toHttpError } from "./http-errors.js"

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
