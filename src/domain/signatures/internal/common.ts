// What the scheme modules share above the byte level: reading headers, the timestamp window,
// trying every secret against every offered signature, and delivery-id rules.
import type { HeaderLookup, VerifyFailure, VerifyResult } from "../types.js"
import { constantTimeEqual } from "./crypto.js"

export const OK: VerifyResult = { ok: true }
export const fail = (reason: VerifyFailure): VerifyResult => ({ ok: false, reason })

/** A header's value, or undefined when it is absent or blank (a blank header counts as missing). */
export const present = (header: HeaderLookup, name: string): string | undefined => {
  const value = header(name)?.trim()
  return value === undefined || value === "" ? undefined : value
}

/** The first of `names` that is present. */
export const firstPresent = (header: HeaderLookup, names: ReadonlyArray<string>): string | undefined => {
  for (const name of names) {
    const value = present(header, name)
    if (value !== undefined) return value
  }
  return undefined
}

/** Unix seconds written as plain decimal digits (no sign, fraction or exponent), else undefined. */
export const parseUnixSeconds = (text: string): number | undefined => (/^[0-9]+$/.test(text) ? Number(text) : undefined)

/**
 * Whether a signed timestamp lies within `toleranceMs` of now, on either side. `now` is taken in
 * whole seconds, as the providers' own libraries do, so the window edges match theirs.
 */
export const withinTolerance = (timestampSeconds: number, nowMs: number, toleranceMs: number): boolean =>
  Math.abs(Math.floor(nowMs / 1000) - timestampSeconds) * 1000 <= toleranceMs

/**
 * True when some usable secret's expected signature equals some offered signature. `expectedFor`
 * returns undefined for a secret that cannot be a key (empty, or not base64 where one is
 * required): such a secret verifies nothing. With no usable secret the answer is false.
 */
export const anySecretMatches = (
  secrets: ReadonlyArray<string>,
  expectedFor: (secret: string) => Uint8Array | undefined,
  offered: ReadonlyArray<Uint8Array>,
): boolean => {
  for (const secret of secrets) {
    if (secret === "") continue
    const expected = expectedFor(secret)
    if (expected === undefined) continue
    for (const candidate of offered) {
      if (constantTimeEqual(expected, candidate)) return true
    }
  }
  return false
}

// The request headers that carry a provider's delivery id, in the order they are consulted.
export const DELIVERY_ID_HEADERS = [
  "webhook-id",
  "svix-id",
  "x-github-delivery",
  "x-shopify-webhook-id",
  "x-gitlab-event-uuid",
  "idempotency-key",
] as const

// Delivery ids become the `Nats-Msg-Id` header; 256 characters is ample for every provider's id
// (UUIDs, `evt_…`, `msg_…`) and keeps a hostile value from bloating every stored message.
const MAX_DELIVERY_ID_LENGTH = 256
// C0 controls (CR and LF included) and DEL would corrupt or split a NATS header line.
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/

/** The id itself when it is safe as a NATS header value, else undefined. */
const safeDeliveryId = (id: string | undefined): string | undefined =>
  id === undefined || id.length > MAX_DELIVERY_ID_LENGTH || CONTROL_CHARS.test(id) ? undefined : id

/**
 * The delivery id: the first present of `headerNames`, else the body's top-level string field
 * `bodyField`. The first candidate found decides: an unsafe value yields undefined rather than
 * falling back to another source, so one delivery never maps to two different ids.
 */
export const deliveryIdFrom = (
  header: HeaderLookup,
  body: unknown,
  headerNames: ReadonlyArray<string> = DELIVERY_ID_HEADERS,
  bodyField?: string,
): string | undefined => {
  const fromHeader = firstPresent(header, headerNames)
  if (fromHeader !== undefined) return safeDeliveryId(fromHeader)
  if (bodyField === undefined || typeof body !== "object" || body === null || Array.isArray(body)) return undefined
  const value: unknown = Object.hasOwn(body, bodyField) ? (body as Record<string, unknown>)[bodyField] : undefined
  return typeof value === "string" && value !== "" ? safeDeliveryId(value) : undefined
}

/** The error `sign` throws for an empty secret, shared so every scheme words it alike. */
export const EMPTY_SECRET = "the signing secret is empty"
