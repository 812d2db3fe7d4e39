// The spans of a webhook's path through serve, applied only when traces are exported: HTTP request
// (child of the inbound traceparent) → verify → publish; then, from the traceparent stored on the
// event, evaluate → run start. Names are stable so dashboards can select them; the ingest and run spans
// are applied in ingest/tracing.ts and runs/tracing.ts.
import { Effect } from "effect"
import { Headers } from "../protocol/names.js"
import { parentFrom } from "./trace-context.js"

export const SpanNames = {
  request: "webhook.request",
  verify: "webhook.verify",
  publish: "webhook.publish",
  evaluate: "evaluator.evaluate",
  runStart: "run.start",
} as const

export const TRACEPARENT = Headers.traceparent.toLowerCase()

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
