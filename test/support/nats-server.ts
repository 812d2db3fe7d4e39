// A real nats-server child process on a free port with a temporary JetStream store, per test file.
// stop/start keep the store, so tests can take NATS away and bring it back.
import { spawn, type ChildProcess } from "node:child_process"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { acceptsTcp, freePort } from "./ports.js"
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

export const startNatsServer = async (extraConfig = "", options: NatsServerOptions = {}): Promise<TestNatsServer> => {
  const bin = options.bin ?? natsServerBin()
  const port = await freePort()
  const storeDir = mkdtempSync(join(tmpdir(), "dagnats-test-nats-"))
  const conf = join(storeDir, "nats.conf")
  writeFileSync(
    conf,
    `listen: "127.0.0.1:${port}"\nmax_payload: 2MB\njetstream { store_dir: ${JSON.stringify(join(storeDir, "js"))}, max_memory_store: 64MB, max_file_store: 1GB }\n${extraConfig}\n`,
  )
  let child: ChildProcess | undefined
  const start = async () => {
    child = spawn(bin, ["-c", conf], { stdio: "ignore" })
    await eventually(() => acceptsTcp(port), 15_000)
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
