// Shopify, as "Verify webhook deliveries" documents it: `X-Shopify-Hmac-Sha256` holding the
// base64 HMAC-SHA256 of the raw body, keyed with the app's client secret. No timestamp is signed;
// `X-Shopify-Webhook-Id` identifies the delivery and repeats on retries.
import { randomUUID } from "node:crypto"
import { InvalidSigningSecret, type SignatureScheme, type VerifyResult } from "./types.js"
import { decodeBase64, hmacSha256 } from "./internal/crypto.js"
import { EMPTY_SECRET, OK, anySecretMatches, deliveryIdFrom, fail, present } from "./internal/common.js"

const HEADER = "x-shopify-hmac-sha256"

export const shopifyScheme: SignatureScheme = {
  name: "shopify",
  signsTimestamp: false,
  signatureHeaders: [HEADER],
  verify: ({ rawBody, header, secrets }): VerifyResult => {
    const value = present(header, HEADER)
    if (value === undefined) return fail("missing header")
    const offered = decodeBase64(value)
    if (offered === undefined) return fail("bad format")
    return anySecretMatches(secrets, (secret) => hmacSha256(secret, rawBody), [offered])
      ? OK
      : fail("signature mismatch")
  },
  sign: ({ rawBody, secret, deliveryId }) => {
    if (secret === "") throw new InvalidSigningSecret({ scheme: "shopify", message: EMPTY_SECRET })
    return {
      "X-Shopify-Hmac-Sha256": hmacSha256(secret, rawBody).toString("base64"),
      "X-Shopify-Webhook-Id": deliveryId ?? randomUUID(),
    }
  },
  deliveryId: (header, body) => deliveryIdFrom(header, body),
}
