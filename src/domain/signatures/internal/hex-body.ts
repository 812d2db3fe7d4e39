// The GitHub-style signature shared by the default scheme and `github`: `sha256=` followed by the
// lowercase hex HMAC-SHA256 of the raw body, keyed with the secret's UTF-8 bytes.
import type { VerifyRequest, VerifyResult } from "../types.js"
import { decodeHex, hmacSha256 } from "./crypto.js"
import { OK, anySecretMatches, fail } from "./common.js"

const PREFIX = "sha256="

export const verifyHexBodySignature = (value: string | undefined, req: VerifyRequest): VerifyResult => {
  if (value === undefined) return fail("missing header")
  const offered = value.startsWith(PREFIX) ? decodeHex(value.slice(PREFIX.length)) : undefined
  if (offered === undefined) return fail("bad format")
  return anySecretMatches(req.secrets, (secret) => hmacSha256(secret, req.rawBody), [offered])
    ? OK
    : fail("signature mismatch")
}

export const hexBodySignature = (secret: string, rawBody: Uint8Array): string =>
  PREFIX + hmacSha256(secret, rawBody).toString("hex")
