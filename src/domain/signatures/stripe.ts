// Stripe, as "Verify webhook signatures manually" documents it: `Stripe-Signature: t=<ts>,v1=<hex>`
// (several v1 during secret rotation; other schemes such as v0 are discarded), signed content
// `{t}.{raw body}`, keyed with the whole `whsec_…` string as given (Stripe does not decode it).
// The event id lives in the body (`id`), since Stripe sends no delivery header.
import { InvalidSigningSecret, type SignatureScheme, type VerifyResult } from "./types.js"
import { decodeHex, hmacSha256 } from "./internal/crypto.js"
import {
  EMPTY_SECRET,
  OK,
  anySecretMatches,
  deliveryIdFrom,
  fail,
  parseUnixSeconds,
  present,
  withinTolerance,
} from "./internal/common.js"

const HEADER = "stripe-signature"

interface ParsedHeader {
  readonly timestamp: string
  readonly seconds: number
  readonly signatures: ReadonlyArray<Uint8Array>
}

/** `t` exactly once and an integer, at least one `v1`, every `v1` hex; else undefined. */
const parseHeader = (value: string): ParsedHeader | undefined => {
  const timestamps: Array<string> = []
  const signatures: Array<Uint8Array> = []
  for (const item of value.split(",")) {
    const eq = item.indexOf("=")
    if (eq < 0) continue
    const key = item.slice(0, eq).trim()
    const val = item.slice(eq + 1).trim()
    if (key === "t") timestamps.push(val)
    if (key === "v1") {
      const bytes = decodeHex(val)
      if (bytes === undefined) return undefined
      signatures.push(bytes)
    }
  }
  const [timestamp] = timestamps
  if (timestamps.length !== 1 || timestamp === undefined || signatures.length === 0) return undefined
  const seconds = parseUnixSeconds(timestamp)
  return seconds === undefined ? undefined : { timestamp, seconds, signatures }
}

export const stripeScheme: SignatureScheme = {
  name: "stripe",
  signsTimestamp: true,
  signatureHeaders: [HEADER],
  verify: ({ rawBody, header, secrets, nowMs, toleranceMs }): VerifyResult => {
    const value = present(header, HEADER)
    if (value === undefined) return fail("missing header")
    const parsed = parseHeader(value)
    if (parsed === undefined) return fail("bad format")
    if (!withinTolerance(parsed.seconds, nowMs, toleranceMs)) return fail("timestamp outside tolerance")
    return anySecretMatches(secrets, (secret) => hmacSha256(secret, `${parsed.timestamp}.`, rawBody), parsed.signatures)
      ? OK
      : fail("signature mismatch")
  },
  // A Stripe delivery carries its id in the body, so `deliveryId` is not sent as a header.
  sign: ({ rawBody, secret, nowMs }) => {
    if (secret === "") throw new InvalidSigningSecret({ scheme: "stripe", message: EMPTY_SECRET })
    const t = String(Math.floor(nowMs / 1000))
    return { "Stripe-Signature": `t=${t},v1=${hmacSha256(secret, `${t}.`, rawBody).toString("hex")}` }
  },
  deliveryId: (header, body) => deliveryIdFrom(header, body, undefined, "id"),
}
