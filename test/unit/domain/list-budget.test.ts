// Proves the byte budget every list reply is built with: records cut to their share (largest named
// fields first, strings shortened, other values left out, `cut` naming them), lists fitted as a
// prefix within the budget, and `truncated` said exactly when something was left out or cut.
import { describe, expect, test } from "vitest"
import {
  CUT_STRING_CHARS,
  DEFAULT_MAX_PAYLOAD,
  ENVELOPE_BYTES,
  MIN_SHARE_BYTES,
  cutToShare,
  fitList,
  jsonBytes,
  recordShare,
  replyBudget,
  truncatedField,
} from "../../../src/domain/list-budget.js"

describe("list budget", () => {
  test("jsonBytes - counts UTF-8 bytes of the JSON, not characters", () => {
    expect(jsonBytes({ a: "é" })).toBe(Buffer.byteLength('{"a":"é"}'))
    expect(jsonBytes(undefined)).toBe(4)
  })

  test("replyBudget - the max payload less the envelope; 0 (unknown) is the NATS default; never below one share", () => {
    expect(replyBudget(1_048_576)).toBe(1_048_576 - ENVELOPE_BYTES)
    expect(replyBudget(0)).toBe(DEFAULT_MAX_PAYLOAD - ENVELOPE_BYTES)
    expect(replyBudget(100)).toBe(MIN_SHARE_BYTES)
  })

  test("recordShare - the budget split by the limit, at least MIN_SHARE_BYTES", () => {
    expect(recordShare(1_000_000, 20)).toBe(50_000)
    expect(recordShare(1_000_000, 1_000)).toBe(MIN_SHARE_BYTES)
  })

  test("cutToShare - a record within its share is returned as it is, with its size", () => {
    const r = { run_id: "a", input: { x: 1 } }
    expect(cutToShare(r, 1_000, ["input"])).toEqual({ record: r, bytes: jsonBytes(r), cut: false })
  })

  test("cutToShare - a large non-string field is left out and named in cut; other fields are kept", () => {
    const r = { run_id: "a", input: { blob: "x".repeat(10_000) }, error: "short" }
    const c = cutToShare(r, 2_048, ["input", "error"])
    expect(c).toEqual({ record: { run_id: "a", error: "short", cut: ["input"] }, bytes: c.bytes, cut: true })
    expect(c.bytes).toBe(jsonBytes(c.record))
  })

  test("cutToShare - a large string is shortened to CUT_STRING_CHARS and …; fields stop being cut once it fits", () => {
    const r = { run_id: "a", error: "e".repeat(5_000), input: { small: true } }
    const c = cutToShare(r, 2_048, ["error", "input"])
    expect(c.record).toEqual({
      run_id: "a",
      error: `${"e".repeat(CUT_STRING_CHARS)}…`,
      input: { small: true },
      cut: ["error"],
    })
  })

  test("cutToShare - fields not named large are never touched, even when the record stays too big", () => {
    const r = { run_id: "a", other: "o".repeat(5_000) }
    expect(cutToShare(r, 2_048, ["input"])).toEqual({ record: r, bytes: jsonBytes(r), cut: false })
  })

  test("cutToShare - small values (ids, counts, flags, short strings) are never cut, even when named large", () => {
    const r = { n: 1, ok: true, tags: ["a"], name: "short", big: "b".repeat(5_000) }
    expect(cutToShare(r, 100, ["n", "ok", "tags", "name", "big"]).record).toEqual({
      n: 1,
      ok: true,
      tags: ["a"],
      name: "short",
      big: `${"b".repeat(CUT_STRING_CHARS)}…`,
      cut: ["big"],
    })
  })

  test("cutToShare - a known size below the share skips measuring", () => {
    const r = { input: "x".repeat(5_000) }
    expect(cutToShare(r, 2_048, ["input"], 100)).toEqual({ record: r, bytes: 100, cut: false })
  })

  test("fitList - records while they fit with their commas, as a prefix; the rest counted as left", () => {
    const items = ["a", "b", "c", "d"]
    expect(fitList(items, 6, () => 2)).toEqual({ items: ["a", "b"], truncated: true, left: 2 })
    expect(fitList(items, 12, () => 2)).toEqual({ items, truncated: false, left: 0 })
    expect(fitList(items, 1, () => 2)).toEqual({ items: [], truncated: true, left: 4 })
    expect(fitList([], 1)).toEqual({ items: [], truncated: false, left: 0 })
  })

  test("fitList - stops at the first record that does not fit, even when a later smaller one would", () => {
    const sizes = new Map([
      ["a", 3],
      ["big", 100],
      ["c", 1],
    ])
    expect(fitList(["a", "big", "c"], 10, (s) => sizes.get(s)!).items).toEqual(["a"])
  })

  test("truncatedField - present only when true", () => {
    expect(truncatedField(true)).toEqual({ truncated: true })
    expect(truncatedField(false)).toEqual({})
  })
})
