// Standard Webhooks (and Svix, which sends the same thing under `svix-` names): `webhook-id`,
// `webhook-timestamp` and `webhook-signature: v1,<base64> [v1,<base64> …]`, signed content
// `{id}.{timestamp}.{raw body}`. The secret is base64 after an optional `whsec_` prefix, and the
// HMAC key is the decoded bytes, as the reference libraries do.
import { randomUUID } from "node:crypto"
import { InvalidSigningSecret, type SignatureScheme, type VerifyResult } from "./types.js"
import { decodeBase64, hmacSha256 } from "./internal/crypto.js"
import {
  OK,
  anySecretMatches,
  deliveryIdFrom,
  fail,
  firstPresent,
  parseUnixSeconds,
  withinTolerance,
} from "./internal/common.js"

// The standard's own names first; Svix's are the same headers under its brand.
const ID = ["webhook-id", "svix-id"] as const
const TIMESTAMP = ["webhook-timestamp", "svix-timestamp"] as const
const SIGNATURE = ["webhook-signature", "svix-signature"] as const
const SECRET_PREFIX = "whsec_"
// The symmetric scheme's version tag; `v1a` (Ed25519) entries are skipped, as the libraries do.
const VERSION = "v1"

/** HMAC key bytes of a secret, or undefined when what follows the prefix is not non-empty base64. */
const keyOf = (secret: string): Uint8Array | undefined =>
  decodeBase64(secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret)

/** Every `v1` signature in the space-separated list; undefined when there is none or one is not base64. */
const parseSignatures = (value: string): ReadonlyArray<Uint8Array> | undefined => {
  const signatures: Array<Uint8Array> = []
  for (const entry of value.split(/\s+/)) {
    const comma = entry.indexOf(",")
    if (comma < 0 || entry.slice(0, comma) !== VERSION) continue
    const bytes = decodeBase64(entry.slice(comma + 1))
    if (bytes === undefined) return undefined
    signatures.push(bytes)
  }
  return signatures.length === 0 ? undefined : signatures
}

const sign = (key: Uint8Array, id: string, timestamp: string, rawBody: Uint8Array): Buffer =>
  hmacSha256(key, `${id}.${timestamp}.`, rawBody)

const SECRET_RULE =
  "must be base64 after its whsec_ prefix, as Standard Webhooks and Svix issue it " +
  "(such as whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw)"

export const standardScheme: SignatureScheme = {
  name: "standard",
  signsTimestamp: true,
  secretProblem: (secret) => (keyOf(secret) === undefined ? SECRET_RULE : undefined),
  signatureHeaders: SIGNATURE,
  verify: ({ rawBody, header, secrets, nowMs, toleranceMs }): VerifyResult => {
    const id = firstPresent(header, ID)
    const timestamp = firstPresent(header, TIMESTAMP)
    const signature = firstPresent(header, SIGNATURE)
    if (id === undefined || timestamp === undefined || signature === undefined) return fail("missing header")
    const seconds = parseUnixSeconds(timestamp)
    const offered = parseSignatures(signature)
    if (seconds === undefined || offered === undefined) return fail("bad format")
    if (!withinTolerance(seconds, nowMs, toleranceMs)) return fail("timestamp outside tolerance")
    return anySecretMatches(
      secrets,
      (secret) => {
        const key = keyOf(secret)
        return key === undefined ? undefined : sign(key, id, timestamp, rawBody)
      },
      offered,
    )
      ? OK
      : fail("signature mismatch")
  },
  sign: ({ rawBody, secret, nowMs, deliveryId }) => {
    const key = keyOf(secret)
    if (key === undefined) {
      throw new InvalidSigningSecret({
        scheme: "standard",
        message: "the signing secret must be base64 (optionally prefixed with whsec_) and not empty",
      })
    }
    // Svix ids look like `msg_<random>`; any unique string will do.
    const id = deliveryId ?? `msg_${randomUUID().replaceAll("-", "")}`
    const timestamp = String(Math.floor(nowMs / 1000))
    return {
      "webhook-id": id,
      "webhook-timestamp": timestamp,
      "webhook-signature": `${VERSION},${sign(key, id, timestamp, rawBody).toString("base64")}`,
    }
  },
  deliveryId: (header, body) => deliveryIdFrom(header, body),
}
