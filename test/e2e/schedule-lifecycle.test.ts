// Proves a schedule follows its trigger's changes: disable pauses it (no run for instants while disabled), enable resumes from now without catching up the paused instants, an update of the expression re-arms it on the new expression only, and delete stops it and removes its state.
import { expect, test } from "vitest"
import { e2eStack } from "../support/e2e-stack.js"
import { eventually, sleep } from "../support/poll.js"
import { Kvm } from "@nats-io/kv"
import { instantsOf, openRawNats } from "./schedule-support.js"

// Two serves share the schedule's work.
const stack = e2eStack({ openRaw: openRawNats, serves: 2 })
const cli = { json: stack.cli, raw: stack.cliRaw }

/** How long each paused or stopped phase lasts: several instants of a 2 s schedule. */
const PHASE_MS = 5_000
/** A change takes effect within this long (the table update reaches every serve in milliseconds). */
const CHANGE_MS = 500

test("lifecycle - disable pauses, enable resumes from now, update re-arms on the new expression, delete stops", async () => {
  const raw = stack.raw
  const instants = async () => instantsOf(await raw.runsOf("life"))
  await cli.json("trigger", "create", "life", "--workflow", "wf", "--cron", "*/2 * * * * *")
  await eventually(async () => expect((await instants()).length).toBeGreaterThanOrEqual(2), 30_000, 200)

  await cli.json("trigger", "disable", "life")
  const disabledAt = Date.now()
  await sleep(PHASE_MS)
  const enableAt = Date.now()
  await cli.json("trigger", "enable", "life")
  await eventually(async () => expect(Math.max(...(await instants()))).toBeGreaterThan(enableAt + 2_000), 30_000, 200)
  // Paused: nothing for the instants while disabled, and no catch-up of them after enable.
  expect((await instants()).filter((t) => t > disabledAt + CHANGE_MS && t < enableAt)).toStrictEqual([])

  const updateAt = Date.now()
  const updated = await cli.json("trigger", "update", "life", "--cron", "*/3 * * * * *")
  expect(updated.cron).toBe("*/3 * * * * *")
  await eventually(
    async () => expect((await instants()).filter((t) => t > updateAt + CHANGE_MS).length).toBeGreaterThanOrEqual(3),
    30_000,
    200,
  )
  const afterUpdate = (await instants()).filter((t) => t > updateAt + CHANGE_MS)
  expect(afterUpdate.every((t) => t % 3_000 === 0)).toBe(true)
  for (let i = 1; i < afterUpdate.length; i++) expect(afterUpdate[i]! - afterUpdate[i - 1]!).toBe(3_000)

  const deleteAt = Date.now()
  await cli.json("trigger", "delete", "life")
  const countAtDelete = (await instants()).length
  await sleep(PHASE_MS)
  const after = await instants()
  expect(after.filter((t) => t > deleteAt + CHANGE_MS)).toStrictEqual([])
  expect(after.length).toBeLessThanOrEqual(countAtDelete + 1)
  const state = await (await new Kvm(raw.js).open("dagnats_schedules")).get("life")
  expect(state === null || state.operation !== "PUT").toBe(true)
  // The timer armed before the delete is dropped when it comes due.
  await eventually(
    async () => {
      const info = await raw.jsm.streams.info("DAGNATS_TIMERS", { subjects_filter: "dagnats.timers.schedule.life" })
      expect(Object.values(info.state.subjects ?? {}).reduce((n, c) => n + c, 0)).toBe(0)
    },
    20_000,
    200,
  )
}, 120_000)
