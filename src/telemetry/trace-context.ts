// W3C trace context (`traceparent`) to and from Effect spans, so a webhook's trace continues through
// dagnats: the inbound header becomes the parent of the request span, and the event stored on
// EVENTS carries the publish span as its parent for the evaluator to continue.
import { Tracer } from "effect"

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(?:-.*)?$/
const ZERO_TRACE = "0".repeat(32)
const ZERO_SPAN = "0".repeat(16)

/** The remote parent named by a `traceparent` value, or undefined when it is absent or malformed. */
export const parentFrom = (traceparent: string | undefined): Tracer.ExternalSpan | undefined => {
  const m = traceparent === undefined ? null : TRACEPARENT.exec(traceparent.trim().toLowerCase())
  // Version ff is forbidden; version 00 allows nothing after the flags (later versions may add fields).
  if (m === null || m[1] === "ff" || (m[1] === "00" && traceparent!.trim().length !== 55)) return undefined
  if (m[2] === ZERO_TRACE || m[3] === ZERO_SPAN) return undefined
  return Tracer.externalSpan({ traceId: m[2]!, spanId: m[3]!, sampled: (Number.parseInt(m[4]!, 16) & 1) === 1 })
}

/** The `traceparent` value that makes `span` the parent of whatever reads it. */
export const traceparentOf = (span: Tracer.AnySpan): string =>
  `00-${span.traceId}-${span.spanId}-${span.sampled ? "01" : "00"}`
