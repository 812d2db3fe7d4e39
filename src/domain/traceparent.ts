// W3C Trace Context `traceparent` (version 00): parse one a client sent, or make a new one, so a
// webhook's trace continues through the stored event into the run the engine executes. Pure apart
// from the random source, which is a parameter.
import { pooledRandomBytes } from "./random-pool.js"

interface TraceParent {
  readonly traceId: string
  readonly spanId: string
  readonly flags: string
}

// version "00": four dash-separated lowercase hex fields of fixed length. A higher version may add
// fields after the flags; its first four fields keep this layout (W3C Trace Context §3.2.4).
const V00 = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/
const FUTURE = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/
const ALL_ZERO = /^0+$/

/** The traceparent's fields, or undefined when the header is not a valid one. */
export const parseTraceParent = (header: string | undefined): TraceParent | undefined => {
  if (header === undefined) return undefined
  const value = header.trim()
  const v00 = V00.exec(value)
  const m = v00 !== null ? ["", "00", v00[1], v00[2], v00[3]] : FUTURE.exec(value)
  if (m === null) return undefined
  const [, version, traceId, spanId, flags] = m as unknown as [string, string, string, string, string]
  // "ff" is forbidden; a version-00 header must have exactly four fields (checked by V00 above).
  if (version === "ff" || (version === "00" && v00 === null)) return undefined
  if (ALL_ZERO.test(traceId) || ALL_ZERO.test(spanId)) return undefined
  return { traceId, spanId, flags }
}

export const formatTraceParent = (t: TraceParent): string => `00-${t.traceId}-${t.spanId}-${t.flags}`

const hex = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString("hex")
const nonZero = (id: string) => (ALL_ZERO.test(id) ? `${id.slice(0, -1)}1` : id)

/**
 * A new trace (sampled), from `random` (bytes); an all-zero id is replaced, as the spec requires.
 * Both ids come from one draw of 24 bytes: a run without a trace of its own makes one per event.
 */
export const newTraceParent = (random: (n: number) => Uint8Array = pooledRandomBytes): string => {
  const h = hex(random(24))
  return formatTraceParent({ traceId: nonZero(h.slice(0, 32)), spanId: nonZero(h.slice(32)), flags: "01" })
}

/** The header to pass on: the given one normalised when valid (as version 00), else a new trace. */
export const continueOrStart = (header: string | undefined, random?: (n: number) => Uint8Array): string => {
  const parsed = parseTraceParent(header)
  return parsed !== undefined ? formatTraceParent(parsed) : newTraceParent(random)
}
