// Proves the JSON depth limit is exact at its boundary, ignores brackets inside strings, costs no
// JS stack even for a million levels, and that invalid UTF-8 is told apart from text.
import { describe, expect, it } from "vitest"
import {
  MAX_JSON_DEPTH,
  decodeUtf8,
  jsonTextDepthWithin,
  jsonValueDepthWithin,
} from "../../../src/domain/json-limits.js"

const bytes = (s: string) => new TextEncoder().encode(s)
const nested = (n: number) => "[".repeat(n) + "]".repeat(n)
const nestedValue = (n: number): unknown => {
  let v: unknown = 1
  for (let i = 0; i < n; i++) v = i % 2 === 0 ? [v] : { k: v }
  return v
}

describe("json limits", () => {
  it("json depth - text: exactly MAX_JSON_DEPTH levels pass, one more fails", () => {
    expect(MAX_JSON_DEPTH).toBe(64)
    expect(jsonTextDepthWithin(bytes(nested(64)))).toBe(true)
    expect(jsonTextDepthWithin(bytes(nested(65)))).toBe(false)
    expect(jsonTextDepthWithin(bytes(`{"a":${nested(63)}}`))).toBe(true)
    expect(jsonTextDepthWithin(bytes(`{"a":${nested(64)}}`))).toBe(false)
  })

  it("json depth - text: brackets inside strings (with escaped quotes) do not count", () => {
    const inString = JSON.stringify({ s: `\\"${"[".repeat(500)}\u00e9` })
    expect(jsonTextDepthWithin(bytes(inString))).toBe(true)
    expect(jsonTextDepthWithin(bytes(`["\\\\", ${nested(63)}]`))).toBe(true)
    expect(jsonTextDepthWithin(bytes(`["\\\\", ${nested(64)}]`))).toBe(false)
  })

  it("json depth - text: many shallow brackets pass and deep ones fail whatever the count (the counted shortcut and the scan agree)", () => {
    const siblings = (n: number) => `[${Array.from({ length: n }, () => `{"a":[1]}`).join(",")}]`
    // 1 + 2 × 32 = 65 openings, 3 levels: past the shortcut's count, decided by the scan.
    expect(jsonTextDepthWithin(bytes(siblings(32)))).toBe(true)
    expect(jsonTextDepthWithin(bytes(siblings(1_000)))).toBe(true)
    expect(jsonTextDepthWithin(bytes(siblings(1_000)), 2)).toBe(false)
    // Exactly `max` openings of either kind, in any order: within.
    expect(jsonTextDepthWithin(bytes(`${"[{".repeat(3)}${"}]".repeat(3)}`), 6)).toBe(true)
    expect(jsonTextDepthWithin(bytes(`${"[{".repeat(3)}[]${"}]".repeat(3)}`), 6)).toBe(false)
  })

  it("json depth - text: a view is read at its own offset, not from the start of its buffer", () => {
    const pad = " ".repeat(500)
    const whole = bytes(`${pad}${nested(70)}${pad}`)
    const view = whole.subarray(500, 640)
    expect(new TextDecoder().decode(view)).toBe(nested(70))
    expect(jsonTextDepthWithin(view)).toBe(false)
    expect(jsonTextDepthWithin(whole.subarray(0, 140))).toBe(true)
  })

  it("json depth - text and value: a million levels are refused without a stack overflow", () => {
    expect(jsonTextDepthWithin(bytes(nested(1_000_000)))).toBe(false)
    expect(jsonValueDepthWithin(JSON.parse(nested(200_000)))).toBe(false)
  })

  it("json depth - value: exactly MAX_JSON_DEPTH levels pass, one more fails; scalars are depth 0", () => {
    expect(jsonValueDepthWithin(nestedValue(64))).toBe(true)
    expect(jsonValueDepthWithin(nestedValue(65))).toBe(false)
    expect(jsonValueDepthWithin("x")).toBe(true)
    expect(jsonValueDepthWithin(null)).toBe(true)
    expect(jsonValueDepthWithin(nestedValue(3), 2)).toBe(false)
  })

  it("utf-8 - valid text decodes (a BOM is kept), invalid bytes give undefined", () => {
    expect(decodeUtf8(bytes('{"a":"é"}'))).toBe('{"a":"é"}')
    expect(decodeUtf8(new Uint8Array([0xef, 0xbb, 0xbf, 0x31]))).toBe("\ufeff1")
    expect(decodeUtf8(new Uint8Array([0x7b, 0xff, 0x7d]))).toBeUndefined()
    expect(decodeUtf8(new Uint8Array([0xc3]))).toBeUndefined()
  })

  it("utf-8 - strict: an encoded surrogate, an overlong form and a code point past U+10FFFF give undefined", () => {
    expect(decodeUtf8(new Uint8Array([0xed, 0xa0, 0x80]))).toBeUndefined()
    expect(decodeUtf8(new Uint8Array([0xc0, 0xaf]))).toBeUndefined()
    expect(decodeUtf8(new Uint8Array([0xf4, 0x90, 0x80, 0x80]))).toBeUndefined()
    expect(decodeUtf8(new Uint8Array([0xf0, 0x9f, 0x98, 0x80]))).toBe("😀")
    expect(decodeUtf8(new Uint8Array([]))).toBe("")
  })
})
