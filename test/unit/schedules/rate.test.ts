// Proves the bound on instants a second: a schedule which would take the enabled schedules together past 100 instants a second is refused naming cron, while disabled ones, other types and the candidate's own stored version do not count.
import { describe, expect, test } from "vitest"
import { MAX_SCHEDULE_RATE, scheduleRateProblem } from "../../../src/schedules/rate.js"
import type { StoredTrigger } from "../../../src/domain/trigger.js"

const stored = (name: string, cron: string, enabled = true) =>
  ({
    name,
    workflow: "wf",
    type: "schedule",
    cron,
    enabled,
    created_at: "x",
    updated_at: "x",
    revision: 1,
  }) as StoredTrigger
const everySecond = (n: number, prefix = "s") =>
  Array.from({ length: n }, (_, i) => stored(`${prefix}${i}`, "* * * * * *"))

describe("schedule rate", () => {
  test("schedule rate - up to 100 a second together is accepted; one more every-second schedule is refused naming cron", () => {
    expect(MAX_SCHEDULE_RATE).toBe(100)
    const candidate = { name: "new", type: "schedule", cron: "* * * * * *" }
    expect(scheduleRateProblem(candidate, everySecond(99))).toBeUndefined()
    expect(scheduleRateProblem(candidate, everySecond(100))).toBe(
      "cron: the enabled schedule triggers would fire 101 times a second together (this one 1); at most 100 a " +
        "second are allowed, so webhooks keep their share of serve: " +
        "use a longer period, or disable or delete other schedules",
    )
    expect(scheduleRateProblem({ ...candidate, cron: "*/2 * * * * *" }, everySecond(100))).toContain(
      "would fire 100.5 times a second together (this one 0.5)",
    )
  })

  test("schedule rate - disabled schedules, other trigger types and the candidate's own old version do not count", () => {
    const candidate = { name: "s0", type: "schedule", cron: "* * * * * *" }
    const disabled = Array.from({ length: 50 }, (_, i) => stored(`d${i}`, "* * * * * *", false))
    const webhook = { ...stored("hook", "x"), type: "webhook", cron: undefined } as unknown as StoredTrigger
    expect(scheduleRateProblem(candidate, [...everySecond(100), ...disabled, webhook])).toBeUndefined()
    expect(scheduleRateProblem({ ...candidate, enabled: false }, everySecond(200, "x"))).toBeUndefined()
    expect(scheduleRateProblem({ name: "w", type: "webhook" }, everySecond(200, "x"))).toBeUndefined()
  })
})
