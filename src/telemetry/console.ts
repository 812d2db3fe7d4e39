// OTEL_TRACES_EXPORTER=console: every sampled span, when it ends, printed as one JSON line on stdout
// (serve's log is on stderr), with the fields OpenTelemetry's console exporter prints. For looking at
// traces without a collector; it wraps another tracer (effect's native one, or the OTLP one when both
// exporters are asked for), so the spans themselves and their ids are that tracer's.
import { Cause, Exit, Option, Tracer } from "effect"
import type { TraceResource } from "../config/otel-env.js"

/** OpenTelemetry's SpanKind and SpanStatusCode numbers, as its console exporter prints them. */
const KIND: Record<Tracer.SpanKind, number> = { internal: 0, server: 1, client: 2, producer: 3, consumer: 4 }
const STATUS_OK = 1
const STATUS_ERROR = 2

const micros = (ns: bigint): number => Number(ns / 1_000n)

/** Attribute values as JSON can hold them: bigints as strings, anything else as JSON.stringify sees it. */
const jsonValue = (_key: string, v: unknown): unknown => (typeof v === "bigint" ? v.toString() : v)

/** The printed form of an ended span. */
export const consoleSpanLine = (span: Tracer.Span, resource: TraceResource): string => {
  const status = span.status
  const end = status._tag === "Ended" ? status.endTime : status.startTime
  const exit = status._tag === "Ended" ? status.exit : Exit.void
  const events = (span as { readonly events?: ReadonlyArray<readonly [string, bigint, Record<string, unknown>]> })
    .events
  const record = {
    resource: {
      attributes: { "service.name": resource.serviceName, "service.version": resource.serviceVersion },
    },
    traceId: span.traceId,
    parentId: Option.getOrUndefined(span.parent)?.spanId,
    name: span.name,
    id: span.spanId,
    kind: KIND[span.kind],
    timestamp: micros(status.startTime),
    duration: micros(end - status.startTime),
    attributes: Object.fromEntries(span.attributes),
    status: Exit.isSuccess(exit)
      ? { code: STATUS_OK }
      : { code: STATUS_ERROR, message: Cause.pretty(exit.cause).split("\n")[0] },
    events: (events ?? []).map(([name, time, attributes]) => ({ name, time: micros(time), attributes })),
  }
  return `${JSON.stringify(record, jsonValue)}\n`
}

/** `inner`, with each of its sampled spans also printed by `write` when it ends (once). */
export const consoleTracer = (
  inner: Tracer.Tracer,
  resource: TraceResource,
  write: (line: string) => void = (line) => process.stdout.write(line),
): Tracer.Tracer =>
  Tracer.make({
    ...(inner.context !== undefined ? { context: inner.context } : {}),
    span(options) {
      const span = inner.span(options)
      const end = span.end.bind(span)
      Object.assign(span, {
        end: (endTime: bigint, exit: Exit.Exit<unknown, unknown>) => {
          const open = span.status._tag !== "Ended"
          end(endTime, exit)
          if (open && span.sampled) write(consoleSpanLine(span, resource))
        },
      })
      return span
    },
  })
