// Proves `dagnats event replay`: events published while a trigger was disabled are replayed into runs; a second replay starts nothing (all `existing`); `--dry-run` starts nothing and reports per event what would happen; a filter changed after the fact applies to the replay; `--since` bounds the range; `--dead` brings back a dead letter that now evaluates cleanly and removes it, and keeps one that still fails (a dead letter without its body is evaluated with the body from EVENTS); a batch trigger's window applies to replayed events, and replaying them again opens no new batch.
import { expect, test } from "vitest"
import { headers as natsHeaders } from "@nats-io/nats-core"
import { Kvm } from "@nats-io/kv"
import { e2eStack } from "../support/e2e-stack.js"
import { eventually } from "../support/poll.js"
import { openRawNats, type Json, type RawNats } from "./schedule-support.js"

// One server and serve for the file: each test has its own trigger and subject, and replays only those.
const stack = e2eStack({ openRaw: openRawNats })
const setup = async () => ({ raw: stack.raw, cli: { json: stack.cli, raw: stack.cliRaw } })

/** Wait until the evaluator recorded `n` outcomes for the trigger: every published event was seen. */
const outcomes = (raw: RawNats, trigger: string, n: number) =>
  eventually(
    async () => {
      const fires: Array<Json> = await raw.messages("TRIGGER_HISTORY", `trigger.fire.${trigger}`)
      expect(fires.length).toBe(n)
      return fires
    },
    20_000,
    100,
  )

const byEvent = (runs: ReadonlyArray<Json>) => runs.map((r) => [r.event.seq, r.input]).sort((a, b) => a[0] - b[0])

test("replay - events stored while the trigger was disabled start runs; a second replay finds them existing; dry runs start nothing", async () => {
  const { raw, cli } = await setup()
  await cli.json("trigger", "create", "rp", "--workflow", "wf", "--subject", "event.rp.*", "--disabled")
  const seqs = [
    await raw.publish("event.rp.a", { n: 1 }),
    await raw.publish("event.rp.b", { n: 2 }),
    await raw.publish("event.rp.a", { n: 3 }),
  ]
  const fires = await outcomes(raw, "rp", 3)
  expect(fires.map((f) => f.reason)).toStrictEqual(["disabled", "disabled", "disabled"])
  await cli.json("trigger", "enable", "rp")

  const dry = await cli.json("event", "replay", "--trigger", "rp", "--dry-run")
  expect([dry.evaluated, dry.fired, dry.existing, dry.skipped, dry.runs.length]).toStrictEqual([3, 3, 0, 0, 3])
  expect(dry.events.map((e: Json) => [e.seq, e.outcome])).toStrictEqual(seqs.map((s) => [s, "fired"]))
  expect(await raw.runsOf("rp")).toStrictEqual([])

  const first = await cli.json("event", "replay", "--trigger", "rp")
  expect([first.evaluated, first.fired, first.existing, first.skipped]).toStrictEqual([3, 3, 0, 0])
  expect(first.events).toBeUndefined()
  const runs = await raw.runsOf("rp")
  expect(byEvent(runs)).toStrictEqual([
    [seqs[0], { n: 1 }],
    [seqs[1], { n: 2 }],
    [seqs[2], { n: 3 }],
  ])
  expect(new Set(first.runs)).toStrictEqual(new Set(runs.map((r) => r.run_id)))
  for (const r of runs) expect(await raw.messages("WORKFLOW_HISTORY", `history.${r.run_id}`)).toHaveLength(1)

  const second = await cli.json("event", "replay", "--trigger", "rp")
  expect([second.evaluated, second.fired, second.existing, second.skipped, second.runs]).toStrictEqual([3, 0, 3, 0, []])
  const dryAgain = await cli.json("event", "replay", "--trigger", "rp", "--dry-run")
  expect(dryAgain.events.map((e: Json) => e.outcome)).toStrictEqual(["existing", "existing", "existing"])
  expect(await raw.runsOf("rp")).toHaveLength(3)

  const human = await cli.raw("event", "replay", "--trigger", "rp", "--subject", "event.rp.b")
  expect([human.code, human.stdout.trim()]).toStrictEqual([
    0,
    "replayed 1 events against rp (0 runs started): 0 fired, 1 existing, 0 skipped",
  ])
}, 60_000)

test("replay - a filter changed after the fact applies: events it now matches start runs, the one it no longer matches is skipped", async () => {
  const { raw, cli } = await setup()
  await cli.json(
    "trigger",
    "create",
    "flt",
    "--workflow",
    "wf",
    "--subject",
    "event.flt",
    "--filter-field",
    "kind",
    "--filter-value",
    "a",
  )
  const seqs = [
    await raw.publish("event.flt", { kind: "a" }),
    await raw.publish("event.flt", { kind: "b" }),
    await raw.publish("event.flt", { kind: "b" }),
  ]
  await outcomes(raw, "flt", 3)
  expect(byEvent(await raw.runsOf("flt"))).toStrictEqual([[seqs[0], { kind: "a" }]])
  await cli.json("trigger", "update", "flt", "--filter-field", "kind", "--filter-value", "b")

  const dry = await cli.json("event", "replay", "--trigger", "flt", "--dry-run")
  expect(dry.events.map((e: Json) => [e.seq, e.outcome, e.reason ?? null])).toStrictEqual([
    [seqs[0], "skipped", "filtered"],
    [seqs[1], "fired", null],
    [seqs[2], "fired", null],
  ])
  const r = await cli.json("event", "replay", "--trigger", "flt")
  expect([r.evaluated, r.fired, r.existing, r.skipped]).toStrictEqual([3, 2, 0, 1])
  expect(byEvent(await raw.runsOf("flt"))).toStrictEqual([
    [seqs[0], { kind: "a" }],
    [seqs[1], { kind: "b" }],
    [seqs[2], { kind: "b" }],
  ])
}, 60_000)

test("replay - --since bounds the range to events stored since then; bad bounds are refused naming the flag", async () => {
  const { raw, cli } = await setup()
  await cli.json("trigger", "create", "since", "--workflow", "wf", "--subject", "event.since", "--disabled")
  await raw.publish("event.since", { n: 1 })
  await outcomes(raw, "since", 1)
  const cut = new Date(Date.now() + 20).toISOString()
  await eventually(() => expect(Date.now()).toBeGreaterThan(Date.parse(cut) + 20), 1_000, 10)
  const late = await raw.publish("event.since", { n: 2 })
  await outcomes(raw, "since", 2)
  await cli.json("trigger", "enable", "since")
  const r = await cli.json("event", "replay", "--trigger", "since", "--since", cut)
  expect([r.evaluated, r.fired]).toStrictEqual([1, 1])
  expect(byEvent(await raw.runsOf("since"))).toStrictEqual([[late, { n: 2 }]])
  const recent = await cli.json("event", "replay", "--trigger", "since", "--since", "1h", "--dry-run")
  expect(recent.events.map((e: Json) => e.outcome)).toStrictEqual(["fired", "existing"])

  const bad = await cli.raw("event", "replay", "--trigger", "since", "--since", "yesterday")
  expect(bad.code).toBe(1)
  expect(bad.stderr).toContain(
    'since: must be a duration ago such as 2h or 30m, or an RFC 3339 time such as 2026-01-01T00:00:00Z (got "yesterday")',
  )
  const missing = await cli.raw("event", "replay", "--trigger", "nope")
  expect([missing.code, missing.stderr.trim()]).toStrictEqual([1, 'dagnats: trigger "nope" not found'])
}, 60_000)

test("replay - --dead brings back a dead letter that now evaluates cleanly and removes it; one that still fails stays", async () => {
  const { raw, cli } = await setup()
  await cli.json("trigger", "create", "dl", "--workflow", "wf", "--subject", "event.dl", "--disabled")
  // An event whose dead letter kept only its headers (the body was too large): EVENTS has the body.
  const stored = await raw.publish("event.dl", { from: "EVENTS" })
  await outcomes(raw, "dl", 1)
  await cli.json("trigger", "enable", "dl")
  const deadLetter = async (originalSeq: number, body: string, omitted = false) => {
    const h = natsHeaders()
    h.set("Content-Type", "application/json")
    h.set("Dagnats-Dead-Subject", "event.dl")
    h.set("Dagnats-Dead-Seq", String(originalSeq))
    h.set("Dagnats-Dead-Error", "evaluation failed 10 times")
    if (omitted) h.set("Dagnats-Dead-Body-Omitted", "2000000")
    return (await raw.js.publish(`dagnats.dead.${originalSeq}`, new TextEncoder().encode(body), { headers: h })).seq
  }
  await deadLetter(901, JSON.stringify({ fixed: true }))
  const bad = await deadLetter(902, "{not json")
  await deadLetter(stored, "", true)

  const dry = await cli.json("event", "replay", "--trigger", "dl", "--dead", "--dry-run")
  expect(dry.events.map((e: Json) => [e.seq, e.outcome])).toStrictEqual([
    [901, "fired"],
    [902, "skipped"],
    [stored, "fired"],
  ])
  expect((await raw.jsm.streams.info("DAGNATS_DEAD")).state.messages).toBe(3)

  const r = await cli.json("event", "replay", "--trigger", "dl", "--dead")
  expect([r.evaluated, r.fired, r.existing, r.skipped, r.removed]).toStrictEqual([3, 2, 0, 1, 2])
  const runs = (await raw.runsOf("dl")).map((x) => [x.event.subject, x.event.seq, x.input])
  expect(runs.sort((a, b) => a[1] - b[1])).toStrictEqual([
    ["event.dl", stored, { from: "EVENTS" }],
    ["event.dl", 901, { fixed: true }],
  ])
  const left = await raw.jsm.streams.info("DAGNATS_DEAD")
  expect([left.state.messages, left.state.first_seq]).toStrictEqual([1, bad])
}, 60_000)

test("replay - a batch trigger's window applies: events stored while it was disabled are replayed into one batch run", async () => {
  const { raw, cli } = await setup()
  await cli.json(
    "trigger",
    "create",
    "bat",
    "--workflow",
    "wf",
    "--subject",
    "event.bat",
    "--batch-size",
    "2",
    "--batch-timeout",
    "1s",
    "--disabled",
  )
  await raw.publish("event.bat", { n: 1 })
  await raw.publish("event.bat", { n: 2 })
  await outcomes(raw, "bat", 2)
  await cli.json("trigger", "enable", "bat")
  const r = await cli.json("event", "replay", "--trigger", "bat")
  expect([r.evaluated, r.fired, r.existing, r.skipped]).toStrictEqual([2, 0, 0, 2])
  await eventually(
    async () => {
      const runs = await raw.runsOf("bat")
      expect(runs.map((x) => [x.input, x.count])).toStrictEqual([[[{ n: 1 }, { n: 2 }], 2]])
    },
    20_000,
    200,
  )
  // Again: both events are known to have fired in that batch, so no new batch opens.
  const again = await cli.json("event", "replay", "--trigger", "bat")
  expect([again.evaluated, again.fired, again.skipped]).toStrictEqual([2, 0, 2])
  const batches = await (await new Kvm(raw.js).open("dagnats_batch")).keys("bat.*")
  const open: Array<string> = []
  for await (const k of batches) open.push(k)
  expect(open).toStrictEqual([])
  expect(await raw.runsOf("bat")).toHaveLength(1)
}, 60_000)
