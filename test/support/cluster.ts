// A 3-node nats-server cluster on loopback for tests: the shipped deploy/cluster/node-N.conf files
// with free ports and temporary stores substituted, so the example operators copy is the one tested.
// Nodes can be SIGKILLed and restarted on their store; leaders are found and moved through the JetStream API.
import { spawn, type ChildProcess } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { connect } from "@nats-io/transport-node"
import type { NatsConnection } from "@nats-io/nats-core"
import { jetstreamManager } from "@nats-io/jetstream"
import { freePort } from "./ports.js"
import { eventually } from "./poll.js"
import { natsServerBin } from "./tools.js"

const DEPLOY = fileURLToPath(new URL("../../deploy/cluster/", import.meta.url))
const SIZE = 3
/** The loopback ports the shipped files use: clients 4222+i, routes 6222+i, monitoring 8222+i. */
const SHIPPED = { client: 4222, route: 6222, http: 8222 } as const

export interface ClusterNode {
  /** server_name, as JetStream reports leaders: dagnats-1, dagnats-2, dagnats-3. */
  readonly name: string
  readonly url: string
  readonly port: number
  readonly alive: () => boolean
  /** SIGKILL, as a crashed host would; resolves once the process is gone. */
  readonly kill: () => Promise<void>
  /** Start again on the same ports and store; resolves once it accepts clients. */
  readonly start: () => Promise<void>
}

export interface TestCluster {
  readonly nodes: ReadonlyArray<ClusterNode>
  /** Every node's URL, comma-separated, for --nats-url. */
  readonly urls: string
  readonly node: (name: string) => ClusterNode
  /** Resolves once every live node is routed to every other and JetStream has a meta leader. */
  readonly ready: (timeoutMs?: number) => Promise<void>
  /** The node leading `stream` (asked through a live node); retried until a leader is elected. */
  readonly streamLeader: (stream: string, timeoutMs?: number) => Promise<ClusterNode>
  /** The node leading KV `bucket` (its stream is KV_<bucket>). */
  readonly kvLeader: (bucket: string, timeoutMs?: number) => Promise<ClusterNode>
  /**
   * Move `stream`'s leadership to node `to` (a leader step-down naming it as preferred), retried
   * until `to` leads, so a test can choose which node a later kill takes leadership from.
   */
  readonly moveLeader: (stream: string, to: ClusterNode, timeoutMs?: number) => Promise<void>
  /** The node leading durable `consumer` on `stream`; retried until a leader is elected. */
  readonly consumerLeader: (stream: string, consumer: string, timeoutMs?: number) => Promise<ClusterNode>
  /** Move a durable consumer's leadership to node `to`, as moveLeader does for a stream. */
  readonly moveConsumerLeader: (stream: string, consumer: string, to: ClusterNode, timeoutMs?: number) => Promise<void>
  /** Stop every node and delete the stores. */
  readonly dispose: () => Promise<void>
}

export interface ClusterOptions {
  /** The nats-server binary; default: the one this run of the suite is on. */
  readonly bin?: string
}

interface Ports {
  readonly client: number
  readonly route: number
  readonly http: number
}

/** node-N.conf with this run's ports and store; throws if the shipped file lost a setting we replace. */
export const clusterConfig = (i: number, ports: ReadonlyArray<Ports>, storeDir: string): string => {
  const shipped = readFileSync(join(DEPLOY, `node-${i + 1}.conf`), "utf8")
  const map = new Map<number, number>()
  ports.forEach((p, n) => {
    map.set(SHIPPED.client + n, p.client)
    map.set(SHIPPED.route + n, p.route)
    map.set(SHIPPED.http + n, p.http)
  })
  let replaced = 0
  const conf = shipped
    .split("\n")
    .map((line) =>
      line.trimStart().startsWith("#")
        ? line
        : line.replace(/127\.0\.0\.1:(\d+)/g, (all, port: string) => {
            const to = map.get(Number(port))
            if (to === undefined) return all
            replaced++
            return `127.0.0.1:${to}`
          }),
    )
    .join("\n")
    .replace(/store_dir: .*/, () => (replaced++, `store_dir: ${JSON.stringify(storeDir)}`))
    .replace(/max_file_store: .*/, "max_file_store: 1GB")
    .replace(/max_memory_store: .*/, "max_memory_store: 64MB")
  // listen, http, cluster listen, three routes, store_dir.
  if (replaced !== 4 + SIZE)
    throw new Error(`deploy/cluster/node-${i + 1}.conf: expected 7 settings to substitute, found ${replaced}`)
  return conf
}

const accepts = async (port: number) => {
  const nc = await connect({ servers: `127.0.0.1:${port}`, reconnect: false, timeout: 1_000 })
  await nc.close()
}

class NodeExited extends Error {}

/** Attempts at a first start: ports are picked free and bound a moment later, so another process may take one. */
const START_ATTEMPTS = 3

/** A 3-node cluster on fresh ports; started again on other ports when a node cannot bind one of its own. */
export const startCluster = async (o: ClusterOptions = {}): Promise<TestCluster> => {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startClusterOnce(o)
    } catch (e) {
      if (!(e instanceof NodeExited) || attempt >= START_ATTEMPTS) throw e
    }
  }
}

const startClusterOnce = async (o: ClusterOptions): Promise<TestCluster> => {
  const bin = o.bin ?? natsServerBin()
  const dir = mkdtempSync(join(tmpdir(), "dagnats-test-cluster-"))
  const ports: Array<Ports> = []
  for (let i = 0; i < SIZE; i++)
    ports.push({ client: await freePort(), route: await freePort(), http: await freePort() })

  const nodes = ports.map((p, i): ClusterNode & { stop: () => Promise<void> } => {
    const conf = join(dir, `node-${i + 1}.conf`)
    writeFileSync(conf, clusterConfig(i, ports, join(dir, `store-${i + 1}`)))
    let child: ChildProcess | undefined
    const alive = () => child !== undefined && child.exitCode === null && child.signalCode === null
    const signal = (sig: NodeJS.Signals) =>
      new Promise<void>((resolve) => {
        const c = child
        if (c === undefined || !alive()) return resolve()
        c.once("exit", () => resolve())
        c.kill(sig)
      })
    return {
      name: `dagnats-${i + 1}`,
      url: `nats://127.0.0.1:${p.client}`,
      port: p.client,
      alive,
      kill: () => signal("SIGKILL"),
      stop: () => signal("SIGTERM"),
      start: async () => {
        if (alive()) return
        const c = spawn(bin, ["-c", conf], { stdio: "ignore" })
        child = c
        // A node that cannot bind one of its ports exits at once: say so instead of waiting out the deadline.
        let exited: string | undefined
        const onExit = (code: number | null, sig: NodeJS.Signals | null) => void (exited = String(code ?? sig))
        c.once("exit", onExit)
        try {
          await eventually(async () => (exited === undefined ? accepts(p.client) : undefined), 20_000, 100)
        } finally {
          c.off("exit", onExit)
        }
        if (exited !== undefined) throw new NodeExited(`dagnats-${i + 1} exited (${exited}) while starting`)
      },
    }
  })
  const byName = (name: string) => {
    const n = nodes.find((x) => x.name === name)
    if (n === undefined) throw new Error(`no cluster node named ${JSON.stringify(name)}`)
    return n
  }
  const monitor = async (i: number, path: string) => {
    const res = await fetch(`http://127.0.0.1:${ports[i]!.http}${path}`)
    if (!res.ok) throw new Error(`${nodes[i]!.name} ${path}: HTTP ${res.status}`)
    return (await res.json()) as Record<string, any>
  }
  const ready = (timeoutMs = 60_000) =>
    eventually(
      async () => {
        const live = nodes.map((n, i) => ({ n, i })).filter(({ n }) => n.alive())
        for (const { n, i } of live) {
          const routed = new Set(
            ((await monitor(i, "/routez")).routes ?? []).map((r: { remote_id: string }) => r.remote_id),
          )
          if (routed.size < live.length - 1)
            throw new Error(`${n.name} has ${routed.size} routes, wants ${live.length - 1}`)
          const meta = (await monitor(i, "/jsz")).meta_cluster as { leader?: string } | undefined
          if (meta?.leader === undefined || meta.leader === "")
            throw new Error(`${n.name} sees no JetStream meta leader`)
        }
      },
      timeoutMs,
      200,
    )
  /** A connection to the live nodes for one request, closed afterwards. */
  const withNats = async <T>(f: (nc: NatsConnection) => Promise<T>): Promise<T> => {
    const nc = await connect({
      servers: nodes.filter((n) => n.alive()).map((n) => n.url),
      reconnect: false,
      timeout: 2_000,
    })
    try {
      return await f(nc)
    } finally {
      await nc.close()
    }
  }
  /** The leader named by a stream or consumer info; throws while none is elected. */
  const leaderOf = (what: string, info: { cluster?: { leader?: string } }) => {
    const leader = info.cluster?.leader
    if (leader === undefined || leader === "") throw new Error(`${what} has no leader yet`)
    return byName(leader)
  }
  const streamLeader = (stream: string, timeoutMs = 30_000) =>
    eventually(
      () =>
        withNats(async (nc) =>
          leaderOf(`stream ${stream}`, await (await jetstreamManager(nc, { timeout: 5_000 })).streams.info(stream)),
        ),
      timeoutMs,
      200,
    )
  const consumerLeader = (stream: string, consumer: string, timeoutMs = 30_000) =>
    eventually(
      () =>
        withNats(async (nc) =>
          leaderOf(
            `consumer ${stream}/${consumer}`,
            await (await jetstreamManager(nc, { timeout: 5_000 })).consumers.info(stream, consumer),
          ),
        ),
      timeoutMs,
      200,
    )
  /** Ask the leader of `subject`'s group to step down in favour of `to` until `to` leads (JetStream API). */
  const moveTo = (
    what: string,
    subject: string,
    leader: () => Promise<ClusterNode>,
    to: ClusterNode,
    timeoutMs: number,
  ) =>
    eventually(
      async () => {
        if ((await leader()).name === to.name) return
        const body = JSON.stringify({ placement: { preferred: to.name } })
        await withNats((nc) => nc.request(subject, body, { timeout: 5_000 }))
        const now = (await leader()).name
        if (now !== to.name) throw new Error(`${what} is led by ${now}, not ${to.name}`)
      },
      timeoutMs,
      500,
    )
  const moveLeader = (stream: string, to: ClusterNode, timeoutMs = 30_000) =>
    moveTo(`stream ${stream}`, `$JS.API.STREAM.LEADER.STEPDOWN.${stream}`, () => streamLeader(stream), to, timeoutMs)
  const moveConsumerLeader = (stream: string, consumer: string, to: ClusterNode, timeoutMs = 30_000) =>
    moveTo(
      `consumer ${stream}/${consumer}`,
      `$JS.API.CONSUMER.LEADER.STEPDOWN.${stream}.${consumer}`,
      () => consumerLeader(stream, consumer),
      to,
      timeoutMs,
    )

  const cluster: TestCluster = {
    nodes,
    urls: nodes.map((n) => n.url).join(","),
    node: byName,
    ready,
    streamLeader,
    kvLeader: (bucket, timeoutMs) => streamLeader(`KV_${bucket}`, timeoutMs),
    moveLeader,
    consumerLeader,
    moveConsumerLeader,
    dispose: async () => {
      await Promise.all(nodes.map((n) => n.stop()))
      rmSync(dir, { recursive: true, force: true })
    },
  }
  try {
    await Promise.all(nodes.map((n) => n.start()))
    await ready()
  } catch (e) {
    await cluster.dispose()
    throw e
  }
  return cluster
}
