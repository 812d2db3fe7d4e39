// One e2e stack per test file: a nats-server, raw NATS access to it, optionally the engine's own
// streams and buckets, and `dagnats serve` against it, started before the file's tests and torn
// down after them, plus the CLI pointed at that server. Files that crash or restart serve per test
// use per-test.ts instead.
import { afterAll, beforeAll } from "vitest"
import { runCli, runJson, type CliResult } from "./cli.js"
import { createEngineResources } from "./engine-fixture.js"
import { startNatsServer, type TestNatsServer } from "./nats-server.js"
import { openRawNats, type RawNats } from "./raw-nats.js"
import { startServe, type ServeOptions, type ServeProcess } from "./serve.js"

export interface E2eStackOptions {
  /** Create the engine's streams and buckets before serve starts (serve then finds them). */
  readonly engine?: boolean
  /** Extra nats-server configuration. */
  readonly natsConfig?: string
  /** How serve is started; the NATS URL is always the stack's server. */
  readonly serve?: Omit<ServeOptions, "natsUrl">
}

export interface E2eStack {
  readonly nats: TestNatsServer
  readonly serve: ServeProcess
  readonly raw: RawNats
  /** The stack's NATS URL. */
  readonly url: string
  /** A CLI command with --json against the stack's server; throws unless it exits 0. */
  readonly cli: <T = any>(...args: Array<string>) => Promise<T>
  /** A CLI command against the stack's server, its exit code and output as they are. */
  readonly cliRaw: (...args: Array<string>) => Promise<CliResult>
}

/** Registers the file's beforeAll/afterAll; the returned stack is usable inside hooks and tests. */
export const e2eStack = (options: E2eStackOptions = {}): E2eStack => {
  let nats: TestNatsServer | undefined
  let serve: ServeProcess | undefined
  let raw: RawNats | undefined
  const started = <T>(part: T | undefined, name: string): T => {
    if (part === undefined) throw new Error(`e2eStack: ${name} is used before beforeAll started it`)
    return part
  }

  beforeAll(async () => {
    nats = await startNatsServer(options.natsConfig ?? "")
    raw = await openRawNats(nats.url)
    if (options.engine === true) await createEngineResources(raw.js, raw.jsm)
    serve = await startServe({ ...options.serve, natsUrl: nats.url })
  })

  // Reverse order of start; each part is optional because beforeAll may have failed half way.
  afterAll(async () => {
    await raw?.close()
    await serve?.stop()
    await nats?.dispose()
  })

  const stack: E2eStack = {
    get nats() {
      return started(nats, "nats")
    },
    get serve() {
      return started(serve, "serve")
    },
    get raw() {
      return started(raw, "raw")
    },
    get url() {
      return started(nats, "nats").url
    },
    cli: (...args) => runJson([...args, "--nats-url", stack.url]),
    cliRaw: (...args) => runCli([...args, "--nats-url", stack.url]),
  }
  return stack
}
