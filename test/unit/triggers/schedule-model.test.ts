// Proves the schedule parts of the trigger model: a schedule trigger needs a valid cron expression, takes an IANA time zone and a catch-up mode with defaults UTC and last, refuses every event-only field, and the schedule fields are refused on other types.
import { describe, expect, test } from "vitest"
import { Effect } from "effect"
import { parseDefinition } from "../../../src/triggers/store.js"

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
