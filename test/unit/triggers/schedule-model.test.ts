// Proves the schedule parts of the trigger model and the CLI flags: a schedule trigger needs a valid cron expression, takes an IANA time zone and a catch-up mode with defaults UTC and last, refuses every event-only field, the schedule fields are refused on other types, `--cron` makes a schedule, and replay time bounds parse as a duration ago or an RFC 3339 time (from 1970 on, never thrown) and a continued replay starts at its sequence.
import { describe, expect, test } from "vitest"
import { Effect, Option } from "effect"
import { parseDefinition } from "../../../src/triggers/store.js"
import { createDefinition, updatePatch, type TriggerFlags } from "../../../src/cli/trigger-flags.js"
import { parseRange, parseTimeBound } from "../../../src/replay/range.js"
import {
  LIST_SLICE,
  TEST_SLICE,
  nextFireField,
  nextFireFields,
  nextOfComputations,
  scheduleTest,
} from "../../../src/schedules/view.js"
import type { StoredTrigger } from "../../../src/domain/trigger.js"

const schedule = { name: "nightly", workflow: "report", type: "schedule", cron: "0 2 * * *" } as const
const parse = (input: unknown) => Effect.runSync(Effect.result(parseDefinition(input)))
const accepted = (input: unknown) => {
  const r = parse(input)
  if (r._tag === "Failure") throw new Error(`rejected: ${r.failure.message}`)
  return r.success as Record<string, unknown>
}
const rejection = (input: unknown) => {
  const r = parse(input)
  if (r._tag === "Success") throw new Error(`accepted: ${JSON.stringify(r.success)}`)
  return r.failure.message
}

describe("schedule trigger model", () => {
  test("schedule model - defaults: enabled, time zone UTC, catch-up last", () => {
    expect(accepted(schedule)).toStrictEqual({ ...schedule, enabled: true, timezone: "UTC", catch_up: "last" })
  })

  test("schedule model - a 6-field expression, a zone and each catch-up mode are accepted", () => {
    for (const mode of ["none", "last", "all"]) {
      expect(
        accepted({ ...schedule, cron: "*/2 * * * * *", timezone: "Europe/Berlin", catch_up: mode })["catch_up"],
      ).toBe(mode)
    }
  })

  test("schedule model - cron is required, and a bad expression, zone or mode names its field", () => {
    const { cron: _c, ...noCron } = schedule
    expect(rejection(noCron)).toBe("cron: required for schedule triggers")
    expect(rejection({ ...schedule, cron: "0 2 * *" })).toBe(
      "cron: must have 5 fields (minute hour day-of-month month day-of-week) or 6 with seconds first (got 4)",
    )
    expect(rejection({ ...schedule, timezone: "Mars/Olympus" })).toBe(
      'timezone: must be an IANA time zone such as UTC or Europe/Berlin (got "Mars/Olympus")',
    )
    expect(rejection({ ...schedule, catch_up: "some" })).toMatch(/^catch_up: /)
  })

  test("schedule model - event-only fields are refused on a schedule", () => {
    expect(rejection({ ...schedule, subject: "event.x" })).toBe("subject: not allowed for schedule triggers")
    expect(rejection({ ...schedule, filters: [{ field: "a", value: "1" }] })).toBe(
      "filters: not allowed for schedule triggers",
    )
    expect(rejection({ ...schedule, debounce: { period: "1s" } })).toBe("debounce: not allowed for schedule triggers")
    expect(rejection({ ...schedule, secrets: ["s"] })).toBe("secrets: not allowed for schedule triggers")
  })

  test("schedule model - schedule fields are refused on webhook and event triggers", () => {
    expect(rejection({ name: "gh", workflow: "b", type: "webhook", cron: "0 2 * * *" })).toBe(
      "cron: only allowed for schedule triggers",
    )
    expect(rejection({ name: "d", workflow: "b", type: "event", subject: "event.d", timezone: "UTC" })).toBe(
      "timezone: only allowed for schedule triggers",
    )
  })
})

const none = Option.none<string>()
const flags = (over: Partial<TriggerFlags> = {}): TriggerFlags => ({
  workflow: Option.some("report"),
  webhook: false,
  subject: none,
  secret: [],
  secretFile: [],
  scheme: none,
  verify: Option.none(),
  tolerance: none,
  filterField: [],
  filterValue: [],
  filterHeader: [],
  noFilters: false,
  debounce: none,
  debounceTimeout: none,
  debounceKey: none,
  batchSize: Option.none(),
  batchTimeout: none,
  batchKey: none,
  noDebounce: false,
  noBatch: false,
  disabled: false,
  ...over,
})

describe("schedule CLI flags", () => {
  test("schedule flags - --cron makes a schedule trigger with the zone and catch-up given", () => {
    const r = createDefinition(
      "nightly",
      flags({ cron: Option.some("0 2 * * *"), timezone: Option.some("Europe/Berlin"), catchUp: Option.some("all") }),
    )
    expect(r).toStrictEqual({
      ok: true,
      value: {
        name: "nightly",
        type: "schedule",
        workflow: "report",
        cron: "0 2 * * *",
        timezone: "Europe/Berlin",
        catch_up: "all",
      },
    })
  })

  test("schedule flags - --cron with --webhook or --subject, and --timezone without --cron, are usage errors", () => {
    expect(createDefinition("x", flags({ cron: Option.some("0 2 * * *"), webhook: true }))).toStrictEqual({
      ok: false,
      message: "cron: a --cron trigger is a schedule; give one of --webhook, --subject or --cron",
    })
    expect(
      createDefinition("x", flags({ subject: Option.some("event.x"), timezone: Option.some("UTC") })),
    ).toStrictEqual({
      ok: false,
      message: "--timezone and --catch-up need --cron",
    })
  })

  test("schedule flags - update with --cron patches only the expression", () => {
    expect(updatePatch("nightly", flags({ workflow: none, cron: Option.some("*/5 * * * *") }))).toStrictEqual({
      ok: true,
      value: { name: "nightly", cron: "*/5 * * * *" },
    })
  })
})

describe("schedule read views", () => {
  const stored = {
    ...schedule,
    enabled: true,
    timezone: "Europe/Berlin",
    catch_up: "last",
    created_at: "x",
    updated_at: "x",
    revision: 1,
  } as StoredTrigger
  const now = Date.parse("2026-01-10T12:00:00Z")

  test("schedule view - list shows the next fire time of an enabled schedule only", () => {
    expect(nextFireField(stored, now)).toStrictEqual({ next_fire_at: "2026-01-11T01:00:00.000Z" })
    expect(nextFireField({ ...stored, enabled: false }, now)).toStrictEqual({})
  })

  test("schedule view - list remembers the next fire time per trigger version until that instant", () => {
    const t = { ...stored, name: "cached" }
    const before = nextOfComputations()
    expect(nextFireField(t, now)).toStrictEqual({ next_fire_at: "2026-01-11T01:00:00.000Z" })
    expect(nextFireField(t, now + 1_000)).toStrictEqual({ next_fire_at: "2026-01-11T01:00:00.000Z" })
    expect(nextFireField(t, now + 3_600_000)).toStrictEqual({ next_fire_at: "2026-01-11T01:00:00.000Z" })
    expect(nextOfComputations() - before).toBe(1)
    // Past that instant, or for another version of the trigger, it is computed again.
    expect(nextFireField(t, Date.parse("2026-01-11T01:00:00Z"))).toStrictEqual({
      next_fire_at: "2026-01-12T01:00:00.000Z",
    })
    expect(nextFireField({ ...t, revision: 2, cron: "0 3 * * *" }, now)).toStrictEqual({
      next_fire_at: "2026-01-11T02:00:00.000Z",
    })
    expect(nextOfComputations() - before).toBe(3)
  })

  test("schedule view - a long test lets the event loop run between slices (a callback queued before it runs first)", async () => {
    const leap = { ...stored, name: "leap", cron: "0 0 0 29 2 *" }
    const order: Array<string> = []
    setImmediate(() => order.push("other work"))
    const reply = await Effect.runPromise(scheduleTest(leap, 1_000, now))
    order.push("test answered")
    expect(reply.next).toHaveLength(1_000)
    expect(reply.next[0]).toBe("2028-02-28T23:00:00.000Z")
    expect(order).toStrictEqual(["other work", "test answered"])
    expect(TEST_SLICE).toBeLessThan(1_000)
  })

  test("schedule view - list's next fire times of many triggers let the event loop run between slices", async () => {
    const many = Array.from({ length: LIST_SLICE + 1 }, (_, i) => ({ ...stored, name: `many-${i}` }))
    const order: Array<string> = []
    setImmediate(() => order.push("other work"))
    const fields = await Effect.runPromise(nextFireFields(many, now))
    order.push("list answered")
    expect(fields).toHaveLength(LIST_SLICE + 1)
    expect(fields.every((f) => f.next_fire_at === "2026-01-11T01:00:00.000Z")).toBe(true)
    expect(order).toStrictEqual(["other work", "list answered"])
  })

  test("schedule view - test gives the next instants in UTC and in the trigger's zone", async () => {
    expect(await Effect.runPromise(scheduleTest(stored, 2, now))).toStrictEqual({
      next: ["2026-01-11T01:00:00.000Z", "2026-01-12T01:00:00.000Z"],
      timezone: "Europe/Berlin",
      next_local: ["2026-01-11T02:00:00+01:00", "2026-01-12T02:00:00+01:00"],
    })
  })
})

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
