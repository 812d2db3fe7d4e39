// Proves `run list` asks for one row more than it shows (human output only) and hints when it arrives.
import { describe, expect, test } from "vitest"
import { limitRows, requestLimit } from "../../../src/cli/list-hint.js"

describe("list hint", () => {
  test("list hint - human output requests one more than shown, up to the maximum; --json requests the limit as given", () => {
    expect(requestLimit(undefined, false)).toBe(21)
    expect(requestLimit(5, false)).toBe(6)
    expect(requestLimit(1000, false)).toBe(1000)
    expect(requestLimit(undefined, true)).toBeUndefined()
    expect(requestLimit(5, true)).toBe(5)
  })

  test("list hint - the extra row is dropped and produces the hint; no extra row, no hint", () => {
    const rows = Array.from({ length: 21 }, (_, i) => i)
    expect(limitRows(rows, undefined)).toStrictEqual({
      rows: rows.slice(0, 20),
      hint: "showing the newest 20; more exist: use --limit N (up to 1000), e.g. --limit 100",
    })
    expect(limitRows(rows.slice(0, 20), undefined)).toStrictEqual({ rows: rows.slice(0, 20) })
    expect(limitRows([1, 2, 3], 2)).toStrictEqual({
      rows: [1, 2],
      hint: "showing the newest 2; more exist: use --limit N (up to 1000), e.g. --limit 10",
    })
  })
})
