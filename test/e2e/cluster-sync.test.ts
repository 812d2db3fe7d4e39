// Proves synchronous webhooks across two serves on a 3-node cluster (R3): the serve that takes the
// request has its evaluator off, the other serve (on another node) starts the run, and the engine
// stand-in (connected to the third node) answers on dagnats.http.response.{run_id}; the request gets
// that answer, and a retry with the same delivery id gets the same answer from the same run; a failed,
// cancelled, silent or malformed run and a filtered event get their answers across the serves too.
import { afterAll, beforeAll, expect, test } from "vitest"
import { connect } from "@nats-io/transport-node"
import type { NatsConnection } from "@nats-io/nats-core"
import { startCluster, type TestCluster } from "../support/cluster.js"
import { startServe, type ServeProcess } from "../support/serve.js"
import { runCli } from "../support/cli.js"
import { eventually } from "../support/poll.js"
import { latestNatsServerBin } from "../support/tools.js"

let cluster: TestCluster
let listener: ServeProcess
let evaluator: ServeProcess
let engine: NatsConnection
const started: Array<string> = []

const modes: Record<string, (runId: string) => void> = {
  // The engine's respond step: 201 with the run's own id.
  answer: (runId) => {
    const body = Buffer.from(`answered ${runId}`).toString("base64")
    engine.publish(`dagnats.http.response.${runId}`, JSON.stringify({ status: 201, content_type: "text/plain", body }))
  },
  fail: (runId) => engine.publish(`history.${runId}`, JSON.stringify({ type: "workflow.failed", run_id: runId })),
  cancel: (runId) => engine.publish(`history.${runId}`, JSON.stringify({ type: "workflow.cancelled", run_id: runId })),
  malformed: (runId) => engine.publish(`dagnats.http.response.${runId}`, "not json"),
  silent: () => undefined,
}

/** serve on one node with --replicas 3, started again if it exits while the cluster settles. */
const serveOn = async (url: string, env: Record<string, string> = {}) => {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startServe({ natsUrl: url, args: ["--replicas", "3"], env, readyTimeoutMs: 60_000 })
    } catch (e) {
      if (attempt === 5 || !/serve exited 1 while starting/.test(String(e))) throw e
    }
  }
}

beforeAll(async () => {
  cluster = await startCluster({ bin: latestNatsServerBin() })
  evaluator = await serveOn(cluster.nodes[1]!.url)
  listener = await serveOn(cluster.nodes[0]!.url, { DAGNATS_EVALUATOR: "off" })
  engine = await connect({ servers: cluster.nodes[2]!.url })
  // The engine stand-in: each started run does what its webhook body's `mode` says (see modes).
  engine.subscribe("history.>", {
    callback: (e, m) => {
      const event = m.json<{ type: string; payload: { data: { body: string } } }>()
      if (e !== null || event.type !== "workflow.started") return
      const runId = m.subject.slice("history.".length)
      started.push(runId)
      const mode = (JSON.parse(Buffer.from(event.payload.data.body, "base64").toString()) as { mode: string }).mode
      modes[mode]?.(runId)
    },
  })
  await engine.flush()
  const created = await runCli(
    [
      "trigger",
      "create",
      "sync-cluster",
      "--workflow",
      "wf",
      "--webhook",
      "--no-verify",
      "--respond",
      "--respond-timeout",
      "3s",
      "--filter-field",
      "kind",
      "--filter-value",
      "command",
    ],
    { env: { NATS_URL: cluster.urls } },
  )
  expect(created.code).toBe(0)
}, 180_000)

afterAll(async () => {
  await engine?.close()
  await listener?.kill()
  await evaluator?.kill()
  await cluster?.dispose()
})

const post = async (key: string, mode = "answer", kind = "command") => {
  const r = await fetch(`${listener.baseUrl}/v1/webhooks/sync-cluster`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "Idempotency-Key": key },
    body: JSON.stringify({ kind, mode, text: "deploy web" }),
    signal: AbortSignal.timeout(60_000),
  })
  return { status: r.status, text: await r.text(), runId: r.headers.get("x-dagnats-run-id") }
}
const codeOf = (text: string) => (JSON.parse(text) as { error: { code: string } }).error.code

test("cluster sync - a request to the serve without an evaluator gets the answer of the run the other serve started, and its retry the same answer from the same run", async () => {
  // The listener's trigger table has the new trigger once it answers the request as a respond one.
  let first: Awaited<ReturnType<typeof post>> | undefined
  await eventually(async () => {
    first = await post("cmd-1")
    expect(first.status).toBe(201)
  }, 60_000)
  expect(first!.runId).toMatch(/^[0-9a-f]{32}$/)
  expect(first!.text).toBe(`answered ${first!.runId}`)
  const retry = await post("cmd-1")
  expect(retry).toStrictEqual(first)
  expect(started.filter((id) => id === first!.runId)).toHaveLength(1)
})

test("cluster sync - across the two serves, a failed run is 500, a cancelled one 503, a malformed answer 502, no answer within 3 s 504, a filtered event 202 with run_id null", async () => {
  // The first test has made sure the listener knows the trigger.
  const [failed, cancelled, malformed, silent, filtered] = await Promise.all([
    post("cmd-fail", "fail"),
    post("cmd-cancel", "cancel"),
    post("cmd-malformed", "malformed"),
    post("cmd-silent", "silent"),
    post("cmd-other", "answer", "chatter"),
  ])
  expect([failed.status, codeOf(failed.text)]).toStrictEqual([500, "workflow_failed"])
  expect([cancelled.status, codeOf(cancelled.text)]).toStrictEqual([503, "workflow_cancelled"])
  expect([malformed.status, codeOf(malformed.text)]).toStrictEqual([502, "malformed_response"])
  expect([silent.status, codeOf(silent.text)]).toStrictEqual([504, "workflow_timeout"])
  const skipped = JSON.parse(filtered.text) as { run_id: unknown; reason: string }
  expect([filtered.status, skipped.run_id, skipped.reason]).toStrictEqual([202, null, "filtered"])
})
