// Proves serve lives with what the DagNats engine does after serve started: another program changing a shared stream's setting (the engine rewrites EVENTS' max age on start) is logged once with old → new, counted once on /metrics, and never changed back; and the engine's KV workflow_runs created only after serve started is still read, so a run the engine failed there ends failed.
import { Kvm } from "@nats-io/kv"
import { nanos } from "@nats-io/nats-core"
import { expect, test } from "vitest"
import { e2eStack } from "../support/e2e-stack.js"
import { eventually } from "../support/poll.js"
import { putEngineRunState } from "../support/engine-fixture.js"
import { runCli } from "../support/cli.js"

const DAY_MS = 86_400_000
// Serve looks every second here (60 s by default), so a change is seen within a test's patience.
const stack = e2eStack({ serve: { env: { DAGNATS_DRIFT_CHECK_INTERVAL: "1s" } } })

const metric = async (stream: string, setting: string) => {
  const text = await (await fetch(`${stack.serve.baseUrl}/metrics`)).text()
  const m = new RegExp(
    `^dagnats_shared_stream_changes_total\\{stream="${stream}",setting="${setting}"\\} (\\d+)$`,
    "m",
  ).exec(text)
  return m === null ? 0 : Number(m[1])
}

const changeLines = () =>
  stack.serve
    .log()
    .split("\n")
    .filter((l) => l.includes("shared stream EVENTS:"))

test("shared streams - another client setting EVENTS' max age to 30d is logged once (14d → 30d), counted once, and kept; a later change is reported on its own", async () => {
  expect(await metric("EVENTS", "max_age")).toBe(0)
  const info = await stack.raw.jsm.streams.info("EVENTS")
  expect(info.config.max_age).toBe(nanos(14 * DAY_MS))
  await stack.raw.jsm.streams.update("EVENTS", { ...info.config, max_age: nanos(30 * DAY_MS) })
  await eventually(async () => expect(await metric("EVENTS", "max_age")).toBe(1), 20_000)
  // A second change proves serve looked again since; the first is still reported once.
  const now = await stack.raw.jsm.streams.info("EVENTS")
  await stack.raw.jsm.streams.update("EVENTS", { ...now.config, duplicate_window: nanos(60_000) })
  await eventually(async () => expect(await metric("EVENTS", "duplicate_window")).toBe(1), 20_000)
  const lines = changeLines()
  expect(lines).toHaveLength(2)
  expect(lines[0]).toMatch(
    /WARN.*shared stream EVENTS: max_age changed from 14d to 30d by another program \(dagnats leaves it as it is\)$/,
  )
  expect(lines[1]).toMatch(/WARN.*shared stream EVENTS: duplicate_window changed from 2m to 1m by another program/)
  expect(await metric("EVENTS", "max_age")).toBe(1)
  const kept = (await stack.raw.jsm.streams.info("EVENTS")).config
  expect([kept.max_age, kept.duplicate_window]).toStrictEqual([nanos(30 * DAY_MS), nanos(60_000)])
})

test("run outcomes - the engine's workflow_runs created after serve started is read: a run failed only there ends failed, run get --wait exits 1", async () => {
  const kvm = new Kvm(stack.raw.js)
  await expect(stack.raw.jsm.streams.info("KV_workflow_runs")).rejects.toThrow(/stream not found/)
  const { run_id: id } = await stack.cli("run", "start", "late-wf", "--input", "{}")
  await kvm.create("workflow_runs")
  await putEngineRunState(stack.raw.js, id, { status: "failed", error: 'workflow "late-wf" is not registered' })
  const r = await runCli(["run", "get", id, "--wait", "--timeout", "30s", "--nats-url", stack.url])
  expect(r.code).toBe(1)
  expect(r.stderr).toBe(`dagnats: run ${id} failed: workflow "late-wf" is not registered\n`)
})
