// A delivery: one request to /v1/webhooks/{name}, whatever its answer, as DAGNATS_DELIVERIES stores it
// and `dagnats.deliveries.list|get` answer it; with the decisions its event led to and their runs. One
// Schema per wire shape (the JSON Schemas `$SRV.INFO` publishes come from these), plus the pure rules:
// which headers are redacted, which token of the subject a path gets, which records a status filter
// keeps. Pure.
import { Schema } from "effect"
import { allSignatureHeaders } from "./signatures/index.js"
import { isValidName } from "./trigger.js"
import { wholeNumber } from "./whole-number.js"

/** A header value that is a credential or a signature, as a delivery shows it. */
export const REDACTED = "[redacted]"

/** Lowercase names whose values never reach the stream: credentials and every scheme's signature. */
const REDACTED_HEADERS: ReadonlySet<string> = new Set([
  "authorization",
  "proxy-authorization",
  "cookie",
  // GitLab's token is the secret itself.
  "x-gitlab-token",
  ...allSignatureHeaders,
])

/**
 * The request's headers as a delivery keeps them, from Node's rawHeaders: names lowercased, repeated
 * values joined with ", ", credentials and signature values replaced by "[redacted]".
 */
export const redactedHeaders = (rawHeaders: ReadonlyArray<string>): Record<string, string> => {
  const out: Record<string, string> = {}
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!.toLowerCase()
    const value = REDACTED_HEADERS.has(name) ? REDACTED : rawHeaders[i + 1]!
    const had = out[name]
    out[name] = had === undefined ? value : had === REDACTED && value === REDACTED ? REDACTED : `${had}, ${value}`
  }
  return out
}

/** The subject token of a delivery: the trigger name the path names, or `_` when it names no valid one. */
export const NO_TRIGGER = "_"
export const deliveryToken = (name: string): string => (isValidName(name) ? name : NO_TRIGGER)

/** 26 characters of Crockford base32, the first ten the milliseconds since 1970. */
const ULID_PATTERN = /^[0-7][0-9A-HJKMNP-TV-Z]{25}$/
export const isDeliveryId = (s: string): boolean => ULID_PATTERN.test(s)
export const DeliveryId = Schema.String.pipe(
  Schema.check(Schema.isPattern(ULID_PATTERN, { message: "must be a delivery id (a 26-character ULID)" })),
)

const B32 = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
/** The milliseconds a ULID was made at (its first ten characters). */
export const deliveryIdTimeMs = (id: string): number => {
  let ms = 0
  for (let i = 0; i < 10; i++) ms = ms * 32 + B32.indexOf(id[i]!)
  return ms
}

export const DeliveryRequest = Schema.Struct({
  method: Schema.String,
  path: Schema.String,
  remote_addr: Schema.String,
  content_type: Schema.optionalKey(Schema.String),
  /** Bytes read, or the declared Content-Length when the request was refused before its body. */
  size: Schema.Finite,
  /** Of the bytes read; absent when the request was refused before its body was read. */
  body_sha256: Schema.optionalKey(Schema.String),
  headers: Schema.Record(Schema.String, Schema.String),
})

export const DeliveryResponse = Schema.Struct({
  status: Schema.Finite,
  code: Schema.optionalKey(Schema.String),
  duration_ms: Schema.Finite,
})

export const DeliveryEvent = Schema.Struct({
  stream: Schema.String,
  subject: Schema.String,
  seq: Schema.Finite,
  duplicate: Schema.Boolean,
})

/** One record as stored on `dagnats.deliveries.{trigger}.{id}`. */
export const DeliveryRecord = Schema.Struct({
  id: Schema.String,
  received_at: Schema.String,
  trigger: Schema.String,
  request: DeliveryRequest,
  response: DeliveryResponse,
  event: Schema.optionalKey(DeliveryEvent),
})
export type DeliveryRecord = typeof DeliveryRecord.Type

/** Rejected deliveries of one trigger name left unstored in one second (`from`..`to`) by the flood cap. */
export const SuppressedRecord = Schema.Struct({
  suppressed: Schema.Finite,
  trigger: Schema.String,
  from: Schema.String,
  to: Schema.String,
})
export type SuppressedRecord = typeof SuppressedRecord.Type

/** One trigger evaluation of the delivery's event (trigger history's record for it). */
export const Decision = Schema.Struct({
  trigger: Schema.String,
  outcome: Schema.Literals(["fired", "skipped", "error"]),
  reason: Schema.optionalKey(Schema.String),
  detail: Schema.optionalKey(Schema.String),
  run_id: Schema.optionalKey(Schema.String),
  at: Schema.String,
})
export type Decision = typeof Decision.Type

export const DeliveryRun = Schema.Struct({
  run_id: Schema.String,
  workflow: Schema.String,
  /** The run record's current status; `unknown` when the record is gone (retention). */
  status: Schema.String,
})
export type DeliveryRun = typeof DeliveryRun.Type

/** `dagnats.deliveries.get`: the record with the decisions and runs that followed from it. */
/**
 * An accepted delivery's body as EVENTS stores it, when asked for: UTF-8 text as is, other bytes as
 * base64. `cut` when it did not fit the reply (then `text` is absent); `gone` when EVENTS no longer
 * holds the event (aged out, purged).
 */
export const DeliveryBody = Schema.Union([
  Schema.Struct({ encoding: Schema.Literals(["utf-8", "base64"]), text: Schema.String }),
  Schema.Struct({ cut: Schema.Literal(true), size: Schema.Finite }),
  Schema.Struct({ gone: Schema.Literal(true) }),
])
export type DeliveryBody = typeof DeliveryBody.Type

export const Delivery = Schema.Struct({
  ...DeliveryRecord.fields,
  decisions: Schema.Array(Decision),
  runs: Schema.Array(DeliveryRun),
  /** Only when the request asked for it (`body: true`) and the delivery stored an event. */
  body: Schema.optionalKey(DeliveryBody),
})
export type Delivery = typeof Delivery.Type

export const DeliveryGetRequest = Schema.Struct({
  id: DeliveryId,
  /** Also the body of the event an accepted delivery stored (never kept for a refused one). */
  body: Schema.optionalKey(Schema.Boolean),
})

/** `accepted` (2xx), `rejected` (any other status), an error code such as `invalid_signature`, or a status. */
export const DeliveryStatusFilter = Schema.String.pipe(
  Schema.check(
    Schema.isPattern(/^(accepted|rejected|[a-z_]{1,40}|[1-5][0-9][0-9])$/, {
      message: "must be accepted, rejected, an error code such as invalid_signature, or an HTTP status",
    }),
  ),
)

export const MAX_DELIVERY_LIMIT = 1_000
export const DeliveryListRequest = Schema.Struct({
  /** A trigger name, or `_` for the paths that named no valid one. */
  trigger: Schema.optionalKey(
    Schema.String.pipe(
      Schema.check(Schema.isPattern(/^[A-Za-z0-9_-]{1,64}$/, { message: "must be a trigger name (or _)" })),
    ),
  ),
  status: Schema.optionalKey(DeliveryStatusFilter),
  /** RFC 3339: only deliveries received at or after it. */
  since: Schema.optionalKey(Schema.String),
  limit: Schema.optionalKey(wholeNumber(1, MAX_DELIVERY_LIMIT)),
  /** A delivery id: only deliveries stored before that one (the next page after a list's last row). */
  before: Schema.optionalKey(DeliveryId),
})
export type DeliveryListRequest = typeof DeliveryListRequest.Type

/** A record as a list answers it: its request headers left out (`cut`) when it would not fit its share. */
export const DeliveryListItem = Schema.Struct({
  ...DeliveryRecord.fields,
  cut: Schema.optionalKey(Schema.Array(Schema.Literals(["headers"]))),
})
export type DeliveryListItem = typeof DeliveryListItem.Type

/** `dagnats.deliveries.list`: newest first; `truncated` when records were left out or cut to fit. */
export const DeliveryListReply = Schema.Struct({
  deliveries: Schema.Array(DeliveryListItem),
  truncated: Schema.optionalKey(Schema.Literal(true)),
})

const isSuccess = (status: number) => status >= 200 && status < 300

/** Whether a record passes the `status` filter of a list. */
export const statusMatches = (filter: string | undefined, r: DeliveryRecord): boolean => {
  if (filter === undefined) return true
  if (filter === "accepted") return isSuccess(r.response.status)
  if (filter === "rejected") return !isSuccess(r.response.status)
  if (/^\d+$/.test(filter)) return r.response.status === Number(filter)
  return r.response.code === filter
}
