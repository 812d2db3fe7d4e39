// The default scheme: `X-Signature-256` or `X-Hub-Signature-256` holding `sha256=` +
// hex HMAC-SHA256 of the raw body. No timestamp; the delivery id comes from whichever provider
// delivery header the sender set.
import { InvalidSigningSecret, type SignatureScheme } from "./types.js"
import { EMPTY_SECRET, deliveryIdFrom, firstPresent } from "./internal/common.js"
import { hexBodySignature, verifyHexBodySignature } from "./internal/hex-body.js"

// X-Signature-256 first: it is this service's own header, X-Hub-Signature-256 the GitHub alias.
const SIGNATURE_HEADERS = ["x-signature-256", "x-hub-signature-256"] as const

export const hmacSha256Scheme: SignatureScheme = {
  name: "hmac-sha256",
  signsTimestamp: false,
  signatureHeaders: SIGNATURE_HEADERS,
  verify: (req) => verifyHexBodySignature(firstPresent(req.header, SIGNATURE_HEADERS), req),
  sign: ({ rawBody, secret, deliveryId }) => {
    if (secret === "") throw new InvalidSigningSecret({ scheme: "hmac-sha256", message: EMPTY_SECRET })
    return {
      "X-Signature-256": hexBodySignature(secret, rawBody),
      // No provider owns this scheme; Idempotency-Key is the generic header for a delivery id.
      ...(deliveryId === undefined ? {} : { "Idempotency-Key": deliveryId }),
    }
  },
  deliveryId: (header, body) => deliveryIdFrom(header, body),
}
