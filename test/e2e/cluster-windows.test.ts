// Proves windows on a cluster: three nats-servers (the latest release) on loopback, streams and
// buckets with 3 replicas, two serves on different nodes sharing the evaluator and timers, and one
// serve SIGKILLed and restarted while 300 events go into a keyed batch trigger: every event lands
// in exactly one batch, no batch exceeds its size, no run starts twice, and no window stays open.
// Its own minimal cluster, until the shared cluster harness lands.
import { spawn, type ChildProcess } from "node:child_process"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, test } from "vitest"
import { connect } from "@nats-io/transport-node"
import { jetstreamManager } from "@nats-io/jetstream"
import { freePort } from "../support/ports.js"
import { eventually } from "../support/poll.js"
import { startServe, type ServeProcess } from "../support/serve.js"
import { latestNatsServerBin } from "../support/tools.js"
import { createTrigger, openWindowsNats, type WindowsNats } from "./windows-support.js"

/** The latest nats-server: replicated revision checks on 2.9.x are not serializable (nats-server#4320). */
const BIN = latestNatsServerBin()

interface Node {
  readonly url: string
  child: ChildProcess
}

const dir = mkdtempSync(join(tmpdir(), "dagnats-cluster-"))
const nodes: Array<Node> = []
const serves: Array<ServeProcess> = []
let raw: WindowsNats

const startCluster = async () => {
  const ports = await Promise.all([0, 1, 2].map(async () => ({ client: await freePort(), route: await freePort() })))
  const routes = ports.map((p) => `nats-route://127.0.0.1:${p.route}`).join(", ")
  for (const [i, p] of ports.entries()) {
    const conf = join(dir, `n${i}.conf`)
    writeFileSync(
      conf,
      [
        `server_name: n${i}`,
        `listen: "127.0.0.1:${p.client}"`,
        "max_payload: 2MB",
        `jetstream { store_dir: ${JSON.stringify(join(dir, `js${i}`))}, max_memory_store: 64MB, max_file_store: 1GB }`,
        `cluster { name: dagnats-test, listen: "127.0.0.1:${p.route}", routes: [${routes}] }`,
      ].join("\n"),
    )
    nodes.push({ url: `nats://127.0.0.1:${p.client}`, child: spawn(BIN, ["-c", conf], { stdio: "ignore" }) })
  }
  // Ready once JetStream has a meta leader and answers account info on every node.
  for (const n of nodes) {
    await eventually(
      async () => {
        const nc = await connect({ servers: n.url })
        try {
          await (await jetstreamManager(nc)).getAccountInfo()
        } finally {
          await nc.close()
        }
      },
      30_000,
      250,
    )
  }
}

beforeAll(async () => {
  await startCluster()
  serves.push(await startServe({ natsUrl: nodes[0]!.url, args: ["--replicas", "3"] }))
  serves.push(await startServe({ natsUrl: nodes[1]!.url, args: ["--replicas", "3"] }))
  raw = await openWindowsNats(nodes[2]!.url)
}, 90_000)

afterAll(async () => {
  await raw?.close()
  for (const s of serves) await s.stop().catch(() => undefined)
  for (const n of nodes) {
    if (n.child.exitCode === null) {
      const exited = new Promise((r) => n.child.once("exit", r))
      n.child.kill("SIGTERM")
      await exited
    }
  }
  rmSync(dir, { recursive: true, force: true })
})

describe("windows - cluster", () => {
  test("cluster - 300 events into a keyed batch on R3 with two serves, one SIGKILLed and restarted: each event in exactly one batch", async () => {
    await createTrigger(nodes[0]!.url, "cl", "event.cl", [
      "--batch-size",
      "10",
      "--batch-timeout",
      "2s",
      "--batch-key",
      "k",
    ])
    // Both serves' tables have it before events flow.
    await eventually(async () => expect(await raw.openWindows("cl")).toBe(0), 10_000)
    const seqs: Array<number> = []
    for (let i = 0; i < 300; i++) {
      seqs.push(await raw.publish("event.cl", { k: i % 3, i }))
      if (i === 100) await serves[1]!.kill()
      if (i === 200) serves[1] = await startServe({ natsUrl: nodes[1]!.url, args: ["--replicas", "3"] })
    }
    const runs = await eventually(
      async () => {
        const r = await raw.runsOf("cl")
        expect(r.reduce((n, x) => n + (x.count as number), 0)).toBe(300)
        return r
      },
      90_000,
      500,
    ).catch(async (e) => {
      const r = await raw.runsOf("cl")
      const got = r.flatMap((x) => (x.input as Array<{ i: number }>).map((p) => p.i))
      const missing = Array.from({ length: 300 }, (_, i) => i).filter((i) => !got.includes(i))
      throw new Error(
        `${String(e)}; ${r.length} runs, missing ${JSON.stringify(missing)}; open ${await raw.openWindows("cl")}`,
      )
    })
    const covered = runs.flatMap((r) => (r.input as Array<{ i: number }>).map((p) => p.i)).sort((a, b) => a - b)
    expect(covered).toStrictEqual(Array.from({ length: 300 }, (_, i) => i))
    expect(
      runs.every(
        (r) => (r.count as number) <= 10 && new Set((r.input as Array<{ k: number }>).map((p) => p.k)).size === 1,
      ),
    ).toBe(true)
    expect(new Set(runs.map((r) => r.run_id)).size).toBe(runs.length)
    expect(await raw.startedCounts(runs.map((r) => r.run_id as string))).toStrictEqual(runs.map(() => 1))
    await raw.quiet("cl", 60_000)
  }, 180_000)

  test("cluster - a keyed 2 s debounce burst of 300 events on R3, one serve SIGKILLed mid-burst: one run per key counting all its events", async () => {
    await createTrigger(nodes[0]!.url, "cd", "event.cd", ["--debounce", "2s", "--debounce-key", "k"])
    await eventually(async () => expect(await raw.openWindows("cd")).toBe(0), 10_000)
    for (let i = 0; i < 300; i++) {
      await raw.publish("event.cd", { k: i % 3, i })
      // Events the killed serve held come back only after the ack wait (longer than the period):
      // their windows must wait for them rather than fire without them.
      if (i === 150) await serves[1]!.kill()
    }
    const runs = await eventually(
      async () => {
        const r = await raw.runsOf("cd")
        expect(r.reduce((n, x) => n + (x.count as number), 0)).toBe(300)
        return r
      },
      90_000,
      500,
    )
    expect(runs.map((r) => [r.input.k, r.count]).sort((a, b) => a[0] - b[0])).toStrictEqual([
      [0, 100],
      [1, 100],
      [2, 100],
    ])
    expect(runs.map((r) => r.input.i).sort((a, b) => a - b)).toStrictEqual([297, 298, 299])
    serves[1] = await startServe({ natsUrl: nodes[1]!.url, args: ["--replicas", "3"] })
    await raw.quiet("cd", 60_000)
  }, 180_000)
})
