// Proves dagnats on a 3-node cluster (--replicas 3): signed webhooks keep flowing while the EVENTS
// leader node and one of two serve processes are SIGKILLed and restarted, and every accepted webhook
// is exactly one run; events that fired live through a serve on one node are `existing` when replayed
// through a serve on another (both derive one event identity); and serve refuses --replicas 3 on a
// 2.9.10 cluster, whose replicated KV revision checks are unsafe.
import { createHmac } from "node:crypto"
import { afterEach, describe, expect, test } from "vitest"
import { connect } from "@nats-io/transport-node"
import { jetstream } from "@nats-io/jetstream"
import { Kvm } from "@nats-io/kv"
import { startCluster, type TestCluster } from "../support/cluster.js"
import { startServe, type ServeProcess } from "../support/serve.js"
import { runCli, runJson } from "../support/cli.js"
import { eventually, sleep } from "../support/poll.js"
import { latestNatsServerBin, oldestNatsServerBin } from "../support/tools.js"

const SECRET = "cluster-secret"
const TRIGGER = "cluster-hook"
const EVENTS = 60

const cleanup: Array<() => Promise<unknown>> = []
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f().catch(() => undefined)
})
const cluster = async (bin: string) => {
  const c = await startCluster({ bin })
  cleanup.push(() => c.dispose())
  return c
}
/**
 * serve on one node with --replicas 3, restarted when it exits while starting, as a supervisor
 * (systemd Restart=on-failure) would: while a restarted node catches up, serve's resource checks
 * can time out and it exits 1 ("dagnats: timeout").
 */
const serveOn = async (url: string) => {
  for (let attempt = 1; ; attempt++) {
    try {
      const s = await startServe({ natsUrl: url, args: ["--replicas", "3"], readyTimeoutMs: 60_000 })
      cleanup.push(() => s.kill())
      return s
    } catch (e) {
      if (attempt === 5 || !/serve exited 1 while starting/.test(String(e))) throw e
    }
  }
}

/**
 * POST event `n` as a provider would: signed, with a delivery id that repeats on retries, retried on
 * any answer but 202 (503 while a leader moves, connection refused from a killed serve) against
 * whichever serve is up. Resolves once it was accepted.
 */
const deliver = async (serves: () => ReadonlyArray<ServeProcess>, n: number): Promise<void> => {
  const body = JSON.stringify({ n })
  const headers = {
    "Content-Type": "application/json",
    "X-Signature-256": `sha256=${createHmac("sha256", SECRET).update(body).digest("hex")}`,
    "Idempotency-Key": `delivery-${n}`,
  }
  const deadline = Date.now() + 90_000
  for (let attempt = 0; Date.now() < deadline; attempt++) {
    const live = serves().filter((s) => s.child.exitCode === null && s.child.signalCode === null)
    const target = live[(n + attempt) % Math.max(live.length, 1)]
    if (target !== undefined) {
      const status = await fetch(`${target.baseUrl}/v1/webhooks/${TRIGGER}`, {
        method: "POST",
        headers,
        body,
        signal: AbortSignal.timeout(15_000),
      })
        .then((r) => r.status)
        .catch(() => 0)
      if (status === 202) return
    }
    await sleep(100)
  }
  throw new Error(`event ${n} was never accepted`)
}

/** Every run record in KV dagnats_runs, read through the cluster. */
const runRecords = async (c: TestCluster): Promise<Array<Record<string, any>>> => {
  const nc = await connect({ servers: c.nodes.map((n) => n.url) })
  try {
    const kv = await new Kvm(jetstream(nc)).open("dagnats_runs")
    const out: Array<Record<string, any>> = []
    if ((await kv.status()).values === 0) return out
    const iter = await kv.watch()
    for await (const e of iter) {
      if (e.operation === "PUT") out.push(JSON.parse(new TextDecoder().decode(e.value)) as Record<string, any>)
      if (e.delta === 0) break
    }
    iter.stop()
    return out
  } finally {
    await nc.close()
  }
}

describe("cluster", () => {
  test("cluster - webhooks accepted while the EVENTS leader node and one serve are SIGKILLed and restarted are each exactly one run", async () => {
    const c = await cluster(latestNatsServerBin())
    const a = await serveOn(c.nodes[0]!.url)
    let b = await serveOn(c.nodes[1]!.url)
    await runJson([
      "trigger",
      "create",
      TRIGGER,
      "--workflow",
      "wf",
      "--webhook",
      "--secret",
      SECRET,
      "--nats-url",
      c.urls,
    ])
    const serves = () => [a, b]

    // Two senders, so requests are in flight when the kills land; the last third waits for the restarts.
    let accepted = 0
    let restarted = () => {}
    const restarts = new Promise<void>((resolve) => (restarted = resolve))
    const sender = async (from: number) => {
      for (let n = from; n < EVENTS; n += 2) {
        if (n >= (2 * EVENTS) / 3) await restarts
        await deliver(serves, n)
        accepted++
      }
    }
    const sending = Promise.all([sender(0), sender(1)])
    const reach = (count: number) => eventually(() => expect(accepted).toBeGreaterThanOrEqual(count), 120_000, 20)

    await reach(EVENTS / 3)
    const leader = await c.streamLeader("EVENTS")
    await Promise.all([leader.kill(), b.kill()])
    await reach((2 * EVENTS) / 3)
    // The surviving nodes elected a new EVENTS leader and webhooks kept being accepted.
    expect((await c.streamLeader("EVENTS")).name).not.toBe(leader.name)

    await leader.start()
    await c.ready()
    // Every node is back: the runs bucket has a leader among them again.
    expect(c.nodes.map((x) => x.name)).toContain((await c.kvLeader("dagnats_runs")).name)
    b = await serveOn(c.nodes[1]!.url)
    restarted()
    await sending

    const expected = Array.from({ length: EVENTS }, (_, n) => n)
    const runs = await eventually(
      async () => {
        const r = (await runRecords(c)).filter((x) => x.trigger?.name === TRIGGER)
        expect(r.map((x) => x.input.n).sort((p, q) => p - q)).toEqual(expected)
        return r
      },
      60_000,
      500,
    )
    expect(runs).toHaveLength(EVENTS)
    expect(new Set(runs.map((r) => r.run_id)).size).toBe(EVENTS)
  })

  test("cluster - events that fired live through a serve on one node are existing when replayed through a serve on another", async () => {
    const c = await cluster(latestNatsServerBin())
    const a = await serveOn(c.nodes[0]!.url)
    const on = (node: number) => ["--nats-url", c.nodes[node]!.url]
    await runJson(["trigger", "create", "cl-replay", "--workflow", "wf", "--subject", "event.clreplay", ...on(0)])
    for (const n of [1, 2, 3]) await runJson(["event", "publish", "event.clreplay", JSON.stringify({ n }), ...on(0)])
    const live = await eventually(
      async () => {
        const r = (await runRecords(c)).filter((x) => x.trigger?.name === "cl-replay")
        expect(r).toHaveLength(3)
        return r.map((x) => x.run_id as string).sort()
      },
      60_000,
      500,
    )
    // Only a serve on another node answers the replay: it reads the EVENTS epoch from its own node.
    await a.stop()
    await serveOn(c.nodes[2]!.url)
    for (let round = 0; round < 2; round++) {
      const r = await runJson(["event", "replay", "--trigger", "cl-replay", ...on(2)])
      expect([r.evaluated, r.fired, r.existing, r.runs]).toStrictEqual([3, 0, 3, []])
    }
    const after = (await runRecords(c)).filter((x) => x.trigger?.name === "cl-replay")
    expect(after.map((x) => x.run_id as string).sort()).toStrictEqual(live)
  })

  test("cluster - serve --replicas 3 against a 2.9.10 cluster exits non-zero with the version message", async () => {
    const c = await cluster(oldestNatsServerBin())
    const r = await runCli(["serve", "--replicas", "3", "--http-addr", "127.0.0.1:0", "--nats-url", c.urls])
    expect(r.code).toBe(1)
    // serve's own log lines (connected, drained) go to stderr too; the error is the one dagnats: line.
    expect(r.stderr.split("\n").filter((l) => l.startsWith("dagnats:"))).toEqual([
      "dagnats: nats-server 2.9.10 is older than 2.9.21, the minimum for --replicas 3 " +
        "(its KV revision checks are unsafe on replicated buckets): upgrade nats-server or use --replicas 1",
    ])
    expect(r.stderr).not.toMatch(/resources ready|serve ready/)
  })
})
