// The contract every inbound-webhook signature scheme implements, and the vocabulary of
// its results. One small module per scheme implements SignatureScheme; index.ts selects them from
// a table. Pure: no I/O, no clock (the caller passes `nowMs`), no NATS.
import { Schema } from "effect"

/** Every scheme a webhook trigger may name; `hmac-sha256` is the default. */
export const SchemeNames = ["hmac-sha256", "github", "stripe", "slack", "standard", "shopify", "gitlab"] as const
export type SchemeName = (typeof SchemeNames)[number]

/** Request header by lowercase name; undefined when absent. See headerLookupFrom. */
export type HeaderLookup = (lowercaseName: string) => string | undefined

/**
 * Why a request failed verification. Checked in this order, so a request gets the first reason
 * that applies: a header is absent; a header is present but cannot be parsed; the signed
 * timestamp is too old or too far in the future; no secret reproduces any given signature.
 * None of them carries the expected signature.
 */
export const VerifyFailures = [
  "missing header",
  "bad format",
  "timestamp outside tolerance",
  "signature mismatch",
] as const
export type VerifyFailure = (typeof VerifyFailures)[number]

export type VerifyResult = { readonly ok: true } | { readonly ok: false; readonly reason: VerifyFailure }

export interface VerifyRequest {
  /** The request body exactly as received: every scheme signs bytes, never re-encoded JSON. */
  readonly rawBody: Uint8Array
  readonly header: HeaderLookup
  /** The trigger's current secrets (1 or 2 during rotation); valid when any one verifies. */
  readonly secrets: ReadonlyArray<string>
  readonly nowMs: number
  /** How far a signed timestamp may lie in the past or the future. */
  readonly toleranceMs: number
}

export interface SignRequest {
  readonly rawBody: Uint8Array
  readonly secret: string
  readonly nowMs: number
  /** Sent in the scheme's delivery-id header; schemes whose provider always sends one generate it. */
  readonly deliveryId?: string
}

/**
 * One provider's signature scheme, exactly as that provider documents it.
 *
 * Guarantees: `verify` and `deliveryId` are pure and never throw, whatever the headers hold;
 * every comparison against a secret or a signature is constant-time; `sign` returns the headers
 * the provider itself would send, and its output passes `verify` with the same secret and clock.
 */
export interface SignatureScheme {
  readonly name: SchemeName
  /** True when the signature covers a timestamp, so stale and future requests are refused. */
  readonly signsTimestamp: boolean
  /**
   * Why `secret` can never verify under this scheme, or undefined when it is usable. Checked when
   * a trigger is created or updated, so a bad secret is refused then, not as 401s later. Schemes
   * that key the HMAC with the secret's own bytes accept any non-empty secret and leave this out.
   */
  readonly secretProblem?: (secret: string) => string | undefined
  /** Lowercase names of headers carrying a signature or a secret: never copied into stored messages. */
  readonly signatureHeaders: ReadonlyArray<string>
  verify(req: VerifyRequest): VerifyResult
  /** @throws InvalidSigningSecret when the secret is empty or not usable as this scheme's key. */
  sign(req: SignRequest): Record<string, string>
  /**
   * The provider's id for this delivery, stable across its retries (becomes `Nats-Msg-Id`).
   * `body` is the parsed request body (any JSON value, or undefined when it did not parse).
   * Undefined when there is none, or when it is not safe as a NATS header value.
   */
  deliveryId(header: HeaderLookup, body: unknown): string | undefined
}

/** `sign` was given a secret the scheme cannot key an HMAC with (empty, or for `standard` not base64). */
export class InvalidSigningSecret extends Schema.TaggedError<InvalidSigningSecret>()("InvalidSigningSecret", {
  scheme: Schema.String,
  message: Schema.String,
}) {}
