// Proves the pure schedule logic: which cron expressions and time zones are accepted (no H, at least one instant every 10 years), the instants a schedule fires at (Europe/Berlin's and Lord Howe's half-hour spring-forward gaps and fall-back repeats included), that every computation is bounded by the horizon and the step budget, the walk back over missed instants, and the catch-up decisions none/last/all with time as a parameter; and an expression's rate (instants a second) on its busiest day.
import { describe, expect, test } from "vitest"
import {
  HORIZON_YEARS,
  MAX_CATCH_UP,
  STEP_BUDGET,
  searchNext,
  searchPrev,
  storedCronProblem,
  ON_TIME_GRACE_MS,
  cronProblem,
  generationOf,
  inZone,
  instantsPerSecond,
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
const lordHowe = (cron: string) => ({ cron, timezone: "Australia/Lord_Howe" })
const local = (xs: ReadonlyArray<number>, tz: string) => xs.map((x) => inZone(x, tz))

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

describe("schedule - H and rare expressions", () => {
  const H_RULE =
    "must not use H (a hashed value, which would be a different instant on every reading); " +
    "write the value you mean, such as 17 * * * * instead of H * * * *"

  test("schedule - H in any field is refused naming the rule; weekday names with an H (THU) are not H", () => {
    expect(cronProblem("H * * * *")).toBe(H_RULE)
    expect(cronProblem("0 H(0-5) * * *")).toBe(H_RULE)
    expect(cronProblem("H/5 * * * * *")).toBe(H_RULE)
    expect(cronProblem("0 0 * * THU")).toBeUndefined()
    expect(cronProblem("0 0 * MAR,THU * ")).toMatch(/^is not a valid cron expression/)
  })

  test("schedule - a stored expression with H is still readable, and pinned: the same instants on every call", () => {
    expect(storedCronProblem("H * * * *")).toBeUndefined()
    const spec = { cron: "H H * * *", timezone: "UTC", seed: "pay" }
    const from = ms("2026-01-01T00:00:00Z")
    const first = nextInstants(spec, from, 5)
    expect(first).toHaveLength(5)
    for (let i = 0; i < 20; i++) expect(searchNext(spec, from)).toBe(first[0])
    expect(nextInstants({ ...spec }, from, 5)).toEqual(first)
    // Once a day at one fixed time of day.
    expect(first.every((x) => x % 86_400_000 === first[0]! % 86_400_000)).toBe(true)
  })

  test("schedule - an expression that can go more than 10 years without an instant is refused naming the horizon", () => {
    expect(HORIZON_YEARS).toBe(10)
    // 29 February on a fifth Monday: 2016, 2044, 2072, ...
    expect(cronProblem("0 0 0 * 2 1#5")).toBe(
      "must fire at least once every 10 years (this one can go 27 years without an instant; " +
        "instants are looked for at most 10 years ahead)",
    )
    // 29 February: 8 years between 2096 and 2104 at most, inside the horizon.
    expect(cronProblem("0 0 29 2 *")).toBeUndefined()
    expect(cronProblem("0 0 0 29 2 1#5")).toBeUndefined()
  })

  test("schedule - the search looks 10 years ahead: a stored rare expression has no next instant beyond that", () => {
    const rare = utc("0 0 0 * 2 1#5")
    expect(searchNext(rare, ms("2026-01-01T00:00:00Z"))).toBeUndefined()
    expect(searchNext(rare, ms("2040-01-01T00:00:00Z"))).toBe(ms("2044-02-29T00:00:00Z"))
    expect(nextAfter(rare, ms("2026-01-01T00:00:00Z"))).toBeUndefined()
  })

  test("schedule - a computation stops at its step budget instead of running on", () => {
    const budget = { left: 50 }
    expect(searchNext(utc("0 0 29 2 *"), ms("2026-03-01T00:00:00Z"), budget)).toBeUndefined()
    expect(budget.left).toBeLessThanOrEqual(0)
  })

  test("schedule - the rarest accepted searches stay far inside the step budget (29 February across 2100, in Berlin)", () => {
    for (const [cron, from] of [
      ["0 0 29 2 *", "2096-03-01T00:00:00Z"],
      ["0 0 0 29 2 1#5", "2096-03-01T00:00:00Z"],
      ["59 59 23 31 12 *", "2026-01-01T00:00:00Z"],
    ] as const) {
      const next = { left: STEP_BUDGET }
      expect(searchNext(berlin(cron), ms(from), next)).toBeGreaterThan(ms(from))
      expect(STEP_BUDGET - next.left).toBeLessThan(STEP_BUDGET / 4)
      const prev = { left: STEP_BUDGET }
      expect(searchPrev(berlin(cron), ms(from) + 9 * 365 * 86_400_000, ms(from), prev)).toBeGreaterThan(ms(from))
      expect(STEP_BUDGET - prev.left).toBeLessThan(STEP_BUDGET / 4)
    }
    expect(iso(nextInstants(berlin("0 0 29 2 *"), ms("2096-03-01T00:00:00Z"), 1))).toEqual(["2104-02-28T23:00:00.000Z"])
  })
})

describe("schedule - Lord Howe (30-minute DST)", () => {
  test("schedule - DST gap (2026-10-04, 02:00-02:30 does not exist): 02:15 fires once, at 02:45 local", () => {
    const got = nextInstants(lordHowe("15 2 * * *"), ms("2026-10-02T00:00:00Z"), 3)
    expect(local(got, "Australia/Lord_Howe")).toEqual([
      "2026-10-03T02:15:00+10:30",
      "2026-10-04T02:45:00+11:00",
      "2026-10-05T02:15:00+11:00",
    ])
  })

  test("schedule - DST gap: a shifted time and a real one of the same hour come out in real order", () => {
    const got = nextInstants(lordHowe("15,40 2 * * *"), ms("2026-10-03T00:00:00Z"), 3)
    expect(local(got, "Australia/Lord_Howe")).toEqual([
      "2026-10-04T02:40:00+11:00",
      "2026-10-04T02:45:00+11:00",
      "2026-10-05T02:15:00+11:00",
    ])
  })

  test("schedule - DST repeat (2026-04-05, 01:30-02:00 happens twice): 01:45 fires once, the first time", () => {
    const got = nextInstants(lordHowe("45 1 * * *"), ms("2026-04-03T00:00:00Z"), 3)
    expect(local(got, "Australia/Lord_Howe")).toEqual([
      "2026-04-04T01:45:00+11:00",
      "2026-04-05T01:45:00+11:00",
      "2026-04-06T01:45:00+10:30",
    ])
  })

  test("schedule - DST repeat: every 15 minutes fires in both passes, 15 real minutes apart", () => {
    const got = nextInstants(lordHowe("*/15 * * * *"), ms("2026-04-04T14:20:00Z"), 5)
    expect(iso(got)).toEqual([
      "2026-04-04T14:30:00.000Z",
      "2026-04-04T14:45:00.000Z",
      "2026-04-04T15:00:00.000Z",
      "2026-04-04T15:15:00.000Z",
      "2026-04-04T15:30:00.000Z",
    ])
    expect(local(got, "Australia/Lord_Howe").slice(1, 3)).toEqual([
      "2026-04-05T01:45:00+11:00",
      "2026-04-05T01:30:00+10:30",
    ])
  })

  test("schedule - walking back over a DST day finds exactly the instants walking forward finds", () => {
    const cases = [
      [lordHowe("*/15 * * * *"), "2026-04-04T12:00:00Z"],
      [lordHowe("15,40 1,2 * * *"), "2026-10-02T12:00:00Z"],
      [lordHowe("45 1 * * *"), "2026-04-02T12:00:00Z"],
      [berlin("*/20 2 * * *"), "2026-03-28T12:00:00Z"],
      [berlin("*/20 2 * * *"), "2026-10-24T12:00:00Z"],
      [{ cron: "30 0 * * *", timezone: "America/Santiago" }, "2026-09-04T00:00:00Z"],
    ] as const
    for (const [spec, from] of cases) {
      const forward = nextInstants(spec, ms(from), 12)
      const back = instantsBetween(spec, ms(from), forward[forward.length - 1]!, 50)
      expect(iso(back.instants)).toEqual(iso(forward))
    }
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

describe("schedule rate", () => {
  const utc = (cron: string) => ({ cron, timezone: "UTC" })

  test("schedule rate - instants a second on the busiest day: every second 1, every 2 s 0.5, every minute 1/60", () => {
    expect(instantsPerSecond(utc("* * * * * *"))).toBe(1)
    expect(instantsPerSecond(utc("*/2 * * * * *"))).toBe(0.5)
    expect(instantsPerSecond(utc("* * * * *"))).toBe(1 / 60)
    expect(instantsPerSecond(utc("0 2 * * *"))).toBe(1 / 86_400)
    // Only on 29 February, but every second of it.
    expect(instantsPerSecond(utc("* * * 29 2 *"))).toBe(1)
    expect(instantsPerSecond(utc("not cron"))).toBeUndefined()
  })
})
