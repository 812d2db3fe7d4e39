// Proves catch_up after downtime: with both serves SIGKILLed for ~7 s, a `*/2 * * * * *` schedule restarted with catch_up `last` starts exactly one run for the missed instants, `all` one run per missed instant in order, `none` none; every missed instant without a run has a `skipped`/`missed` history record, and firing then resumes on time.
import { expect, test } from "vitest"
import { e2eStack } from "../support/e2e-stack.js"
import { eventually, sleep } from "../support/poll.js"
import { every2s, instantsOf, openRawNats, type Json } from "./schedule-support.js"

// Two serves share the schedule's work; each test kills both, so each gets a fresh server and serves.
const stack = e2eStack({ openRaw: openRawNats, serves: 2, per: "test" })
const cli = { json: stack.cli, raw: stack.cliRaw }

/** Downtime of both serves: long enough for at least three instants of a 2 s schedule to be missed. */
const DOWNTIME_MS = 7_000

const crashAndRestart = async (mode: "none" | "last" | "all") => {
  const [a, b] = stack.serves
  const raw = stack.raw
  const name = `catch-${mode}`
  await cli.json("trigger", "create", name, "--workflow", "wf", "--cron", "*/2 * * * * *", "--catch-up", mode)
  await eventually(async () => expect((await raw.runsOf(name)).length).toBeGreaterThanOrEqual(2), 30_000, 200)
  await Promise.all([a!.kill(), b!.kill()])
  const killedAt = Date.now()
  // Scenario: nothing runs for a while.
  await sleep(DOWNTIME_MS)
  const restartAt = Date.now()
  await stack.startServeAgain()
  await stack.startServeAgain()
  // Firing resumes on time after the catch-up.
  await eventually(
    async () => {
      const latest = Math.max(...instantsOf(await raw.runsOf(name)))
      expect(latest).toBeGreaterThan(restartAt + 4_000)
    },
    60_000,
    250,
  )
  await cli.json("trigger", "disable", name)
  await eventually(
    async () => {
      const info = await raw.jsm.streams.info("DAGNATS_TIMERS", { subjects_filter: `dagnats.timers.schedule.${name}` })
      expect(Object.values(info.state.subjects ?? {}).reduce((n, c) => n + c, 0)).toBe(0)
    },
    20_000,
    200,
  )

  const runs = instantsOf(await raw.runsOf(name))
  const fires: Array<Json> = await raw.messages("TRIGGER_HISTORY", `trigger.fire.${name}`)
  const skipped = fires
    .filter((f) => f.outcome === "skipped")
    .map((f) => {
      expect([f.reason, f.skipped, f.skip_reason]).toStrictEqual(["missed", true, "missed"])
      return Date.parse(f.scheduled_at)
    })
    .sort((x, y) => x - y)
  const lastBefore = Math.max(...runs.filter((t) => t <= killedAt))
  const missed = every2s(lastBefore + 1, restartAt)
  // Every instant from the first to the last either has one run or one skipped record, never both.
  expect([...runs, ...skipped].sort((x, y) => x - y)).toStrictEqual(every2s(runs[0]!, runs[runs.length - 1]!))
  expect(missed.length).toBeGreaterThanOrEqual(3)
  return { runs, skipped, lastBefore, missed }
}

test("catch-up - last: after 7 s with both serves SIGKILLed, exactly one run for the missed instants, the rest skipped", async () => {
  const { runs, skipped, lastBefore } = await crashAndRestart("last")
  expect(skipped.length).toBeGreaterThanOrEqual(2)
  expect(skipped).toStrictEqual(every2s(lastBefore + 1, skipped[skipped.length - 1]!))
  const catchUp = skipped[skipped.length - 1]! + 2_000
  expect(runs.filter((t) => t > lastBefore && t <= catchUp)).toStrictEqual([catchUp])
}, 150_000)

test("catch-up - all: after 7 s with both serves SIGKILLed, one run per missed instant, none skipped", async () => {
  const { runs, skipped, lastBefore, missed } = await crashAndRestart("all")
  expect(skipped).toStrictEqual([])
  expect(runs.filter((t) => t > lastBefore).slice(0, missed.length)).toStrictEqual(missed)
}, 150_000)

test("catch-up - none: after 7 s with both serves SIGKILLed, no run for any missed instant, each one skipped", async () => {
  const { runs, skipped, lastBefore, missed } = await crashAndRestart("none")
  expect(skipped.slice(0, missed.length)).toStrictEqual(missed)
  expect(skipped).toStrictEqual(every2s(lastBefore + 1, skipped[skipped.length - 1]!))
  expect(runs.filter((t) => t > lastBefore && t <= skipped[skipped.length - 1]!)).toStrictEqual([])
}, 150_000)
