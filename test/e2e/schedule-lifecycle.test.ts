// Proves a schedule follows its trigger's changes: disable pauses it (no run for instants while disabled), enable resumes from now without catching up the paused instants, an update of the expression re-arms it on the new expression only, and delete stops it and removes its state; and a disable in the last moments before an instant, while its timer is already handed out and waiting for it, still stops that instant.
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
/**
 * A change takes effect within this long: the table update reaches every serve in milliseconds,
 * with room for a loaded machine.
 */
const CHANGE_MS = 1_000

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

/** A 6-field cron expression that matches exactly the UTC second of `ms`, once a day. */
const cronAt = (ms: number) => {
  const d = new Date(ms)
  return `${d.getUTCSeconds()} ${d.getUTCMinutes()} ${d.getUTCHours()} * * *`
}

test("lifecycle - a schedule disabled 1 s before its instant (its timer already waiting for it) starts no run and records nothing for it", async () => {
  const raw = stack.raw
  // The disable must be stored before the instant for the checks below to mean anything; a loaded
  // machine can take longer than the second it has, and then the scenario is set up again.
  let held = ""
  let control = ""
  let instant = 0
  for (let attempt = 1; ; attempt++) {
    held = `held-${attempt}`
    control = `control-${attempt}`
    instant = Math.ceil((Date.now() + 8_000) / 1_000) * 1_000
    // Both due at the same instant; only `held` is disabled: `control` shows the instant did fire.
    await cli.json("trigger", "create", held, "--workflow", "wf", "--cron", cronAt(instant))
    await cli.json("trigger", "create", control, "--workflow", "wf", "--cron", cronAt(instant))
    // Timers are handed to the engine 1.5 s ahead of their instant: by now `held`'s is waiting.
    await sleep(instant - 1_000 - Date.now())
    const reply = await raw.nc.request("dagnats.triggers.disable", JSON.stringify({ name: held }), { timeout: 5_000 })
    expect(reply.json<{ enabled: boolean }>().enabled).toBe(false)
    if (Date.now() < instant) break
    if (attempt === 3) throw new Error("the disable never landed within the last second before the instant")
    await cli.json("trigger", "delete", held)
    await cli.json("trigger", "delete", control)
  }
  const controlRuns = await eventually(async () => {
    const runs = await raw.runsOf(control)
    expect(runs.length).toBe(1)
    return runs
  }, 20_000)
  expect(Date.parse(controlRuns[0]!.input.scheduled_at)).toBe(instant)
  // The control's run and record exist, so the engine handled the instant; give `held` as long again.
  await eventually(async () =>
    expect((await raw.messages("TRIGGER_HISTORY", `trigger.fire.${control}`)).length).toBe(1),
  )
  await sleep(2_000)
  expect(await raw.runsOf(held)).toStrictEqual([])
  expect(await raw.messages("TRIGGER_HISTORY", `trigger.fire.${held}`)).toStrictEqual([])
}, 90_000)
