// A real nats-server child process on a port of its own choosing with a temporary JetStream store, per test file.
// stop/start keep the store, so tests can take NATS away and bring it back.
import { spawn, type ChildProcess } from "node:child_process"
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { eventually } from "./poll.js"
import { natsServerBin } from "./tools.js"

export interface TestNatsServer {
  readonly url: string
  readonly port: number
  readonly storeDir: string
  stop(): Promise<void>
  start(): Promise<void>
  /** Stop the server and delete its store. */
  dispose(): Promise<void>
}

export interface NatsServerOptions {
  /** The nats-server binary; default: the one this run of the suite is on (DAGNATS_NATS_SERVER_BIN). */
  readonly bin?: string
}

/**
 * The client port nats-server `pid` wrote to its ports file in `dir` (`{binary}_{pid}.ports`), once
 * it is listening; undefined until then.
 */
const listeningPort = (dir: string, pid: number): number | undefined => {
  const file = readdirSync(dir).find((f) => f.endsWith(`_${pid}.ports`))
  if (file === undefined) return undefined
  try {
    const urls = (JSON.parse(readFileSync(join(dir, file), "utf8")) as { nats?: Array<string> }).nats ?? []
    const port = Number(new URL(urls[0] ?? "").port)
    return port > 0 ? port : undefined
  } catch {
    return undefined // written but not complete yet
  }
}

export const startNatsServer = async (extraConfig = "", options: NatsServerOptions = {}): Promise<TestNatsServer> => {
  const bin = options.bin ?? natsServerBin()
  const storeDir = mkdtempSync(join(tmpdir(), "dagnats-test-nats-"))
  const conf = join(storeDir, "nats.conf")
  // The first start lets the server choose its port (-1) and report it in its ports file: a port
  // chosen here and bound later can be taken meanwhile by another test's server, which the test
  // would then talk to without knowing. Restarts bind the port the first start got.
  const writeConf = (port: number) =>
    writeFileSync(
      conf,
      [
        `listen: "127.0.0.1:${port}"`,
        `ports_file_dir: ${JSON.stringify(storeDir)}`,
        "max_payload: 2MB",
        // A limit, not an allocation: DAGNATS_DELIVERIES reserves 1 GiB of it by default.
        `jetstream { store_dir: ${JSON.stringify(join(storeDir, "js"))}, max_memory_store: 64MB, max_file_store: 4GB }`,
        extraConfig,
        "",
      ].join("\n"),
    )
  let port = -1
  let child: ChildProcess | undefined
  const start = async () => {
    writeConf(port)
    const c = spawn(bin, ["-c", conf], { stdio: "ignore" })
    child = c
    const listening = await eventually(() => {
      if (c.exitCode !== null || c.signalCode !== null) return null
      const p = listeningPort(storeDir, c.pid!)
      if (p === undefined) throw new Error(`nats-server ${c.pid} is not listening yet`)
      return p
    }, 15_000)
    if (listening === null) throw new Error(`nats-server exited while starting (port ${port}): ${conf}`)
    port = listening
  }
  const stop = () =>
    new Promise<void>((resolve) => {
      const c = child
      if (c === undefined || c.exitCode !== null || c.signalCode !== null) return resolve()
      c.once("exit", () => resolve())
      c.kill("SIGTERM")
    })
  await start()
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    storeDir,
    stop,
    start,
    dispose: async () => {
      await stop()
      rmSync(storeDir, { recursive: true, force: true })
    },
  }
}
