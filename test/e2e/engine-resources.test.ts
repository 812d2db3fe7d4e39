// Proves dagnats lives next to the DagNats engine on one NATS account: serve starts and works whether the engine's resources were created before or after it, never changes them (stream and consumer configs, foreign KV records), and says once when it finds an older dagnats's records under the old names (not the engine's).
import { createHmac } from "node:crypto"
import { expect, test } from "vitest"
import { Kvm } from "@nats-io/kv"
import { RetentionPolicy, StorageType } from "@nats-io/jetstream"
import { perTestResources } from "../support/per-test.js"
import { runJson } from "../support/cli.js"
import { eventually } from "../support/poll.js"
import {
  createEngineResources,
  engineBuckets,
  engineStreams,
  engineTrigger,
  publishLifecycle,
  snapshotEngine,
} from "../support/engine-fixture.js"
import { openRawNats } from "../support/raw-nats.js"

const SECRET = "engine-neighbour-secret"
const res = perTestResources()

const post = async (base: string, name: string, payload: unknown) => {
  const body = JSON.stringify(payload)
  const r = await fetch(`${base}/v1/webhooks/${name}`, {
    method: "POST",
    headers: {
      "Content-Type": "application/json",
      "X-Signature-256": `sha256=${createHmac("sha256", SECRET).update(body).digest("hex")}`,
    },
    body,
  })
  return { status: r.status, body: (await r.json()) as Record<string, any> }
}

/** A webhook run end to end: trigger, signed POST, run record and workflow.started. */
const webhookStartsRun = async (url: string, baseUrl: string, name: string) => {
  const raw = res.track(await openRawNats(url), (r) => r.close())
  await runJson([
    "trigger",
    "create",
    name,
    "--workflow",
    `${name}-wf`,
    "--webhook",
    "--secret",
    SECRET,
    "--nats-url",
    url,
  ])
  await raw.request("dagnats.triggers.list", {})
  const posted = await post(baseUrl, name, { n: 1 })
  expect(posted.status).toBe(202)
  await raw.settled()
  const runs = (await runJson(["run", "list", "--trigger", name, "--nats-url", url])).runs
  expect(runs.map((r: any) => [r.status, r.input, r.event.seq])).toStrictEqual([["pending", { n: 1 }, posted.body.seq]])
  const started = await raw.messages("WORKFLOW_HISTORY", `history.${runs[0].run_id}`)
  expect(started.map((m) => (m.data as any).type)).toStrictEqual(["workflow.started"])
  return raw
}

test("engine first - serve reuses the engine's shared streams as they are, works, and changes nothing of the engine's", async () => {
  const nats = await res.natsServer()
  const raw = res.track(await openRawNats(nats.url), (r) => r.close())
  await createEngineResources(raw.js, raw.jsm)
  const before = await snapshotEngine(raw.js, raw.jsm)
  const serve = await res.serveOn(nats)
  await webhookStartsRun(nats.url, serve.baseUrl, "engine-first")
  expect(await snapshotEngine(raw.js, raw.jsm)).toStrictEqual(before)
  // The engine's 5 s duplicate window and 30 d max age stand; serve did not fight them.
  const history = (await raw.jsm.streams.info("WORKFLOW_HISTORY")).config
  expect([history.duplicate_window, history.max_age]).toStrictEqual([5_000_000_000, 30 * 86_400_000_000_000])
  // The engine's triggers bucket holds an engine TriggerDef: not an old dagnats record.
  expect(serve.log()).not.toMatch(/older dagnats/)
  // dagnats kept to its own names: every stream the engine did not create is a dagnats one.
  const engineOwn = new Set([...engineStreams.map((s) => s.name), ...engineBuckets.map((b) => `KV_${b.name}`)])
  const added: Array<string> = []
  for await (const s of raw.jsm.streams.list()) if (!engineOwn.has(s.config.name)) added.push(s.config.name)
  expect(added.length).toBeGreaterThanOrEqual(6)
  expect(added.filter((n) => !/^(DAGNATS_|KV_dagnats_)/.test(n))).toStrictEqual([])
})

test("serve first - the engine's set-up succeeds afterwards, serve keeps working, and a restarted serve changes nothing of the engine's", async () => {
  const nats = await res.natsServer()
  const serve = await res.serveOn(nats)
  const raw = res.track(await openRawNats(nats.url), (r) => r.close())
  await createEngineResources(raw.js, raw.jsm)
  const afterEngine = await snapshotEngine(raw.js, raw.jsm)
  expect((afterEngine.records as Record<string, any>)["triggers/nightly-report"].value).toBe(
    JSON.stringify(engineTrigger),
  )
  await webhookStartsRun(nats.url, serve.baseUrl, "serve-first")
  await serve.stop()
  const again = await res.serveOn(nats)
  await webhookStartsRun(nats.url, again.baseUrl, "serve-first-again")
  expect(await snapshotEngine(raw.js, raw.jsm)).toStrictEqual(afterEngine)
  expect(again.log()).not.toMatch(/older dagnats/)
})

test("two serves - share one dagnats-outcomes durable on WORKFLOW_HISTORY and fold a run's completion once between them", async () => {
  const nats = await res.natsServer()
  const raw = res.track(await openRawNats(nats.url), (r) => r.close())
  await createEngineResources(raw.js, raw.jsm)
  const serves = [await res.serveOn(nats), await res.serveOn(nats)]
  await webhookStartsRun(nats.url, serves[0]!.baseUrl, "two-serves")
  const [run] = (await runJson(["run", "list", "--trigger", "two-serves", "--nats-url", nats.url])).runs
  const consumers: Array<string> = []
  for await (const c of raw.jsm.consumers.list("WORKFLOW_HISTORY"))
    if (c.config.durable_name !== undefined) consumers.push(c.config.durable_name)
  expect(consumers).toStrictEqual(["dagnats-outcomes"])
  // Twice: whichever serve gets each copy, the run completes once.
  await publishLifecycle(raw.js, run.run_id, "workflow.completed")
  await publishLifecycle(raw.js, run.run_id, "workflow.completed")
  await eventually(
    async () => expect((await runJson(["run", "get", run.run_id, "--nats-url", nats.url])).status).toBe("completed"),
    20_000,
  )
  const changes = async (status: string) => {
    let total = 0
    for (const s of serves) {
      const text = await (await fetch(`${s.baseUrl}/metrics`)).text()
      const m = new RegExp(`^dagnats_run_status_changes_total\\{status="${status}"\\} (\\d+)$`, "m").exec(text)
      total += m === null ? 0 : Number(m[1])
    }
    return total
  }
  await eventually(async () => {
    const c = await raw.jsm.consumers.info("WORKFLOW_HISTORY", "dagnats-outcomes")
    expect([c.num_pending, c.num_ack_pending]).toStrictEqual([0, 0])
  }, 20_000)
  expect([await changes("running"), await changes("completed")]).toStrictEqual([0, 1])
})

test("old names - records of an older dagnats in KV triggers and its SLEEP_TIMERS work queue are reported in one line", async () => {
  const nats = await res.natsServer()
  const raw = res.track(await openRawNats(nats.url), (r) => r.close())
  const old = await new Kvm(raw.js).create("triggers")
  const oldTrigger = {
    name: "gh",
    workflow: "wf",
    type: "webhook",
    enabled: true,
    created_at: "2025-01-01T00:00:00Z",
    updated_at: "2025-01-01T00:00:00Z",
    revision: 1,
  }
  await old.put("gh", JSON.stringify(oldTrigger))
  await raw.jsm.streams.add({
    name: "SLEEP_TIMERS",
    subjects: ["sleep.>"],
    retention: RetentionPolicy.Workqueue,
    storage: StorageType.File,
  })
  const serve = await res.serveOn(nats)
  const lines = serve
    .log()
    .split("\n")
    .filter((l) => /older dagnats/.test(l))
  expect(lines).toHaveLength(1)
  expect(lines[0]).toContain("KV triggers")
  expect(lines[0]).toContain("stream SLEEP_TIMERS")
  expect(lines[0]).toContain("dagnats trigger create")
  // Reported, not touched.
  expect((await old.get("gh"))?.json()).toStrictEqual(oldTrigger)
  await eventually(async () => expect((await raw.request("dagnats.triggers.list", {})).triggers).toStrictEqual([]))
})

test("old names - a bucket whose keys were all deleted does not stall the check: old run records in KV runs are still reported", async () => {
  const nats = await res.natsServer()
  const raw = res.track(await openRawNats(nats.url), (r) => r.close())
  const kvm = new Kvm(raw.js)
  const emptied = await kvm.create("triggers")
  await emptied.put("gone", JSON.stringify({ id: "gone", workflow_id: "w", enabled: true }))
  await emptied.delete("gone")
  const runs = await kvm.create("runs")
  const oldRun = {
    run_id: "0123456789abcdef0123456789abcdef",
    workflow: "wf",
    status: "pending",
    input: {},
    trigger: { name: "gh", type: "webhook" },
    event: null,
    created_at: "2025-01-01T00:00:00Z",
  }
  await runs.put(oldRun.run_id, JSON.stringify(oldRun))
  const serve = await res.serveOn(nats)
  const lines = serve
    .log()
    .split("\n")
    .filter((l) => /older dagnats/.test(l))
  expect(lines).toHaveLength(1)
  expect(lines[0]).toContain("(KV runs)")
})
