// GitLab's secret token: `X-Gitlab-Token` carries the secret itself (no HMAC, nothing signed), so
// verification is a constant-time comparison with each configured secret. GitLab 17.4+ sends
// `Idempotency-Key`, stable across retries, so it is preferred over `X-Gitlab-Event-UUID`.
import { randomUUID } from "node:crypto"
import { InvalidSigningSecret, type SignatureScheme, type VerifyResult } from "./types.js"
import { utf8 } from "./internal/crypto.js"
import {
  DELIVERY_ID_HEADERS,
  EMPTY_SECRET,
  OK,
  anySecretMatches,
  deliveryIdFrom,
  fail,
  present,
} from "./internal/common.js"

const HEADER = "x-gitlab-token"
const PREFERRED_ID_HEADERS = ["idempotency-key", "x-gitlab-event-uuid"] as const
const ID_HEADERS = [
  ...PREFERRED_ID_HEADERS,
  ...DELIVERY_ID_HEADERS.filter((h) => !PREFERRED_ID_HEADERS.some((p) => p === h)),
]

export const gitlabScheme: SignatureScheme = {
  name: "gitlab",
  signsTimestamp: false,
  signatureHeaders: [HEADER],
  verify: ({ header, secrets }): VerifyResult => {
    const token = present(header, HEADER)
    if (token === undefined) return fail("missing header")
    // Any non-blank token is well-formed; a wrong one is a mismatch.
    return anySecretMatches(secrets, utf8, [utf8(token)]) ? OK : fail("signature mismatch")
  },
  sign: ({ secret, deliveryId }) => {
    if (secret === "") throw new InvalidSigningSecret({ scheme: "gitlab", message: EMPTY_SECRET })
    return { "X-Gitlab-Token": secret, "X-Gitlab-Event-UUID": deliveryId ?? randomUUID() }
  },
  deliveryId: (header, body) => deliveryIdFrom(header, body, ID_HEADERS),
}
