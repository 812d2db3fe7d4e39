// GitHub, as "Validating webhook deliveries" documents it: `X-Hub-Signature-256: sha256=<hex>`
// over the raw body, no timestamp (GitHub signs none), delivery id in `X-GitHub-Delivery`.
import { randomUUID } from "node:crypto"
import { InvalidSigningSecret, type SignatureScheme } from "./types.js"
import { EMPTY_SECRET, deliveryIdFrom, present } from "./internal/common.js"
import { hexBodySignature, verifyHexBodySignature } from "./internal/hex-body.js"

export const githubScheme: SignatureScheme = {
  name: "github",
  signsTimestamp: false,
  // x-hub-signature is the legacy SHA-1 signature GitHub still sends alongside; never stored either.
  signatureHeaders: ["x-hub-signature-256", "x-hub-signature"],
  verify: (req) => verifyHexBodySignature(present(req.header, "x-hub-signature-256"), req),
  sign: ({ rawBody, secret, deliveryId }) => {
    if (secret === "") throw new InvalidSigningSecret({ scheme: "github", message: EMPTY_SECRET })
    return {
      "X-Hub-Signature-256": hexBodySignature(secret, rawBody),
      "X-GitHub-Delivery": deliveryId ?? randomUUID(),
    }
  },
  deliveryId: (header, body) => deliveryIdFrom(header, body),
}
