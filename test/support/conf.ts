// The repository's own nats.conf, run as shipped: only the listen address, the monitoring port and the
// JetStream store are replaced, and the users' passwords come from the environment as the file documents.
import { spawn, type ChildProcess } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { connect, type NatsConnection } from "@nats-io/transport-node"
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from "@nats-io/jetstream"
import { runCli, runJson, type CliResult } from "./cli.js"
import { freePort } from "./ports.js"
import { natsServerBin } from "./tools.js"
import { eventually } from "./poll.js"
import { startServe, type ServeProcess } from "./serve.js"

export const SHIPPED_CONF = fileURLToPath(new URL("../../nats.conf", import.meta.url))

/** The users of the shipped configuration, with the passwords this harness gives them. */
export const Users = {
  dagnats: { user: "dagnats", password: "service-pw", env: "DAGNATS_SERVICE_PASSWORD" },
  cli: { user: "cli", password: "cli-pw", env: "DAGNATS_CLI_PASSWORD" },
  publisher: { user: "publisher", password: "publisher-pw", env: "DAGNATS_PUBLISHER_PASSWORD" },
  /** The DagNats engine's user: publishes run history and synchronous webhooks' answers. */
  engine: { user: "engine", password: "engine-pw", env: "DAGNATS_ENGINE_PASSWORD" },
} as const

export type UserName = keyof typeof Users

/** The shipped text with the host-specific lines replaced; fails loudly when a line it replaces is gone. */
export const renderShippedConf = (text: string, o: { port: number; httpPort: number; storeDir: string }): string => {
  const replace = (s: string, re: RegExp, by: string) => {
    if (!re.test(s)) throw new Error(`nats.conf: no line matching ${re} to replace`)
    return s.replace(re, by)
  }
  let out = replace(text, /^listen: .*$/m, `listen: "127.0.0.1:${o.port}"`)
  out = replace(out, /^http: .*$/m, `http: "127.0.0.1:${o.httpPort}"`)
  out = replace(out, /^(\s*)store_dir: .*$/m, `$1store_dir: ${JSON.stringify(o.storeDir)}`)
  return replace(out, /^(\s*)max_file_store: .*$/m, "$1max_file_store: 1GB")
}

export interface ShippedNatsServer {
  readonly url: string
  readonly port: number
  dispose(): Promise<void>
}

/** nats-server (DAGNATS_NATS_SERVER_BIN, default on PATH) running the repository's nats.conf. */
export const startShippedNatsServer = async (attempt = 1): Promise<ShippedNatsServer> => {
  const port = await freePort()
  const httpPort = await freePort()
  const dir = mkdtempSync(join(tmpdir(), "dagnats-test-conf-"))
  const conf = join(dir, "nats.conf")
  const text = readFileSync(SHIPPED_CONF, "utf8")
  writeFileSync(conf, renderShippedConf(text, { port, httpPort, storeDir: join(dir, "js") }))
  const env = { ...process.env }
  for (const u of Object.values(Users)) env[u.env] = u.password
  let log = ""
  const child: ChildProcess = spawn(natsServerBin(), ["-c", conf], {
    env,
    stdio: ["ignore", "pipe", "pipe"],
  })
  child.stdout!.on("data", (d: Buffer) => (log += d.toString()))
  child.stderr!.on("data", (d: Buffer) => (log += d.toString()))
  // Its own log, not a TCP connect: another test's server may hold a port this one failed to bind,
  // in which case it exits and is started again on other ports.
  const exited = await eventually(() => {
    if (child.exitCode !== null || child.signalCode !== null) return true
    if (!log.includes("Server is ready")) throw new Error(`nats-server on the shipped nats.conf is not ready:\n${log}`)
    return false
  }, 15_000)
  if (exited) {
    rmSync(dir, { recursive: true, force: true })
    if (attempt < 3 && /address already in use/.test(log)) return startShippedNatsServer(attempt + 1)
    throw new Error(`nats-server exited ${child.exitCode} on the shipped nats.conf:\n${log}`)
  }
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    dispose: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        await new Promise<void>((resolve) => {
          child.once("exit", () => resolve())
          child.kill("SIGTERM")
        })
      }
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** `dagnats` connection flags for one of the shipped users (the inbox prefix is derived from --user). */
export const cliAuth = (name: UserName): Array<string> => [
  "--user",
  Users[name].user,
  "--password",
  Users[name].password,
]

/** A nats.js connection as one of the shipped users, with that user's own inbox prefix. */
export const connectAs = (
  url: string,
  name: UserName,
  inboxPrefix = `_INBOX_${Users[name].user}`,
): Promise<NatsConnection> =>
  connect({ servers: url, user: Users[name].user, pass: Users[name].password, inboxPrefix, noAsyncTraces: true })

export interface ShippedStack {
  readonly nats: ShippedNatsServer
  readonly serve: ServeProcess
  /** serve's own view (user dagnats): what is really stored, whatever the other users were told. */
  readonly js: JetStreamClient
  readonly jsm: JetStreamManager
  readonly observer: NatsConnection
  /** `dagnats …` as the cli user. */
  cli(args: ReadonlyArray<string>): Promise<CliResult>
  cliJson<T = any>(args: ReadonlyArray<string>): Promise<T>
  close(): Promise<void>
}

/** The shipped nats.conf with serve running as `dagnats`, started the way the file's header says. */
export const startShippedStack = async (): Promise<ShippedStack> => {
  const nats = await startShippedNatsServer()
  const serve = await startServe({ natsUrl: nats.url, args: cliAuth("dagnats") }).catch(async (e: unknown) => {
    await nats.dispose()
    throw e
  })
  const observer = await connectAs(nats.url, "dagnats")
  const connection = ["--nats-url", nats.url, ...cliAuth("cli")]
  return {
    nats,
    serve,
    observer,
    js: jetstream(observer),
    jsm: await jetstreamManager(observer),
    cli: (args) => runCli([...args, ...connection]),
    cliJson: (args) => runJson([...args, ...connection]),
    close: async () => {
      await observer.close()
      await serve.stop()
      await nats.dispose()
    },
  }
}
