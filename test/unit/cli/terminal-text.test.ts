// Proves what the CLI prints of untrusted text: every character a terminal would act on is shown as
// a visible escape, line breaks kept only where asked, and JSON output stays the same JSON.
import { describe, expect, test } from "vitest"
import { inertJson, safeLines, safeText } from "../../../src/cli/terminal-text.js"

describe("terminal text", () => {
  test("terminal text - C0 (ESC, BEL, CR, LF, TAB), DEL and C1 (8-bit CSI) become visible escapes", () => {
    expect(safeText("a\u001b[2Jb\u0007c\r\nd\te\u007ff\u009b31mg\u0000")).toBe(
      "a\\x1b[2Jb\\x07c\\r\\nd\\te\\x7ff\\x9b31mg\\x00",
    )
  })

  test("terminal text - bidirectional overrides and isolates, and the line and paragraph separators, are escaped", () => {
    expect(safeText("x\u202ey\u2066z\u2069\u200f\u2028\u2029\u061c")).toBe(
      "x\\u202ey\\u2066z\\u2069\\u200f\\u2028\\u2029\\u061c",
    )
  })

  test("terminal text - printable text, including non-ASCII letters and emoji, is left as it is", () => {
    const text = "Grüße, 東京 🚀 \\x1b (already a backslash) ~!@#$%^&*()"
    expect(safeText(text)).toBe(text)
  })

  test("terminal text - safeLines keeps line feeds (the CLI's own hint lines) and escapes the rest", () => {
    expect(safeLines("refused\u001b[31m\r\nhint: do x")).toBe("refused\\x1b[31m\\r\nhint: do x")
  })

  test("terminal text - inertJson escapes DEL, C1 and bidi controls in JSON text and keeps the same value", () => {
    const value = { s: "a\u007f\u0085\u009b\u202e\u2028b", n: [1, "\u001b"] }
    const json = inertJson(JSON.stringify(value, null, 2))
    expect(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202e]/.test(json)).toBe(false)
    expect(JSON.parse(json)).toStrictEqual(value)
    expect(json).toContain('"a\\u007f\\u0085\\u009b\\u202e\\u2028b"')
  })
})
