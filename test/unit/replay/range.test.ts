// Proves replay time bounds: a duration ago or an RFC 3339 time (from 1970 on, never thrown), anything else refused naming the flag, and a continued replay starts at its sequence.
import { describe, expect, test } from "vitest"
import { parseRange, parseTimeBound } from "../../../src/replay/range.js"

describe("replay range", () => {
  const now = Date.parse("2026-01-10T12:00:00Z")

  test("replay range - a duration is that long ago, an RFC 3339 time is that time", () => {
    expect(parseTimeBound("since", "2h", now)).toBe(now - 7_200_000)
    expect(parseTimeBound("since", "2026-01-10T10:00:00+01:00", now)).toBe(Date.parse("2026-01-10T09:00:00Z"))
  })

  test("replay range - anything else is refused naming the flag; since after until is refused", () => {
    expect(parseTimeBound("until", "noon", now)).toBe(
      'until: must be a duration ago such as 2h or 30m, or an RFC 3339 time such as 2026-01-01T00:00:00Z (got "noon")',
    )
    expect(parseRange("1h", "2h", undefined, now)).toBe("since: must not be later than until")
    expect(parseRange(undefined, undefined, undefined, now)).toStrictEqual({ from: undefined, untilMs: now })
  })

  test("replay range - a bound before 1970 or past what a time can hold is refused naming the field, never thrown", () => {
    expect(parseTimeBound("since", "99999999999999h", now)).toBe(
      'since: must be a duration ago that lies after 1970 (got "99999999999999h")',
    )
    expect(parseTimeBound("until", `${"9".repeat(400)}d`, now)).toBe(
      `until: must be a duration ago that lies after 1970 (got "${"9".repeat(64)}")`,
    )
    expect(parseTimeBound("since", "0000-01-01T00:00:00Z", now)).toBe(
      'since: must be a time from 1970 on (got "0000-01-01T00:00:00Z")',
    )
  })

  test("replay range - a continued replay starts at its sequence, and a sequence with since is refused", () => {
    expect(parseRange(undefined, "2026-01-10T11:00:00Z", 42, now)).toStrictEqual({
      from: { seq: 42 },
      untilMs: Date.parse("2026-01-10T11:00:00Z"),
    })
    expect(parseRange("1h", undefined, undefined, now)).toStrictEqual({
      from: { timeMs: now - 3_600_000 },
      untilMs: now,
    })
    expect(parseRange("1h", undefined, 42, now)).toBe("from_seq: not together with since")
  })
})
