// Synchronous webhooks, pure parts: the DagNats engine's HTTP envelope a run of one gets as its data,
// and the engine's `respond` answer decoded into what the request is answered with. No I/O.
import { Schema } from "effect"
import { parseJson } from "./json.js"

/** The envelope the engine's own HTTP triggers hand a workflow; `body` is base64 of the raw bytes. */
export interface HttpEnvelope {
  readonly method: string
  readonly path: string
  readonly query: Readonly<Record<string, string>>
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
}

/** Headers dagnats or NATS put on the stored event: not the client's, so not in the envelope. */
const isInternalHeader = (lowercaseName: string): boolean =>
  lowercaseName.startsWith("dagnats-") || lowercaseName.startsWith("nats-")

/** The first value of each query parameter and header, as the engine's envelope carries them. */
export const httpEnvelope = (e: {
  readonly path: string
  readonly query: string | undefined
  readonly headers: ReadonlyMap<string, string>
  readonly body: Uint8Array
}): HttpEnvelope => {
  const query: Record<string, string> = {}
  for (const [k, v] of new URLSearchParams(e.query ?? "")) if (!(k in query)) query[k] = v
  const headers: Record<string, string> = {}
  for (const [k, v] of e.headers) if (!isInternalHeader(k)) headers[k] = v
  return { method: "POST", path: e.path, query, headers, body: Buffer.from(e.body).toString("base64") }
}

/** What the engine's `respond` step publishes: `status` 0 means 200; the body is base64. */
const EngineResponse = Schema.Struct({
  status: Schema.Finite,
  headers: Schema.optionalKey(
    Schema.NullOr(Schema.Record(Schema.String, Schema.Union([Schema.String, Schema.Array(Schema.String)]))),
  ),
  content_type: Schema.optionalKey(Schema.NullOr(Schema.String)),
  body: Schema.optionalKey(Schema.NullOr(Schema.String)),
})
const decodeEngineResponse = Schema.decodeUnknownOption(EngineResponse)

export interface HttpAnswer {
  readonly status: number
  readonly headers: ReadonlyArray<readonly [string, string]>
  readonly contentType: string | undefined
  readonly body: Uint8Array
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/
/**
 * Headers the listener writes itself: a workflow setting them would break the HTTP framing, or
 * name another delivery or run.
 */
const OWN = new Set([
  "content-length",
  "transfer-encoding",
  "connection",
  "keep-alive",
  "content-type",
  "dagnats-delivery",
  "x-dagnats-run-id",
])
/** What node:http accepts in a header value: tab, visible ASCII and space, and bytes 0x80-0xFF. */
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/
const VALUE_RULE = "must be a header value (no control characters, nothing above U+00FF)"
const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,128}$/

/** The request's answer from a `respond` message, or why it is malformed (502). */
export const decodeHttpAnswer = (data: Uint8Array): HttpAnswer | string => {
  const json = parseJson(Buffer.from(data).toString("utf8"))
  if (json._tag === "None") return "the response is not JSON"
  const r = decodeEngineResponse(json.value)
  if (r._tag === "None") return 'the response is not {"status","headers","content_type","body"}'
  const v = r.value
  const status = v.status === 0 ? 200 : v.status
  if (!Number.isInteger(status) || status < 200 || status > 599) return `status: must be 0 or 200-599 (got ${v.status})`
  const body = v.body ?? ""
  if (body.length % 4 === 1 || !BASE64.test(body)) return "body: must be base64"
  const headers: Array<readonly [string, string]> = []
  for (const [name, value] of Object.entries(v.headers ?? {})) {
    if (!HEADER_NAME.test(name)) return `headers: ${JSON.stringify(name.slice(0, 64))} is not a header name`
    if (OWN.has(name.toLowerCase())) continue
    for (const one of typeof value === "string" ? [value] : value) {
      if (!HEADER_VALUE.test(one)) return `headers.${name}: ${VALUE_RULE}`
      headers.push([name, one])
    }
  }
  const contentType = v.content_type ?? undefined
  if (contentType !== undefined && !HEADER_VALUE.test(contentType)) return `content_type: ${VALUE_RULE}`
  return {
    status,
    headers,
    contentType: contentType === "" ? undefined : contentType,
    body: Buffer.from(body, "base64"),
  }
}
