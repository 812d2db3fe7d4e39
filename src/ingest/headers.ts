// Which inbound request headers travel with a stored webhook event: the ones useful for
// filtering, under the names the client sent, plus the W3C trace context the run will continue.
// Pure (the random source of a new trace is a parameter), so the rule is testable without a server.
import { allSignatureHeaders } from "../domain/signatures/index.js"
import { newTraceParent, parseTraceParent, formatTraceParent } from "../domain/traceparent.js"
import { Headers } from "../protocol/names.js"

/**
 * Lowercase names never stored. Hop-by-hop and framing headers describe one HTTP hop, not the
 * event. Credentials and every scheme's signature or secret header (whatever this trigger's scheme)
 * must not leak to every reader of the stream. Content-Type and Dagnats-Trigger are written by
 * ingest itself, so a client cannot spoof or duplicate them.
 */
const NEVER_STORED: ReadonlySet<string> = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "te",
  "trailer",
  "upgrade",
  "host",
  "content-length",
  "authorization",
  "proxy-authorization",
  "cookie",
  "content-type",
  "dagnats-trigger",
  "dagnats-delivery-id",
  // dagnats' own delivery id is written by ingest: a client must not name another delivery.
  "dagnats-delivery",
  // A synchronous webhook's query string is written by ingest from the request line.
  "dagnats-query",
  "x-gitlab-token",
  // Trace context is validated and written by headersToStore itself (one valid traceparent always).
  Headers.traceparent,
  Headers.tracestate,
  ...allSignatureHeaders,
])

/**
 * `Nats-*` headers instruct JetStream (Nats-Msg-Id, Nats-Expected-Last-Sequence, Nats-Rollup,
 * …); a client must not be able to set them. The delivery id becomes Nats-Msg-Id through ingest.
 */
const NATS_PREFIX = "nats-"

/**
 * The headers to store, from Node's `rawHeaders` (name, value, name, value, … as received, names
 * in the client's case, repeated headers kept as separate entries). Headers named in the request's
 * own `Connection` header are hop-by-hop too (RFC 9110 §7.6.1) and are dropped.
 */
export const forwardedHeaders = (rawHeaders: ReadonlyArray<string>): Array<readonly [string, string]> => {
  let perRequest: Set<string> | undefined
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if (rawHeaders[i]!.toLowerCase() === "connection") {
      for (const token of rawHeaders[i + 1]!.split(",")) (perRequest ??= new Set()).add(token.trim().toLowerCase())
    }
  }
  const kept: Array<readonly [string, string]> = []
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!
    const lower = name.toLowerCase()
    if (NEVER_STORED.has(lower) || lower.startsWith(NATS_PREFIX) || perRequest?.has(lower) === true) continue
    kept.push([name, rawHeaders[i + 1]!])
  }
  return kept
}

const lastValue = (rawHeaders: ReadonlyArray<string>, lower: string): string | undefined => {
  let value: string | undefined
  for (let i = 0; i < rawHeaders.length; i += 2) if (rawHeaders[i]!.toLowerCase() === lower) value = rawHeaders[i + 1]
  return value
}

/**
 * The headers of the stored event: the forwarded ones plus exactly one `traceparent`, the client's
 * when it is valid (with its `tracestate`), else a new trace, so the run always continues a trace.
 * A traceparent sent more than once is invalid (W3C Trace Context), so it starts a new trace too.
 */
export const headersToStore = (
  rawHeaders: ReadonlyArray<string>,
  random?: (n: number) => Uint8Array,
): Array<readonly [string, string]> => {
  const sent = rawHeaders.filter((h, i) => i % 2 === 0 && h.toLowerCase() === Headers.traceparent).length
  const parsed = sent === 1 ? parseTraceParent(lastValue(rawHeaders, Headers.traceparent)) : undefined
  const trace: Array<readonly [string, string]> =
    parsed === undefined
      ? [[Headers.traceparent, newTraceParent(random)]]
      : [[Headers.traceparent, formatTraceParent(parsed)]]
  const state = parsed !== undefined ? lastValue(rawHeaders, Headers.tracestate) : undefined
  if (state !== undefined && state !== "") trace.push([Headers.tracestate, state])
  return [...forwardedHeaders(rawHeaders), ...trace]
}
