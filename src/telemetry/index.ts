// The telemetry surface: span names, the evaluate span, W3C trace context and the OTLP export layer.
// Other folders import from here only; the files behind it are free to change.

export { SpanNames, TRACEPARENT, traceEvaluate } from "./spans.js"
export { parentFrom, traceparentOf } from "./trace-context.js"
export { tracingLayer } from "./tracing.js"
