// Proves schedule firing end to end: a `*/2 * * * * *` schedule served by two serves for over 10 s starts exactly one run per scheduled instant (no instant missed, none twice), with input {scheduled_at, fired_at}, one `workflow.started` per run with payload trigger "schedule", and one fired history record per instant; and that the CLI shows the next fire times.
import { expect, test } from "vitest"
import { e2eStack } from "../support/e2e-stack.js"
import { eventually } from "../support/poll.js"
import { every2s, instantsOf, openRawNats, type Json } from "./schedule-support.js"

// Two serves share the schedule's work. A fresh server per test: `trigger list` must show only the test's own trigger.
const stack = e2eStack({ openRaw: openRawNats, serves: 2, per: "test" })
const cli = { json: stack.cli, raw: stack.cliRaw }

/** Wait until no timer of the trigger is left on DAGNATS_TIMERS: nothing more can fire. */
const timersGone = (raw: Awaited<ReturnType<typeof openRawNats>>, trigger: string) =>
  eventually(
    async () => {
      const info = await raw.jsm.streams.info("DAGNATS_TIMERS", {
        subjects_filter: `dagnats.timers.schedule.${trigger}`,
      })
      expect(Object.values(info.state.subjects ?? {}).reduce((n, c) => n + c, 0)).toBe(0)
    },
    20_000,
    200,
  )

test("schedule - */2 s with two serves for 10 s: exactly one run per instant, each started once and recorded once", async () => {
  const raw = stack.raw
  const createdAt = Date.now()
  const created = await cli.json("trigger", "create", "tick", "--workflow", "tick-wf", "--cron", "*/2 * * * * *")
  expect([created.type, created.cron, created.timezone, created.catch_up]).toStrictEqual([
    "schedule",
    "*/2 * * * * *",
    "UTC",
    "last",
  ])

  await eventually(
    async () => {
      expect(Date.now() - createdAt).toBeGreaterThan(10_000)
      expect((await raw.runsOf("tick")).length).toBeGreaterThanOrEqual(5)
    },
    40_000,
    250,
  )
  await cli.json("trigger", "disable", "tick")
  await timersGone(raw, "tick")

  const runs = await raw.runsOf("tick")
  const instants = instantsOf(runs)
  // One run per instant from the first to the last: none missing, none twice.
  expect(instants).toStrictEqual(every2s(instants[0]!, instants[instants.length - 1]!))
  expect(instants.length).toBeGreaterThanOrEqual(5)
  // The first instant is one of the first after the trigger was created: 2 s for the instant, and
  // room for the CLI's start on a loaded machine (createdAt is taken before it runs).
  expect(instants[0]! - createdAt).toBeLessThanOrEqual(6_000)
  for (const r of runs) {
    expect(Object.keys(r.input).sort()).toStrictEqual(["fired_at", "scheduled_at"])
    expect(Date.parse(r.input.fired_at)).toBeGreaterThanOrEqual(Date.parse(r.input.scheduled_at))
    expect([r.workflow, r.trigger, r.event, r.status]).toStrictEqual([
      "tick-wf",
      { name: "tick", type: "schedule" },
      null,
      "pending",
    ])
  }
  const started = await Promise.all(runs.map((r) => raw.messages("WORKFLOW_HISTORY", `history.${r.run_id}`)))
  for (const [i, events] of started.entries()) {
    expect(events).toHaveLength(1)
    expect(events[0]!.payload).toMatchObject({
      trigger: "cron",
      source: "tick",
      workflow_id: "tick-wf",
      data: runs[i]!.input,
    })
  }
  const fires: Array<Json> = await raw.messages("TRIGGER_HISTORY", "trigger.fire.tick")
  const fired = fires.filter((f) => f.outcome === "fired")
  expect(fired.map((f) => Date.parse(f.scheduled_at)).sort((a, b) => a - b)).toStrictEqual(instants)
  expect(fires.filter((f) => f.outcome !== "fired")).toStrictEqual([])
  expect(new Set(fired.map((f) => f.run_id))).toStrictEqual(new Set(runs.map((r) => r.run_id)))
}, 90_000)

test("schedule - trigger test prints the next instants in the trigger's zone and UTC; list shows the next fire time", async () => {
  await cli.json(
    "trigger",
    "create",
    "nightly",
    "--workflow",
    "report",
    "--cron",
    "0 2 * * *",
    "--timezone",
    "Europe/Berlin",
    "--catch-up",
    "none",
  )
  const before = Date.now()
  const { next } = await cli.json<{ next: Array<string> }>("trigger", "test", "nightly", "--count", "3")
  expect(next).toHaveLength(3)
  const ms = next.map((s) => Date.parse(s))
  expect(ms[0]!).toBeGreaterThan(before)
  expect(ms[1]! - ms[0]!).toBeGreaterThanOrEqual(23 * 3_600_000)
  for (const s of next) expect(s).toMatch(/^\d{4}-\d\d-\d\dT0[01]:00:00\.000Z$/)

  const human = await cli.raw("trigger", "test", "nightly", "--count", "2")
  expect(human.code).toBe(0)
  const lines = human.stdout.trim().split("\n")
  expect(lines[0]).toMatch(/^Europe\/Berlin\s+UTC$/)
  expect(lines.slice(1).map((l) => l.split(/\s+/))).toStrictEqual(
    next.slice(0, 2).map((utc) => [expect.stringMatching(/T02:00:00\+0[12]:00$/), utc]),
  )

  const listed = await cli.json("trigger", "list")
  expect(listed.triggers.map((t: Json) => [t.name, t.type, t.next_fire_at])).toStrictEqual([
    ["nightly", "schedule", next[0]],
  ])

  const bad = await cli.raw("trigger", "create", "bad", "--workflow", "w", "--cron", "* * * *")
  expect(bad.code).toBe(2)
  expect(bad.stderr).toContain("cron: must have 5 fields")
  const zone = await cli.raw(
    "trigger",
    "create",
    "bad",
    "--workflow",
    "w",
    "--cron",
    "0 2 * * *",
    "--timezone",
    "Mars/Olympus",
  )
  expect(zone.code).toBe(2)
  expect(zone.stderr).toContain('timezone: must be an IANA time zone such as UTC or Europe/Berlin (got "Mars/Olympus")')
}, 60_000)
