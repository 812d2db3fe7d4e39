// Proves run status follows the engine's lifecycle events end to end from a signed webhook: pending → running → completed | failed, never backwards, once per event however often it arrives; events of runs dagnats did not start are acked and ignored; `run get --wait` exits 0/1/3; `trigger history` shows each run's status.
import { spawn } from "node:child_process"
import { randomBytes } from "node:crypto"
import { expect, test } from "vitest"
import { e2eStack } from "../support/e2e-stack.js"
import { signed } from "./ingest-support.js"
import { DAGNATS_BIN, runCli } from "../support/cli.js"
import { eventually } from "../support/poll.js"
import { publishEngineFire, publishLifecycle, putEngineRunState } from "../support/engine-fixture.js"

const SECRET = "outcomes-secret"
const stack = e2eStack({ engine: true })
const cli = stack.cli

/** A run started by a signed webhook POST to a new trigger; resolves with its run id. */
const webhookRun = async (name: string) => {
  await cli("trigger", "create", name, "--workflow", `${name}-wf`, "--webhook", "--secret", SECRET)
  await stack.raw.request("dagnats.triggers.list", {})
  const body = JSON.stringify({ name })
  const r = await fetch(`${stack.serve.baseUrl}/v1/webhooks/${name}`, {
    method: "POST",
    headers: signed(SECRET, body),
    body,
  })
  expect(r.status).toBe(202)
  await stack.raw.settled()
  const runs = (await cli("run", "list", "--trigger", name)).runs
  expect(runs).toHaveLength(1)
  return runs[0].run_id as string
}

const runRecord = (id: string) => cli("run", "get", id)
const statusBecomes = (id: string, status: string) =>
  eventually(async () => expect((await runRecord(id)).status).toBe(status), 20_000)

/** Resolves once the outcomes consumer has acknowledged everything on WORKFLOW_HISTORY. */
const outcomesSettled = () =>
  eventually(async () => {
    const history = await stack.raw.jsm.streams.info("WORKFLOW_HISTORY")
    const c = await stack.raw.jsm.consumers.info("WORKFLOW_HISTORY", "dagnats-outcomes")
    expect(c.delivered.stream_seq).toBeGreaterThanOrEqual(history.state.last_seq)
    expect([c.num_pending, c.num_ack_pending]).toStrictEqual([0, 0])
  }, 20_000)

const statusChanges = async (status: string) => {
  const text = await (await fetch(`${stack.serve.baseUrl}/metrics`)).text()
  const m = new RegExp(`^dagnats_run_status_changes_total\\{status="${status}"\\} (\\d+)$`, "m").exec(text)
  return m === null ? 0 : Number(m[1])
}

/** `dagnats run get ID --wait …` in the background, to see it block and then finish. */
const waitInBackground = (id: string, ...extra: Array<string>) => {
  const child = spawn(process.execPath, [DAGNATS_BIN, "run", "get", id, "--wait", "--nats-url", stack.url, ...extra], {
    env: { ...process.env, NO_COLOR: "1" },
  })
  let stdout = ""
  let stderr = ""
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()))
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()))
  let exitCode: number | null | undefined
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on("exit", (code) => {
      exitCode = code
      resolve({ code, stdout, stderr })
    }),
  )
  return { done, running: () => exitCode === undefined, kill: () => child.kill("SIGKILL") }
}

test("run outcomes - step.started makes a webhook run running, workflow.completed completes it; run get --wait exits 0 only then", async () => {
  const id = await webhookRun("out-ok")
  expect((await runRecord(id)).status).toBe("pending")
  const waiter = waitInBackground(id, "--json")
  const completedBefore = await statusChanges("completed")

  await publishLifecycle(stack.raw.js, id, "step.started")
  await statusBecomes(id, "running")
  const running = await runRecord(id)
  expect(running.updated_at).toMatch(/^\d{4}-\d{2}-\d{2}T/)
  expect(running.finished_at).toBeUndefined()
  expect(waiter.running()).toBe(true)

  const ack = await publishLifecycle(stack.raw.js, id, "workflow.completed", { output: { ok: true } })
  const result = await waiter.done
  expect(result.code).toBe(0)
  const record = JSON.parse(result.stdout)
  const stored = (await stack.raw.messages("WORKFLOW_HISTORY", `history.${id}`)).find((m) => m.seq === ack.seq)!
  expect(record).toStrictEqual({
    ...running,
    status: "completed",
    updated_at: record.updated_at,
    finished_at: (stored.data as any).timestamp,
  })
  expect(await statusChanges("completed")).toBe(completedBefore + 1)
})

test("run outcomes - workflow.failed records payload.error; run get --wait exits 1 and says why", async () => {
  const id = await webhookRun("out-fail")
  await publishLifecycle(stack.raw.js, id, "step.started")
  await publishLifecycle(stack.raw.js, id, "workflow.failed", { error: "step build: exit status 2" })
  await statusBecomes(id, "failed")
  expect((await runRecord(id)).error).toBe("step build: exit status 2")
  const r = await runCli(["run", "get", id, "--wait", "--nats-url", stack.url])
  expect(r.code).toBe(1)
  expect(r.stdout).toMatch(/status:\s+failed/)
  expect(r.stderr).toBe(`dagnats: run ${id} failed: step build: exit status 2\n`)
})

test("run outcomes - workflow.failed without an error takes the last step.failed payload.error; run get --wait exits 1 with it", async () => {
  const id = await webhookRun("out-steperr")
  await publishLifecycle(stack.raw.js, id, "step.started")
  await publishLifecycle(stack.raw.js, id, "step.failed", { error: "step build: attempt 1: exit status 2" })
  await publishLifecycle(stack.raw.js, id, "step.failed", { error: "step build: exit status 2" })
  await publishLifecycle(stack.raw.js, id, "workflow.failed")
  await statusBecomes(id, "failed")
  await outcomesSettled()
  expect((await runRecord(id)).error).toBe("step build: exit status 2")
  const r = await runCli(["run", "get", id, "--wait", "--nats-url", stack.url])
  expect(r.code).toBe(1)
  expect(r.stderr).toBe(`dagnats: run ${id} failed: step build: exit status 2\n`)
})

test("run outcomes - a run the engine fails only in its KV workflow_runs ends failed with the step error; a waiting run get --wait exits 1", async () => {
  const id = await webhookRun("out-kvfail")
  const waiter = waitInBackground(id)
  const failedBefore = await statusChanges("failed")
  await putEngineRunState(stack.raw.js, id, {
    workflow_id: "out-kvfail-wf",
    status: "failed",
    steps: { validate: { status: "failed", error: "input schema rejected: ref is required" } },
  })
  const result = await waiter.done
  expect(result.code).toBe(1)
  expect(result.stderr).toBe(`dagnats: run ${id} failed: input schema rejected: ref is required\n`)
  const record = await runRecord(id)
  expect([record.status, record.error]).toStrictEqual(["failed", "input schema rejected: ref is required"])
  expect(record.finished_at).toMatch(/^\d{4}-\d{2}-\d{2}T/)
  expect(await statusChanges("failed")).toBe(failedBefore + 1)
})

test("run outcomes - a run the engine skips (singleton) in workflow_runs ends failed with 'skipped by the engine: …'", async () => {
  const id = await webhookRun("out-kvskip")
  await putEngineRunState(stack.raw.js, id, { status: "skipped", error: "singleton: run abc is still running" })
  await statusBecomes(id, "failed")
  expect((await runRecord(id)).error).toBe("skipped by the engine: singleton: run abc is still running")
})

test("run outcomes - the same workflow.completed delivered twice changes the run once", async () => {
  const id = await webhookRun("out-dup")
  await publishLifecycle(stack.raw.js, id, "step.started")
  await statusBecomes(id, "running")
  const before = await statusChanges("completed")
  await publishLifecycle(stack.raw.js, id, "workflow.completed")
  await statusBecomes(id, "completed")
  const first = await runRecord(id)
  await publishLifecycle(stack.raw.js, id, "workflow.completed")
  await outcomesSettled()
  expect(await runRecord(id)).toStrictEqual(first)
  expect(await statusChanges("completed")).toBe(before + 1)
})

test("run outcomes - a late step.started or workflow.cancelled after workflow.completed does not move the run", async () => {
  const id = await webhookRun("out-late")
  await publishLifecycle(stack.raw.js, id, "workflow.completed")
  await statusBecomes(id, "completed")
  const done = await runRecord(id)
  await publishLifecycle(stack.raw.js, id, "step.started")
  await publishLifecycle(stack.raw.js, id, "workflow.cancelled")
  await outcomesSettled()
  expect(await runRecord(id)).toStrictEqual(done)
})

test("run outcomes - lifecycle events of runs dagnats did not start are acknowledged and create no record", async () => {
  const foreign = [randomBytes(16).toString("hex"), "6f1c2a9e-0b7d-4c55-9a3e-2f8b7c1d0e99"]
  for (const id of foreign) {
    await publishLifecycle(stack.raw.js, id, "step.started")
    await publishLifecycle(stack.raw.js, id, "workflow.completed")
  }
  await outcomesSettled()
  const kv = await stack.raw.runs()
  for (const id of foreign.filter((i) => /^[0-9a-f]{32}$/.test(i))) expect(await kv.get(id)).toBeNull()
  const r = await runCli(["run", "get", foreign[0]!, "--nats-url", stack.url])
  expect(r.code).toBe(1)
})

test("run get --wait - exits 3 when the run is not finished within --timeout or NATS is unreachable; bad --timeout use is exit 2", async () => {
  const id = await webhookRun("out-slow")
  const r = await runCli(["run", "get", id, "--wait", "--timeout", "1s", "--nats-url", stack.url])
  expect(r.code).toBe(3)
  expect(r.stderr).toBe(`dagnats: run ${id} is still pending after 1s\n`)
  expect((await runCli(["run", "get", id, "--wait", "--nats-url", "nats://127.0.0.1:1"])).code).toBe(3)
  expect((await runCli(["run", "get", id, "--timeout", "1s", "--nats-url", stack.url])).code).toBe(2)
  expect(
    (await runCli(["run", "get", id, "--wait", "--timeout", "soon", "--nats-url", "nats://127.0.0.1:1"])).code,
  ).toBe(2)
})

test("trigger history - each fired run shows its current status (human table; run_status with --json)", async () => {
  const id = await webhookRun("out-hist")
  await publishLifecycle(stack.raw.js, id, "workflow.completed")
  await statusBecomes(id, "completed")
  const json = await cli("trigger", "history", "out-hist")
  expect(json.fires.map((f: any) => [f.outcome, f.run_id, f.run_status])).toStrictEqual([["fired", id, "completed"]])
  const human = await runCli(["trigger", "history", "out-hist", "--nats-url", stack.url])
  expect(human.code).toBe(0)
  expect(human.stdout.split("\n")[0]).toMatch(/RUN STATUS/)
  expect(human.stdout.split("\n")[1]).toMatch(
    new RegExp(`fired\\s+run ${id}\\s+completed\\s+event\\.webhook\\.out-hist #\\d+`),
  )
})

test("workflow.started - payload.trigger is webhook for a webhook, subject for an event trigger, manual for run start and trigger fire; run records keep webhook/event/manual", async () => {
  const webhookId = await webhookRun("kind-hook")
  await stack.raw.request("dagnats.triggers.create", {
    name: "kind-event",
    workflow: "kind-wf",
    type: "event",
    subject: "event.kind.x",
  })
  await stack.raw.publish("event.kind.x", JSON.stringify({ n: 1 }))
  await stack.raw.settled()
  const eventId = (await cli("run", "list", "--trigger", "kind-event")).runs[0].run_id as string
  const startId = (await cli("run", "start", "kind-wf", "--input", "{}")).run_id as string
  const fireId = (await cli("trigger", "fire", "kind-event", "--input", "{}")).run_id as string
  const seen = []
  for (const id of [webhookId, eventId, startId, fireId]) {
    const [started] = await stack.raw.messages("WORKFLOW_HISTORY", `history.${id}`)
    const p = (started!.data as any).payload
    seen.push([p.trigger, p.source, (await runRecord(id)).trigger])
  }
  expect(seen).toStrictEqual([
    ["webhook", "kind-hook", { name: "kind-hook", type: "webhook" }],
    ["subject", "kind-event", { name: "kind-event", type: "event" }],
    ["manual", "manual", { name: null, type: "manual" }],
    ["manual", "kind-event", { name: "kind-event", type: "manual" }],
  ])
})

test("trigger history - the engine's own TriggerFire records (no outcome, no event) under the same name are shown as engine fires, human and --json, exit 0", async () => {
  const id = await webhookRun("out-engfire")
  const firedAt = "2026-03-04T05:06:07Z"
  const fire = {
    trigger_id: "out-engfire",
    workflow_id: "engine-wf",
    run_id: "r-1",
    source: "out-engfire",
    fired_at: firedAt,
  }
  const skip = { ...fire, run_id: undefined, skipped: true, skip_reason: "filtered", fired_at: "2026-03-04T05:06:08Z" }
  await publishEngineFire(stack.raw.js, "out-engfire", fire)
  await publishEngineFire(stack.raw.js, "out-engfire", skip)
  await eventually(async () => expect((await cli("trigger", "history", "out-engfire")).fires).toHaveLength(3), 20_000)
  const json = await cli("trigger", "history", "out-engfire")
  expect(json.fires.filter((f: any) => f.outcome === undefined)).toStrictEqual([JSON.parse(JSON.stringify(skip)), fire])
  expect(json.fires.filter((f: any) => f.outcome === "fired").map((f: any) => f.run_id)).toStrictEqual([id])
  const human = await runCli(["trigger", "history", "out-engfire", "--nats-url", stack.url])
  expect([human.code, human.stderr]).toStrictEqual([0, ""])
  const rows = human.stdout.split("\n").filter((l) => l.includes("(a DagNats engine record)"))
  expect(rows).toHaveLength(2)
  expect(rows.find((l) => l.startsWith(firedAt))).toMatch(/^\S+\s+fired\s+run r-1\s+-\s+\(a DagNats engine record\)$/)
  expect(rows.find((l) => !l.startsWith(firedAt))).toMatch(
    /^\S+\s+skipped\s+filtered\s+-\s+\(a DagNats engine record\)$/,
  )
})
