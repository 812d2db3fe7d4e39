// Proves the pure schedule logic: which cron expressions and time zones are accepted, the instants a schedule fires at (Europe/Berlin spring-forward gap and fall-back repeat included), the walk back over missed instants, and the catch-up decisions none/last/all with time as a parameter.
import { describe, expect, test } from "vitest"
import {
  MAX_CATCH_UP,
  ON_TIME_GRACE_MS,
  cronProblem,
  generationOf,
  inZone,
  instantsBetween,
  isValidTimezone,
  nextAfter,
  nextInstants,
  planFire,
} from "../../../src/domain/schedule.js"

const ms = (iso: string) => Date.parse(iso)
const iso = (xs: ReadonlyArray<number>) => xs.map((x) => new Date(x).toISOString())
const berlin = (cron: string) => ({ cron, timezone: "Europe/Berlin" })
const utc = (cron: string) => ({ cron, timezone: "UTC" })

describe("schedule - cron expressions", () => {
  test("schedule - 5 fields and 6 fields with seconds first are accepted", () => {
    expect(cronProblem("0 2 * * *")).toBeUndefined()
    expect(cronProblem("*/2 * * * * *")).toBeUndefined()
    expect(cronProblem("0 9 * * mon-fri")).toBeUndefined()
  })

  test("schedule - 4 or 7 fields are rejected naming the field count", () => {
    expect(cronProblem("* * * *")).toBe(
      "must have 5 fields (minute hour day-of-month month day-of-week) or 6 with seconds first (got 4)",
    )
    expect(cronProblem("* * * * * * *")).toContain("(got 7)")
  })

  test("schedule - out-of-range values, impossible dates and aliases are rejected", () => {
    expect(cronProblem("61 * * * *")).toMatch(/^is not a valid cron expression: .*61/)
    expect(cronProblem("0 0 31 2 *")).toMatch(/^is not a valid cron expression/)
    expect(cronProblem("@daily")).toMatch(/^must have 5 fields/)
    expect(cronProblem("@daily x y z w")).toBe("must be fields, not an alias such as @daily")
  })

  test("schedule - IANA time zones are accepted, unknown names are not", () => {
    expect(isValidTimezone("UTC")).toBe(true)
    expect(isValidTimezone("Europe/Berlin")).toBe(true)
    expect(isValidTimezone("Mars/Olympus")).toBe(false)
    expect(isValidTimezone("")).toBe(false)
  })
})

describe("schedule - next instants", () => {
  test("schedule - every 2 seconds: strictly after the given time, in order", () => {
    expect(iso(nextInstants(utc("*/2 * * * * *"), ms("2026-01-01T00:00:01Z"), 3))).toEqual([
      "2026-01-01T00:00:02.000Z",
      "2026-01-01T00:00:04.000Z",
      "2026-01-01T00:00:06.000Z",
    ])
    expect(nextAfter(utc("*/2 * * * * *"), ms("2026-01-01T00:00:02Z"))).toBe(ms("2026-01-01T00:00:04Z"))
  })

  test("schedule - daily 02:00 in Berlin is 01:00 UTC in winter and 00:00 UTC in summer", () => {
    expect(iso(nextInstants(berlin("0 2 * * *"), ms("2026-01-10T12:00:00Z"), 1))).toEqual(["2026-01-11T01:00:00.000Z"])
    expect(iso(nextInstants(berlin("0 2 * * *"), ms("2026-07-10T12:00:00Z"), 1))).toEqual(["2026-07-11T00:00:00.000Z"])
  })

  test("schedule - DST gap (Berlin 2026-03-29, 02:00-03:00 does not exist): 02:30 fires once, at 03:30 local", () => {
    expect(iso(nextInstants(berlin("30 2 * * *"), ms("2026-03-28T00:00:00Z"), 3))).toEqual([
      "2026-03-28T01:30:00.000Z",
      "2026-03-29T01:30:00.000Z",
      "2026-03-30T00:30:00.000Z",
    ])
  })

  test("schedule - DST gap: every 15 minutes stays 15 real minutes apart and never goes backwards", () => {
    const got = nextInstants(berlin("*/15 * * * *"), ms("2026-03-29T00:30:00Z"), 6)
    expect(iso(got)).toEqual([
      "2026-03-29T00:45:00.000Z",
      "2026-03-29T01:00:00.000Z",
      "2026-03-29T01:15:00.000Z",
      "2026-03-29T01:30:00.000Z",
      "2026-03-29T01:45:00.000Z",
      "2026-03-29T02:00:00.000Z",
    ])
    expect(inZone(got[1]!, "Europe/Berlin")).toBe("2026-03-29T03:00:00+02:00")
  })

  test("schedule - DST repeat (Berlin 2026-10-25, 02:00-03:00 happens twice): 02:30 fires once, the first time", () => {
    expect(iso(nextInstants(berlin("30 2 * * *"), ms("2026-10-24T00:00:00Z"), 3))).toEqual([
      "2026-10-24T00:30:00.000Z",
      "2026-10-25T00:30:00.000Z",
      "2026-10-26T01:30:00.000Z",
    ])
  })

  test("schedule - DST repeat: every 15 minutes fires in both passes of the repeated hour", () => {
    const got = nextInstants(berlin("*/15 * * * *"), ms("2026-10-25T00:30:00Z"), 8)
    expect(iso(got)).toEqual([
      "2026-10-25T00:45:00.000Z",
      "2026-10-25T01:00:00.000Z",
      "2026-10-25T01:15:00.000Z",
      "2026-10-25T01:30:00.000Z",
      "2026-10-25T01:45:00.000Z",
      "2026-10-25T02:00:00.000Z",
      "2026-10-25T02:15:00.000Z",
      "2026-10-25T02:30:00.000Z",
    ])
    expect(got.map((x) => inZone(x, "Europe/Berlin")).slice(0, 3)).toEqual([
      "2026-10-25T02:45:00+02:00",
      "2026-10-25T02:00:00+01:00",
      "2026-10-25T02:15:00+01:00",
    ])
  })

  test("schedule - inZone writes UTC with Z and other zones with their offset", () => {
    expect(inZone(ms("2026-01-11T01:00:00Z"), "UTC")).toBe("2026-01-11T01:00:00Z")
    expect(inZone(ms("2026-01-11T01:00:00Z"), "Europe/Berlin")).toBe("2026-01-11T02:00:00+01:00")
    expect(inZone(ms("2026-01-11T01:00:00Z"), "America/New_York")).toBe("2026-01-10T20:00:00-05:00")
  })
})

describe("schedule - missed instants", () => {
  const every2s = utc("*/2 * * * * *")

  test("schedule - instants in (after, until], oldest first, until itself included", () => {
    const r = instantsBetween(every2s, ms("2026-01-01T00:00:00Z"), ms("2026-01-01T00:00:06Z"), 10)
    expect(iso(r.instants)).toEqual([
      "2026-01-01T00:00:02.000Z",
      "2026-01-01T00:00:04.000Z",
      "2026-01-01T00:00:06.000Z",
    ])
    expect(r.more).toBe(false)
  })

  test("schedule - nothing due when until is not after after", () => {
    expect(instantsBetween(every2s, ms("2026-01-01T00:00:06Z"), ms("2026-01-01T00:00:06Z"), 10)).toEqual({
      instants: [],
      more: false,
    })
  })

  test("schedule - a long downtime keeps only the newest cap instants and says more were left out", () => {
    const r = instantsBetween(every2s, ms("2026-01-01T00:00:00Z"), ms("2026-01-02T00:00:00Z"), 3)
    expect(iso(r.instants)).toEqual([
      "2026-01-01T23:59:56.000Z",
      "2026-01-01T23:59:58.000Z",
      "2026-01-02T00:00:00.000Z",
    ])
    expect(r.more).toBe(true)
  })

  test("schedule - walking back over the Berlin fall-back repeat finds both passes", () => {
    const r = instantsBetween(berlin("*/30 * * * *"), ms("2026-10-24T23:59:00Z"), ms("2026-10-25T01:30:00Z"), 10)
    expect(iso(r.instants)).toEqual([
      "2026-10-25T00:00:00.000Z",
      "2026-10-25T00:30:00.000Z",
      "2026-10-25T01:00:00.000Z",
      "2026-10-25T01:30:00.000Z",
    ])
  })
})

describe("schedule - catch-up plans", () => {
  const t0 = ms("2026-01-01T00:00:00Z")
  const due = [t0, t0 + 2_000, t0 + 4_000, t0 + 6_000]

  test("schedule - on time: the one due instant fires in every mode", () => {
    for (const mode of ["none", "last", "all"] as const) {
      expect(planFire(mode, [t0], false, t0 + 300)).toEqual({ fire: [t0], skip: [], skippedUncounted: false })
    }
  })

  test("schedule - none skips every missed instant, the newest too", () => {
    expect(planFire("none", due, false, t0 + 6_100)).toEqual({ fire: [], skip: due, skippedUncounted: false })
  })

  test("schedule - one instant due but later than the grace is missed: none skips it, last and all fire it", () => {
    const late = t0 + ON_TIME_GRACE_MS + 1
    expect(planFire("none", [t0], false, late)).toEqual({ fire: [], skip: [t0], skippedUncounted: false })
    expect(planFire("last", [t0], false, late)).toEqual({ fire: [t0], skip: [], skippedUncounted: false })
    expect(planFire("all", [t0], false, late)).toEqual({ fire: [t0], skip: [], skippedUncounted: false })
  })

  test("schedule - last fires the most recent missed instant and skips the others", () => {
    expect(planFire("last", due, true, t0 + 60_000)).toEqual({
      fire: [t0 + 6_000],
      skip: due.slice(0, 3),
      skippedUncounted: true,
    })
  })

  test("schedule - all fires each missed instant in order", () => {
    expect(planFire("all", due, false, t0 + 60_000)).toEqual({ fire: due, skip: [], skippedUncounted: false })
  })

  test("schedule - all fires at most 100, the newest, and skips the older ones", () => {
    const many = Array.from({ length: MAX_CATCH_UP + 1 }, (_, i) => t0 + i * 1_000)
    const plan = planFire("all", many, true, t0 + 1_000_000)
    expect(plan.fire).toEqual(many.slice(1))
    expect(plan.fire).toHaveLength(100)
    expect(plan.skip).toEqual([t0])
    expect(plan.skippedUncounted).toBe(true)
  })

  test("schedule - nothing due: nothing fires", () => {
    expect(planFire("last", [], false, t0)).toEqual({ fire: [], skip: [], skippedUncounted: false })
  })

  test("schedule - the generation changes with the revision and with re-creation", () => {
    expect(generationOf({ created_at: "2026-01-01T00:00:00.000Z", revision: 3 })).toBe("2026-01-01T00:00:00.000Z#3")
    expect(generationOf({ created_at: "2026-01-02T00:00:00.000Z", revision: 3 })).not.toBe(
      generationOf({ created_at: "2026-01-01T00:00:00.000Z", revision: 3 }),
    )
  })
})
