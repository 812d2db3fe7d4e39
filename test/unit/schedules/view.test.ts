// Proves the schedule read views: the next fire time a list shows (remembered per trigger version), and a schedule test's next instants in UTC and the trigger's zone, computed in slices that let the event loop run.
import { describe, expect, test } from "vitest"
import { Effect } from "effect"
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
