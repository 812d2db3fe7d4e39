// The conditions the webhook endpoint refuses a request for, beyond the shared ones of
// domain/errors.ts (NotFound, Unavailable). Each carries what identifies it; http-errors.ts maps
// every one to its status and code in one place.
import { Schema } from "effect"
import type { NotFound, Unavailable } from "../domain/errors.js"
import { VerifyFailures } from "../domain/signatures/index.js"

/** The trigger exists, but only POST delivers to it. */
export class MethodNotAllowed extends Schema.TaggedError<MethodNotAllowed>()("MethodNotAllowed", {
  method: Schema.String,
  allow: Schema.String,
}) {
  override get message(): string {
    return `method ${this.method} is not allowed here; use ${this.allow}`
  }
}

/** The body (declared or received) is larger than --max-body; reading stopped at the limit. */
export class PayloadTooLarge extends Schema.TaggedError<PayloadTooLarge>()("PayloadTooLarge", {
  limitBytes: Schema.Number,
}) {
  override get message(): string {
    return `the body exceeds the limit of ${this.limitBytes} bytes`
  }
}

/** The Content-Type is not one the trigger's scheme accepts. */
export class UnsupportedMediaType extends Schema.TaggedError<UnsupportedMediaType>()("UnsupportedMediaType", {
  got: Schema.String,
  accepted: Schema.Array(Schema.String),
}) {
  override get message(): string {
    return `Content-Type must be ${this.accepted.join(" or ")} (got ${this.got === "" ? "none" : JSON.stringify(this.got.slice(0, 100))})`
  }
}

/** Verification is on, but neither the trigger nor DAGNATS_WEBHOOK_SECRET provides a secret. */
export class NoSecretConfigured extends Schema.TaggedError<NoSecretConfigured>()("NoSecretConfigured", {
  trigger: Schema.String,
}) {
  override get message(): string {
    return `webhook trigger "${this.trigger}" verifies signatures but has no secret, and no default secret (DAGNATS_WEBHOOK_SECRET) is set`
  }
}

/** The signature check failed; `reason` names the check, never the expected signature. */
export class InvalidSignature extends Schema.TaggedError<InvalidSignature>()("InvalidSignature", {
  trigger: Schema.String,
  scheme: Schema.String,
  reason: Schema.Literals(VerifyFailures),
}) {
  override get message(): string {
    return this.reason
  }
}

/** The body is empty, or (for JSON) does not parse. */
export class InvalidJson extends Schema.TaggedError<InvalidJson>()("InvalidJson", {
  message: Schema.String,
}) {}

/** The client went away before its body arrived; there is no one left to answer. */
export class RequestAborted extends Schema.TaggedError<RequestAborted>()("RequestAborted", {}) {
  override get message(): string {
    return "the client closed the connection before the body was complete"
  }
}

/** Everything POST /v1/webhooks/{name} can fail with. */
export type IngestError =
  | NotFound
  | MethodNotAllowed
  | PayloadTooLarge
  | UnsupportedMediaType
  | NoSecretConfigured
  | InvalidSignature
  | InvalidJson
  | Unavailable
  | RequestAborted
