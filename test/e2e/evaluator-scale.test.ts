// Proves the evaluator under load (SPEC §2, §6): two serve processes split 500 parallel events into exactly 500 runs, a serve killed mid-way through 300 events leaves exactly 300 runs, and with 10,000 triggers an event starts runs for exactly the triggers it matches.
import { expect, test } from "vitest"
import { type TestNatsServer } from "../support/nats-server.js"
import { perTestResources } from "../support/per-test.js"
import { runJson } from "../support/cli.js"
import { eventually } from "../support/poll.js"
import { runIdFor } from "../../src/domain/run-id.js"
import { openRawNats, type RawNats } from "../support/raw-nats.js"

const { natsServer, serveOn, track } = perTestResources()
const rawOn = async (nats: TestNatsServer) => track(await openRawNats(nats.url), (r) => r.close())

const countKeys = async (raw: RawNats) => {
  let n = 0
  for await (const _ of await (await raw.runs()).keys()) n++
  return n
}

test("evaluator at scale - two serve processes and 500 events in parallel give exactly 500 runs, none duplicated", async () => {
  const nats = await natsServer()
  await serveOn(nats)
  const raw = await rawOn(nats)
  await raw.request("dagnats.triggers.create", {
    name: "load",
    workflow: "load-wf",
    type: "event",
    subject: "event.load.*",
  })
  // Serve b loads the trigger table at start, serve a answered the create: both know the trigger.
  const b = await serveOn(nats)
  expect(b.log()).toContain("trigger table loaded: 1 triggers")
  expect(
    (await raw.request<{ triggers: Array<{ name: string }> }>("dagnats.triggers.list", {})).triggers.map((t) => t.name),
  ).toStrictEqual(["load"])
  // Both are in the queue group, so the events below are split between them.
  const pings: Array<string> = []
  for await (const m of await raw.nc.requestMany("$SRV.PING.dagnats", "", {
    strategy: "count",
    maxMessages: 2,
    maxWait: 10_000,
  }))
    pings.push((m.json() as { id: string }).id)
  expect(new Set(pings).size).toBe(2)

  const N = 500
  const seqs = await Promise.all(
    Array.from({ length: N }, (_, i) => raw.publish(`event.load.${i}`, JSON.stringify({ i }))),
  )
  expect(new Set(seqs).size).toBe(N)
  await raw.settled(45_000)

  expect(await countKeys(raw)).toBe(N)
  const { runs } = await runJson<{ runs: Array<Record<string, any>> }>([
    "run",
    "list",
    "--limit",
    "1000",
    "--nats-url",
    nats.url,
  ])
  expect(runs).toHaveLength(N)
  expect(new Set(runs.map((r) => r.run_id)).size).toBe(N)
  const bySeq = new Map(seqs.map((seq, i) => [seq, i]))
  const epoch = (await raw.jsm.streams.info("EVENTS")).created.replace(/\D/g, "")
  for (const r of runs) {
    expect(r.run_id).toBe(runIdFor("load", { kind: "sequence", seq: r.event.seq, epoch }))
    expect(r.input).toStrictEqual({ i: bySeq.get(r.event.seq) })
    expect(r.event.subject).toBe(`event.load.${bySeq.get(r.event.seq)}`)
  }
  // One workflow.started per run and one fired record per event, nothing more.
  expect((await raw.jsm.streams.info("WORKFLOW_HISTORY")).state.messages).toBe(N)
  const fires = await raw.fires("load")
  expect(fires).toHaveLength(N)
  expect(fires.every((f) => f.outcome === "fired")).toBe(true)
  expect(new Set(fires.map((f) => f.run_id)).size).toBe(N)
}, 90_000)

test("evaluator at scale - with 10,000 triggers each event starts a run for exactly the triggers it matches", async () => {
  const nats = await natsServer()
  await serveOn(nats)
  const raw = await rawOn(nats)
  const N = 10_000
  const BATCH = 200
  for (let start = 0; start < N; start += BATCH) {
    await Promise.all(
      Array.from({ length: Math.min(BATCH, N - start) }, (_, k) =>
        raw.request("dagnats.triggers.create", {
          name: `scale-${start + k}`,
          workflow: "scale-wf",
          type: "event",
          subject: `event.scale.${start + k}`,
        }),
      ),
    )
  }
  // The table applies KV changes in order: once the trigger created last fires, all 10,000 are in.
  await raw.request("dagnats.triggers.create", {
    name: "scale-last",
    workflow: "sentinel-wf",
    type: "event",
    subject: "event.scale.last",
  })
  await eventually(
    async () => {
      await raw.publish("event.scale.last", "{}")
      await raw.settled()
      expect((await raw.allRuns()).some((r) => r.workflow === "sentinel-wf")).toBe(true)
    },
    30_000,
    200,
  )

  const chosen = [0, 1, 4_999, 9_998, 9_999]
  const seqs = new Map<number, number>()
  for (const i of chosen) seqs.set(i, await raw.publish(`event.scale.${i}`, JSON.stringify({ i })))
  await raw.publish("event.scale.10000", "{}")
  await raw.publish("event.scale", "{}")
  await raw.publish("event.scale.1.x", "{}")
  await raw.settled()

  const runs = (await raw.allRuns()).filter((r) => r.workflow === "scale-wf")
  const epoch = (await raw.jsm.streams.info("EVENTS")).created.replace(/\D/g, "")
  expect(runs.map((r) => [r.trigger.name, r.input, r.run_id]).sort((x, y) => x[1].i - y[1].i)).toStrictEqual(
    chosen.map((i) => [`scale-${i}`, { i }, runIdFor(`scale-${i}`, { kind: "sequence", seq: seqs.get(i)!, epoch })]),
  )
  // Records exist for the chosen triggers only: none of the other 9,995 was even evaluated.
  const counts =
    (await raw.jsm.streams.info("TRIGGER_HISTORY", { subjects_filter: "trigger.fire.>" })).state.subjects ?? {}
  expect(Object.fromEntries(Object.entries(counts).filter(([s]) => s !== "trigger.fire.scale-last"))).toStrictEqual(
    Object.fromEntries(chosen.map((i) => [`trigger.fire.scale-${i}`, 1])),
  )
}, 90_000)

test("evaluator at scale - a serve killed while evaluating 300 events leaves every event with exactly one run once another serve took over", async () => {
  const nats = await natsServer()
  const doomed = await serveOn(nats)
  const raw = await rawOn(nats)
  await raw.request("dagnats.triggers.create", {
    name: "midway",
    workflow: "midway-wf",
    type: "event",
    subject: "event.midway.*",
  })
  const N = 300
  const seqs = await Promise.all(
    Array.from({ length: N }, (_, i) => raw.publish(`event.midway.${i}`, JSON.stringify({ i }))),
  )
  // Killed wherever it is: before, during or after any event's run start, history record or ack.
  await doomed.kill()
  await serveOn(nats)
  // Events the killed serve held unacknowledged come back after the consumer's 30 s ack wait.
  await raw.settled(50_000)
  const runs = await raw.allRuns()
  expect(runs.map((r) => r.event.seq).sort((a, b) => a - b)).toStrictEqual([...seqs].sort((a, b) => a - b))
  expect((await raw.jsm.streams.info("WORKFLOW_HISTORY")).state.messages).toBe(N)
  const fires = await raw.fires("midway")
  expect(fires.map((f) => [f.outcome, f.event.seq])).toStrictEqual(
    [...seqs].sort((a, b) => a - b).map((seq) => ["fired", seq]),
  )
}, 80_000)
