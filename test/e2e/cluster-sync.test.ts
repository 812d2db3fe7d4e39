// Proves synchronous webhooks across two serves on a 3-node cluster (R3): the serve that takes the
// request has its evaluator off, the other serve (on another node) starts the run, and the engine
// stand-in (connected to the third node) answers on dagnats.http.response.{run_id}; the request gets
// that answer, and a retry with the same delivery id gets the same answer from the same run.
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
  // The engine stand-in's respond step: every started run answers 201 with its own run id.
  engine.subscribe("history.>", {
    callback: (e, m) => {
      if (e !== null || m.json<{ type: string }>().type !== "workflow.started") return
      const runId = m.subject.slice("history.".length)
      started.push(runId)
      const body = Buffer.from(`answered ${runId}`).toString("base64")
      engine.publish(
        `dagnats.http.response.${runId}`,
        JSON.stringify({ status: 201, content_type: "text/plain", body }),
      )
    },
  })
  await engine.flush()
  const created = await runCli(
    ["trigger", "create", "sync-cluster", "--workflow", "wf", "--webhook", "--no-verify", "--respond"],
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

const post = async (key: string) => {
  const r = await fetch(`${listener.baseUrl}/v1/webhooks/sync-cluster`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "Idempotency-Key": key },
    body: JSON.stringify({ text: "deploy web" }),
    signal: AbortSignal.timeout(60_000),
  })
  return { status: r.status, text: await r.text(), runId: r.headers.get("x-dagnats-run-id") }
}

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
