// One e2e stack per test file (or, with `per: "test"`, per test): a nats-server, raw NATS access to
// it, optionally the engine's own streams and buckets, and one or more `dagnats serve` against it,
// started before the file's tests (or each test) and torn down after them, plus the CLI pointed at
// that server.
import { afterAll, afterEach, beforeAll, beforeEach } from "vitest"
import { runCli, runJson, type CliResult } from "./cli.js"
import { createEngineResources } from "./engine-fixture.js"
import { startNatsServer, type TestNatsServer } from "./nats-server.js"
import { openRawNats, type RawNats } from "./raw-nats.js"
import { startServe, type ServeOptions, type ServeProcess } from "./serve.js"
import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream"

/** What a file's raw NATS access must offer the stack: JetStream for the engine fixture, and close. */
export interface RawAccess {
  readonly js: JetStreamClient
  readonly jsm: JetStreamManager
  readonly close: () => Promise<void>
}

export interface E2eStackOptions<R extends RawAccess = RawNats> {
  /** How the file reads NATS as another program would; default: raw-nats.ts. */
  readonly openRaw?: (url: string) => Promise<R>
  /** Create the engine's streams and buckets before serve starts (serve then finds them). */
  readonly engine?: boolean
  /** Extra nats-server configuration. */
  readonly natsConfig?: string
  /**
   * How serve is started; the NATS URL is always the stack's server. A function is called when serve
   * starts, for options that depend on what an earlier beforeAll of the file started.
   */
  readonly serve?: Omit<ServeOptions, "natsUrl"> | (() => Omit<ServeOptions, "natsUrl">)
  /** How many serves to start against the server (default 1), for tests of several serves sharing work. */
  readonly serves?: number
  /**
   * "test": a fresh stack for every test, for tests that kill serve or must find the server empty
   * (default "file": one stack for the whole file).
   */
  readonly per?: "file" | "test"
}

export interface E2eStack<R extends RawAccess = RawNats> {
  readonly nats: TestNatsServer
  /** The serve started last. */
  readonly serve: ServeProcess
  /** Every serve started on the stack, in start order (killed ones included); all are stopped at the end. */
  readonly serves: ReadonlyArray<ServeProcess>
  readonly raw: R
  /** The stack's NATS URL. */
  readonly url: string
  /** A CLI command with --json against the stack's server; throws unless it exits 0. */
  readonly cli: <T = any>(...args: Array<string>) => Promise<T>
  /** A CLI command against the stack's server, its exit code and output as they are. */
  readonly cliRaw: (...args: Array<string>) => Promise<CliResult>
  /**
   * Start a new serve on the stack's server with the stack's serve options and make it the stack's
   * serve (for tests that stop or kill the first one); the teardown stops it.
   */
  readonly startServeAgain: () => Promise<ServeProcess>
}

/** Registers the file's beforeAll/afterAll; the returned stack is usable inside hooks and tests. */
export function e2eStack(options?: E2eStackOptions<RawNats>): E2eStack<RawNats>
export function e2eStack<R extends RawAccess>(
  options: E2eStackOptions<R> & { openRaw: (url: string) => Promise<R> },
): E2eStack<R>
export function e2eStack<R extends RawAccess>(options: E2eStackOptions<R> = {}): E2eStack<R> {
  const openRaw = options.openRaw ?? (openRawNats as unknown as (url: string) => Promise<R>)
  let nats: TestNatsServer | undefined
  const serves: Array<ServeProcess> = []
  let raw: R | undefined
  const serveOptions = () => (typeof options.serve === "function" ? options.serve() : options.serve)
  const started = <T>(part: T | undefined, name: string): T => {
    if (part === undefined) throw new Error(`e2eStack: ${name} is used before beforeAll started it`)
    return part
  }

  const perTest = options.per === "test"
  ;(perTest ? beforeEach : beforeAll)(async () => {
    nats = await startNatsServer(options.natsConfig ?? "")
    raw = await openRaw(nats.url)
    if (options.engine === true) await createEngineResources(raw.js, raw.jsm)
    for (let i = 0; i < (options.serves ?? 1); i++)
      serves.push(await startServe({ ...serveOptions(), natsUrl: nats.url }))
  })

  // Reverse order of start; each part is optional because the start may have failed half way.
  ;(perTest ? afterEach : afterAll)(async () => {
    await raw?.close()
    for (const s of serves.splice(0).reverse()) await s.stop()
    await nats?.dispose()
    raw = undefined
    nats = undefined
  })

  const stack: E2eStack<R> = {
    get nats() {
      return started(nats, "nats")
    },
    get serve() {
      return started(serves[serves.length - 1], "serve")
    },
    get serves() {
      return [...serves]
    },
    get raw() {
      return started(raw, "raw")
    },
    get url() {
      return started(nats, "nats").url
    },
    cli: (...args) => runJson([...args, "--nats-url", stack.url]),
    cliRaw: (...args) => runCli([...args, "--nats-url", stack.url]),
    startServeAgain: async () => {
      const serve = await startServe({ ...serveOptions(), natsUrl: stack.url })
      serves.push(serve)
      return serve
    },
  }
  return stack
}
