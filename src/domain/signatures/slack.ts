// Slack, as "Verifying requests from Slack" documents it: `X-Slack-Signature: v0=<hex>` over the
// base string `v0:{X-Slack-Request-Timestamp}:{raw body}`, refused when the timestamp is more than
// five minutes away. Events API deliveries carry their id in the body (`event_id`).
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

const SIGNATURE = "x-slack-signature"
const TIMESTAMP = "x-slack-request-timestamp"
// "v0" is both the signature prefix and the first field of the base string; Slack's only version.
const VERSION = "v0"

const sign = (secret: string, timestamp: string, rawBody: Uint8Array): Buffer =>
  hmacSha256(secret, `${VERSION}:${timestamp}:`, rawBody)

export const slackScheme: SignatureScheme = {
  name: "slack",
  signsTimestamp: true,
  // The timestamp header is not secret and stays; only the signature is withheld.
  signatureHeaders: [SIGNATURE],
  verify: ({ rawBody, header, secrets, nowMs, toleranceMs }): VerifyResult => {
    const signature = present(header, SIGNATURE)
    const timestamp = present(header, TIMESTAMP)
    if (signature === undefined || timestamp === undefined) return fail("missing header")
    const offered = signature.startsWith(`${VERSION}=`) ? decodeHex(signature.slice(VERSION.length + 1)) : undefined
    const seconds = parseUnixSeconds(timestamp)
    if (offered === undefined || seconds === undefined) return fail("bad format")
    if (!withinTolerance(seconds, nowMs, toleranceMs)) return fail("timestamp outside tolerance")
    return anySecretMatches(secrets, (secret) => sign(secret, timestamp, rawBody), [offered])
      ? OK
      : fail("signature mismatch")
  },
  // Slack sends no delivery header; an Events API delivery carries `event_id` in its body.
  sign: ({ rawBody, secret, nowMs }) => {
    if (secret === "") throw new InvalidSigningSecret({ scheme: "slack", message: EMPTY_SECRET })
    const timestamp = String(Math.floor(nowMs / 1000))
    return {
      "X-Slack-Request-Timestamp": timestamp,
      "X-Slack-Signature": `${VERSION}=${sign(secret, timestamp, rawBody).toString("hex")}`,
    }
  },
  deliveryId: (header, body) => deliveryIdFrom(header, body, undefined, "event_id"),
}
