// The byte-level primitives every scheme shares: HMAC-SHA256 over several parts, strict hex and
// base64 decoding, and the one constant-time comparison all schemes use.
import { createHmac, hash, timingSafeEqual } from "node:crypto"

/** HMAC-SHA256 of the concatenation of `parts`, fed in order without building the whole. */
export const hmacSha256 = (key: string | Uint8Array, ...parts: ReadonlyArray<string | Uint8Array>): Buffer => {
  const mac = createHmac("sha256", key)
  for (const part of parts) mac.update(part)
  return mac.digest()
}

// The one-shot hash: no Hash object per comparison (two per webhook).
const sha256 = (bytes: Uint8Array): Buffer => hash("sha256", bytes, "buffer") as Buffer

/**
 * Constant-time equality of two byte strings of any lengths. Both sides are hashed first so
 * timingSafeEqual always sees two 32-byte inputs: a length mismatch is just a mismatch (no
 * exception), and neither the position of the first differing byte nor the length of the
 * expected value (a GitLab token's length is part of the secret) shows in the timing.
 */
export const constantTimeEqual = (a: Uint8Array, b: Uint8Array): boolean => timingSafeEqual(sha256(a), sha256(b))

export const utf8 = (text: string): Buffer => Buffer.from(text, "utf8")

const HEX = /^[0-9a-fA-F]+$/
// Standard alphabet with its padding, as the Standard Webhooks libraries (@stablelib/base64)
// and Shopify produce it. Node's own decoder silently skips bad characters, hence the check.
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/

/**
 * Bytes of a hex string; undefined when it holds anything but hex digits. An odd digit count
 * still decodes (to the wrong length), so it fails as a mismatch like any wrong-length value.
 */
export const decodeHex = (text: string): Buffer | undefined => (HEX.test(text) ? Buffer.from(text, "hex") : undefined)

/** Bytes of a padded standard-base64 string; undefined for anything else, including "". */
export const decodeBase64 = (text: string): Buffer | undefined =>
  text !== "" && BASE64.test(text) ? Buffer.from(text, "base64") : undefined
