// Proves the one mapping from ingest errors to HTTP: each condition's status, code and extra headers, with the JSON error body of SPEC §5.
import { describe, expect, it } from "vitest"
import { NotFound, Unavailable } from "../../../src/domain/errors.js"
import {
  InvalidJson,
  InvalidSignature,
  MethodNotAllowed,
  NoSecretConfigured,
  PayloadTooLarge,
  UnsupportedMediaType,
} from "../../../src/ingest/errors.js"
import { RETRY_AFTER_SECONDS, toHttpError } from "../../../src/ingest/http-errors.js"

describe("ingest http errors", () => {
  it("ingest http errors - every condition maps to the status and code of SPEC §5", () => {
    const table = [
      [new NotFound({ kind: "webhook trigger", name: "x" }), 404, "not_found"],
      [new MethodNotAllowed({ method: "GET", allow: "POST" }), 405, "method_not_allowed"],
      [new PayloadTooLarge({ limitBytes: 10 }), 413, "payload_too_large"],
      [new UnsupportedMediaType({ got: "text/plain", accepted: ["application/json"] }), 415, "unsupported_media_type"],
      [new NoSecretConfigured({ trigger: "x" }), 401, "no_secret_configured"],
      [new InvalidSignature({ trigger: "x", scheme: "github", reason: "missing header" }), 401, "invalid_signature"],
      [new InvalidJson({ message: "the body is empty" }), 400, "invalid_json"],
      [new Unavailable({ message: "NATS is disconnected" }), 503, "unavailable"],
    ] as const
    for (const [error, status, code] of table) {
      const http = toHttpError(error)
      expect(http.status, error._tag).toBe(status)
      expect(http.body.error.code).toBe(code)
      expect(http.body.error.message).toBe(error.message)
    }
  })

  it("ingest http errors - 405 says which method is allowed, 503 when to retry", () => {
    expect(toHttpError(new MethodNotAllowed({ method: "GET", allow: "POST" })).headers).toEqual({ Allow: "POST" })
    expect(toHttpError(new Unavailable({ message: "x" })).headers).toEqual({
      "Retry-After": String(RETRY_AFTER_SECONDS),
    })
    expect(toHttpError(new PayloadTooLarge({ limitBytes: 10 })).headers).toEqual({})
  })

  it("ingest http errors - an invalid signature's message is only the failed check", () => {
    for (const reason of [
      "missing header",
      "bad format",
      "timestamp outside tolerance",
      "signature mismatch",
    ] as const) {
      expect(toHttpError(new InvalidSignature({ trigger: "t", scheme: "stripe", reason })).body.error.message).toBe(
        reason,
      )
    }
  })
})
