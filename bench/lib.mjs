// Shared by every benchmark script: a throwaway nats-server, child processes that announce
// readiness on a log line, machine facts, statistics, and appending a result table to
// BENCHMARKS.md. Benchmarks import dagnats from dist/ (run `make build` first).
import { spawn, execFileSync } from "node:child_process"
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { createConnection, createServer } from "node:net"
import { cpus, loadavg, tmpdir, totalmem } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"

export const ROOT = fileURLToPath(new URL("..", import.meta.url))
export const DAGNATS_BIN = join(ROOT, "bin", "dagnats")
export const BENCHMARKS_MD = join(ROOT, "BENCHMARKS.md")

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

export const freePort = () =>
  new Promise((resolve, reject) => {
    const s = createServer()
    s.once("error", reject)
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address()
      s.close(() => resolve(port))
    })
  })

const accepts = (port) =>
  new Promise((resolve) => {
    const s = createConnection({ port, host: "127.0.0.1" })
    s.once("connect", () => (s.destroy(), resolve(true)))
    s.once("error", () => resolve(false))
  })

/** Poll `check` until it returns truthy, or throw `what` after `timeoutMs`. */
export const until = async (check, what, timeoutMs = 20_000) => {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await check()) return
    await sleep(50)
  }
  throw new Error(`timed out waiting for ${what}`)
}

/** A nats-server with JetStream on a free port and a temporary store; `stop()` removes the store. */
export const startNats = async () => {
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), "dagnats-bench-nats-"))
  const conf = join(dir, "nats.conf")
  writeFileSync(
    conf,
    `listen: "127.0.0.1:${port}"\nmax_payload: 2MB\njetstream { store_dir: ${JSON.stringify(join(dir, "js"))} }\n`,
  )
  const child = spawn(process.env.DAGNATS_NATS_SERVER_BIN ?? "nats-server", ["-c", conf], { stdio: "ignore" })
  await until(() => accepts(port), "nats-server to accept connections")
  return {
    url: `nats://127.0.0.1:${port}`,
    pid: child.pid,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once("exit", r))
        child.kill("SIGTERM")
        await exited
      }
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** The newest nats-server `make setup` installed (clusters need 2.9.21 or newer), else `nats-server`. */
export const latestNatsServer = () => {
  const installed = join(ROOT, ".tools", "bin", "nats-server-2.15")
  return process.env.DAGNATS_NATS_SERVER_LATEST ?? (existsSync(installed) ? installed : "nats-server")
}

/**
 * A 3-node JetStream cluster on loopback (free ports, temporary stores); resolves once JetStream has
 * a meta leader. `urls[i]` is node i's client URL; `pids` for CPU readings; `stop()` removes it all.
 */
export const startCluster = async (bin = latestNatsServer()) => {
  const dir = mkdtempSync(join(tmpdir(), "dagnats-bench-cluster-"))
  const ports = []
  for (let i = 0; i < 3; i++) ports.push({ client: await freePort(), route: await freePort() })
  const routes = ports.map((p) => `nats-route://127.0.0.1:${p.route}`).join("\n    ")
  const children = ports.map((p, i) => {
    const conf = join(dir, `node-${i + 1}.conf`)
    writeFileSync(
      conf,
      `server_name: bench-${i + 1}\nlisten: "127.0.0.1:${p.client}"\nmax_payload: 2MB\n` +
        `jetstream { store_dir: ${JSON.stringify(join(dir, `js-${i + 1}`))} }\n` +
        `cluster { name: bench\n  listen: "127.0.0.1:${p.route}"\n  routes: [\n    ${routes}\n  ] }\n`,
    )
    return spawn(bin, ["-c", conf], { stdio: "ignore" })
  })
  const urls = ports.map((p) => `nats://127.0.0.1:${p.client}`)
  const stop = async () => {
    await Promise.all(
      children.map((c) =>
        c.exitCode !== null ? undefined : new Promise((r) => (c.once("exit", r), c.kill("SIGTERM"))),
      ),
    )
    rmSync(dir, { recursive: true, force: true })
  }
  for (const p of ports) await until(() => accepts(p.client), "cluster nodes to accept connections")
  const { connect } = await import("@nats-io/transport-node")
  const { jetstreamManager } = await import("@nats-io/jetstream")
  const nc = await connect({ servers: urls })
  try {
    await until(
      async () => {
        const jsm = await jetstreamManager(nc, { timeout: 2_000 }).catch(() => undefined)
        return (
          jsm !== undefined &&
          (await jsm.getAccountInfo().then(
            () => true,
            () => false,
          ))
        )
      },
      "a JetStream meta leader",
      30_000,
    )
  } finally {
    await nc.close()
  }
  return { urls, pids: children.map((c) => c.pid), stop }
}

/** Spawn `node args…` and wait until its output matches `ready`; `stop()` sends SIGTERM and waits. */
export const startChild = async (args, { env = {}, ready, name }) => {
  // No console: benches may run several serves at once, and a `make run` may hold its default port.
  const child = spawn(process.execPath, args, {
    env: { ...process.env, DAGNATS_CONSOLE_ADDR: "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  })
  let log = ""
  child.stdout.on("data", (d) => (log += d))
  child.stderr.on("data", (d) => (log += d))
  await until(() => {
    if (child.exitCode !== null) throw new Error(`${name} exited ${child.exitCode}:\n${log}`)
    return ready.test(log)
  }, `${name} to be ready`).catch((e) => {
    child.kill("SIGKILL")
    throw e
  })
  return {
    pid: child.pid,
    log: () => log,
    stop: async () => {
      if (child.exitCode !== null) return
      const exited = new Promise((r) => child.once("exit", r))
      child.kill("SIGTERM")
      await exited
    },
  }
}

/** Run bin/dagnats once; throws with its stderr when it fails. */
export const dagnats = (args, env = {}) =>
  execFileSync(process.execPath, [DAGNATS_BIN, ...args], { env: { ...process.env, ...env }, encoding: "utf8" })

/** Peak resident set size of a process in MB (VmHWM, Linux); undefined elsewhere. */
export const peakRssMb = (pid) => {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))
    return m === null ? undefined : Number(m[1]) / 1024
  } catch {
    return undefined
  }
}

export const median = (values) => {
  const s = [...values].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2
}

/** The nearest-rank p-th percentile (p in 0–100) of `values`. */
export const percentile = (values, p) => {
  const s = [...values].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]
}

/** What `bin --version` says, without its name: v2.9.10. */
export const natsVersion = (bin = process.env.DAGNATS_NATS_SERVER_BIN ?? "nats-server") => {
  try {
    return execFileSync(bin, ["--version"], { encoding: "utf8" })
      .trim()
      .replace(/^nats-server:\s*/, "")
  } catch {
    return "unknown"
  }
}

export const machineInfo = () => ({
  cores: cpus().length,
  cpu: cpus()[0]?.model.trim() ?? "unknown",
  memoryGb: Math.round(totalmem() / 2 ** 30),
  node: process.version,
  natsServer: natsVersion(),
  platform: `${process.platform} ${process.arch}`,
})

/** The 1-minute load average now: above 0 means other work shared the machine (results are noisier). */
export const loadNow = () => loadavg()[0].toFixed(2)

/** A Markdown table; every row has as many cells as `headers`. */
export const markdownTable = (headers, rows) =>
  [
    `| ${headers.join(" | ")} |`,
    `|${headers.map(() => "---").join("|")}|`,
    ...rows.map((r) => `| ${r.join(" | ")} |`),
  ].join("\n")

/**
 * Append one benchmark's result to BENCHMARKS.md under a dated heading with the machine it ran
 * on, so results from different days and machines can be compared (and never overwrite each other).
 */
export const appendResult = (title, body) => {
  const m = machineInfo()
  const date = new Date().toISOString().replace("T", " ").slice(0, 16) + " UTC"
  const section = [
    `## ${title}: ${date}`,
    "",
    `Machine: ${m.cores} cores (${m.cpu}), ${m.memoryGb} GB RAM, ${m.platform}; Node ${m.node}; nats-server ${m.natsServer}.`,
    "",
    body.trim(),
    "",
  ].join("\n")
  if (!existsSync(BENCHMARKS_MD)) {
    writeFileSync(
      BENCHMARKS_MD,
      "# Benchmarks\n\nResults appended by `make bench` (newest last). Each section names the machine it ran on.\n\n",
    )
  }
  appendFileSync(BENCHMARKS_MD, `${section}\n`)
}

/**
 * `dagnats serve` against `natsUrl` with a temporary data dir and a free HTTP port, stopped and removed
 * through `cleanups` (run in reverse order); `env` is added to serve's environment.
 */
export const startServe = async (natsUrl, cleanups, { env = {}, name = "dagnats serve", args = [] } = {}) => {
  const dataDir = mkdtempSync(join(tmpdir(), "dagnats-bench-data-"))
  cleanups.push(async () => rmSync(dataDir, { recursive: true, force: true }))
  const port = await freePort()
  const command = [DAGNATS_BIN, "serve", "--nats-url", natsUrl, "--http-addr", `127.0.0.1:${port}`, ...args]
  const serve = await startChild(command, {
    env: { DAGNATS_DATA_DIR: dataDir, ...env },
    ready: /dagnats serve ready/,
    name,
  })
  cleanups.push(serve.stop)
  return { ...serve, port, url: `http://127.0.0.1:${port}` }
}
