// The one place ingest errors become HTTP: status, error code and extra headers. Every
// error body is `{"error":{"code","message"}}`; nothing else in ingest chooses a status.
import { errorBody, type ErrorBody } from "../domain/errors.js"
import type { IngestError } from "./errors.js"

/**
 * Seconds a client should wait after a 503. serve reconnects to NATS every 0.5 s, so a retry a
 * couple of seconds later is the soonest likely to succeed, without inviting a retry storm.
 */
export const RETRY_AFTER_SECONDS = 2

export interface HttpError {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  readonly body: ErrorBody
}

const NO_HEADERS: Readonly<Record<string, string>> = {}

const statusOf = (e: IngestError): { status: number; code: string; headers?: Record<string, string> } => {
  switch (e._tag) {
    case "NotFound":
      return { status: 404, code: "not_found" }
    case "MethodNotAllowed":
      return { status: 405, code: "method_not_allowed", headers: { Allow: e.allow } }
    case "PayloadTooLarge":
      return { status: 413, code: "payload_too_large" }
    case "UnsupportedMediaType":
      return { status: 415, code: "unsupported_media_type" }
    case "NoSecretConfigured":
      return { status: 401, code: "no_secret_configured" }
    case "InvalidSignature":
      return { status: 401, code: "invalid_signature" }
    case "InvalidJson":
      return { status: 400, code: "invalid_json" }
    case "Unavailable":
      return { status: 503, code: "unavailable", headers: { "Retry-After": String(RETRY_AFTER_SECONDS) } }
    case "RequestAborted":
      // Never seen by the client (it is gone); counted in metrics under this status.
      return { status: 400, code: "request_aborted" }
  }
}

export const toHttpError = (e: IngestError): HttpError => {
  const { status, code, headers } = statusOf(e)
  return { status, headers: headers ?? NO_HEADERS, body: errorBody(code, e.message) }
}

/** The answer when the server itself failed (a defect): never the defect's text. */
export const internalError: HttpError = {
  status: 500,
  headers: NO_HEADERS,
  body: errorBody("internal", "internal error; see the serve log"),
}
