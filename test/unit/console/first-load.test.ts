// Proves the console's first load stays small and its script is well-formed: the page, its script and
// its style together are under 150 KB gzip-compressed, and the embedded script parses as JavaScript.
import { gzipSync } from "node:zlib"
import { describe, expect, test } from "vitest"
import { APP_JS } from "../../../src/console/assets/app.js"
import { STYLE_CSS } from "../../../src/console/assets/style.js"
import { mainPage } from "../../../src/console/assets/page.js"

describe("console first load", () => {
  test("console first load - the page, /app.js and /style.css are under 150 KB gzip-compressed together", () => {
    const bytes = [mainPage("x".repeat(43)), APP_JS, STYLE_CSS].map((t) => gzipSync(t).length)
    expect(bytes.reduce((a, b) => a + b, 0)).toBeLessThan(150 * 1024)
  })

  test("console first load - the page script parses as JavaScript", () => {
    expect(() => new Function(APP_JS)).not.toThrow()
  })
})
