// `dagnats serve` as a child process, started and stopped the way an operator would.
import { spawn, type ChildProcess } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { DAGNATS_BIN } from "./cli.js"
import { sleep } from "./poll.js"

export interface ServeProcess {
  readonly child: ChildProcess
  readonly httpPort: number
  readonly baseUrl: string
  /** The console's port and URL; undefined when the console is disabled (`consoleAddr: ""`). */
  readonly consolePort: number | undefined
  readonly consoleUrl: string | undefined
  /** Everything serve logged so far. */
  log(): string
  /** SIGTERM and wait for exit; resolves with the exit code. */
  stop(): Promise<number | null>
  /** SIGKILL, as a crash would. */
  kill(): Promise<void>
  exited(): Promise<number | null>
}

export interface ServeOptions {
  readonly natsUrl?: string
  readonly args?: ReadonlyArray<string>
  readonly env?: Record<string, string | undefined>
  readonly httpPort?: number
  /** --console-addr; default 127.0.0.1:0, so test serves never contend for the default 8081. */
  readonly consoleAddr?: string
  /** Wait for this log line (regex) before returning; default: the service is up and HTTP listens. */
  readonly readyLine?: RegExp
  /** How long serve may take to get there; default 20 s (a cluster creating R3 streams under load needs more). */
  readonly readyTimeoutMs?: number
}

export const startServe = async (o: ServeOptions = {}): Promise<ServeProcess> => {
  // Port 0 unless a test needs a known one: serve binds a port no one else holds and logs it.
  const args = [
    DAGNATS_BIN,
    "serve",
    "--http-addr",
    `127.0.0.1:${o.httpPort ?? 0}`,
    "--console-addr",
    o.consoleAddr ?? "127.0.0.1:0",
    ...(o.natsUrl !== undefined ? ["--nats-url", o.natsUrl] : []),
    ...(o.args ?? []),
  ]
  const dataDir = mkdtempSync(join(tmpdir(), "dagnats-test-data-"))
  const child = spawn(process.execPath, args, {
    // No load balancer watches test serves: stop at once unless a test asks for the delay.
    // Test servers have 1 GB of file storage: DAGNATS_DELIVERIES reserves a small part of it.
    env: {
      ...process.env,
      DAGNATS_DATA_DIR: dataDir,
      DAGNATS_SHUTDOWN_DELAY: "0",
      DAGNATS_DELIVERIES_MAX_BYTES: "67108864",
      ...o.env,
    },
    stdio: ["pipe", "pipe", "pipe"],
  })
  let log = ""
  child.stdout!.on("data", (d: Buffer) => (log += d.toString()))
  child.stderr!.on("data", (d: Buffer) => (log += d.toString()))
  const exited = new Promise<number | null>((resolve) =>
    child.once("exit", (code) => {
      rmSync(dataDir, { recursive: true, force: true })
      resolve(code)
    }),
  )
  const ready = o.readyLine ?? /dagnats serve ready/
  // A serve that exits while starting fails at once instead of after the whole deadline.
  const readyMs = o.readyTimeoutMs ?? 20_000
  const deadline = Date.now() + readyMs
  while (!ready.test(log)) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`serve exited ${child.exitCode ?? child.signalCode} while starting:\n${log}`)
    if (Date.now() > deadline) {
      child.kill("SIGKILL")
      throw new Error(`serve not ready within ${readyMs / 1000}s:\n${log}`)
    }
    await sleep(50)
  }
  const listening = /HTTP listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(log)
  const httpPort = o.httpPort ?? Number(listening?.[1])
  if (!(httpPort > 0)) throw new Error(`serve is ready but did not log the port it listens on:\n${log}`)
  const consoleAt = /console listening on (http:\/\/[^\s]+?):(\d+)/.exec(log)
  const consolePort = consoleAt === null ? undefined : Number(consoleAt[2])
  return {
    child,
    httpPort,
    baseUrl: `http://127.0.0.1:${httpPort}`,
    consolePort,
    consoleUrl: consoleAt === null ? undefined : `${consoleAt[1]}:${consoleAt[2]}`,
    log: () => log,
    stop: async () => {
      if (child.exitCode === null) child.kill("SIGTERM")
      return exited
    },
    kill: async () => {
      if (child.exitCode === null) child.kill("SIGKILL")
      await exited
    },
    exited: () => exited,
  }
}
