// How deep JSON may nest before dagnats refuses it, checked without recursion. V8's JSON.parse copes
// with any depth, but JSON.stringify, Schema and the engine's decoders recurse on the stack and
// overflow a few thousand levels down; a payload refused at the door never reaches them. Pure and
// effect-free, so the CLI's start-up fast path can check a payload without loading the effect runtime.
import { isUtf8 } from "node:buffer"

/**
 * The deepest nesting accepted (arrays and objects, the top level counting as 1). Real webhook
 * payloads (GitHub, Stripe, Slack, Shopify) nest under 20 levels; 64 leaves room for any of them
 * grown, and stays far below the ~3,000 levels at which a recursive JSON.stringify overflows, so
 * every later step (run record, history, the engine) can encode what was accepted.
 */
export const MAX_JSON_DEPTH = 64

const QUOTE = 0x22
const BACKSLASH = 0x5c
const OPEN_ARRAY = 0x5b
const CLOSE_ARRAY = 0x5d
const OPEN_OBJECT = 0x7b
const CLOSE_OBJECT = 0x7d

/** Whether `bytes` holds at most `max` opening brackets (`[` and `{`), wherever they are. */
const openingsAtMost = (bytes: Uint8Array, max: number): boolean => {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length)
  let left = max
  for (const opening of [OPEN_ARRAY, OPEN_OBJECT]) {
    for (let i = b.indexOf(opening); i !== -1; i = b.indexOf(opening, i + 1)) if (--left < 0) return false
  }
  return true
}

/**
 * True when the JSON text nests at most `max` levels deep. Scans the raw bytes once, skipping
 * string contents (UTF-8 continuation bytes are never ASCII, so a byte-level scan is exact);
 * stops at the first level over the limit. Says nothing about validity: JSON.parse decides that.
 */
export const jsonTextDepthWithin = (bytes: Uint8Array, max: number = MAX_JSON_DEPTH): boolean => {
  // Nesting needs an opening bracket per level, so a text with at most `max` of them (strings
  // included) is within the limit: counted by the native byte search, that settles a typical
  // payload in a fraction of the byte-by-byte scan (~2.5 µs for 1 KB), which only the rest need.
  if (openingsAtMost(bytes, max)) return true
  let depth = 0
  let inString = false
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!
    if (inString) {
      if (b === BACKSLASH) i++
      else if (b === QUOTE) inString = false
    } else if (b === QUOTE) inString = true
    else if (b === OPEN_ARRAY || b === OPEN_OBJECT) {
      if (++depth > max) return false
    } else if (b === CLOSE_ARRAY || b === CLOSE_OBJECT) depth--
  }
  return true
}

/**
 * True when an already parsed value nests at most `max` levels deep (the top-level object or
 * array counting as 1, scalars as 0). Walks with an explicit stack, never the JS call stack, and
 * stops at the first level over the limit.
 */
export const jsonValueDepthWithin = (value: unknown, max: number = MAX_JSON_DEPTH): boolean => {
  const stack: Array<{ readonly value: unknown; readonly depth: number }> = [{ value, depth: 1 }]
  while (stack.length > 0) {
    const { value: v, depth } = stack.pop()!
    if (typeof v !== "object" || v === null) continue
    if (depth > max) return false
    const children = Array.isArray(v) ? v : Object.values(v)
    for (const child of children) {
      if (typeof child === "object" && child !== null) stack.push({ value: child, depth: depth + 1 })
    }
  }
  return true
}

/** The message for a value over the limit, in the words both ingest and the service use. */
export const TOO_DEEP = `nests deeper than ${MAX_JSON_DEPTH} levels`

// ignoreBOM keeps a byte-order mark in the text, where JSON.parse refuses it as JSON does. The bytes
// are checked first (isUtf8 applies the same strict rules a fatal decoder does), so nothing throws.
const utf8 = new TextDecoder("utf-8", { ignoreBOM: true })

/** The bytes as text, or undefined when they are not valid UTF-8 (JSON must be UTF-8). */
export const decodeUtf8 = (bytes: Uint8Array): string | undefined => (isUtf8(bytes) ? utf8.decode(bytes) : undefined)
