// The embedded nats-server of `dagnats serve` when no NATS URL is given: a child process
// with JetStream, bound to 127.0.0.1, storing under the data dir, stopped when serve stops. Its layer
// provides `NatsUrl`, which serve's connection follows.
import { spawn, type ChildProcess } from "node:child_process"
import { mkdirSync, writeFileSync } from "node:fs"
import { createConnection, createServer } from "node:net"
import { join } from "node:path"
import { Effect, Layer, Schema } from "effect"
import { NatsUrl } from "./connection.js"

/** serve cannot start the embedded server; `message` is the one line that says what to do. */
class EmbeddedNatsError extends Schema.TaggedError<EmbeddedNatsError>()("EmbeddedNatsError", {
  message: Schema.String,
}) {}

export interface EmbeddedOptions {
  readonly binary: string
  readonly port: number
  readonly dataDir: string
  /** Large enough for the biggest webhook body plus headers. */
  readonly maxPayloadBytes: number
}

/** How long nats-server may take to accept connections (JetStream recovers its store first). */
const READY_TIMEOUT_MS = 20_000

const portIsFree = (port: number) =>
  new Promise<boolean>((resolve) => {
    const probe = createServer()
    probe.once("error", () => resolve(false))
    probe.listen(port, "127.0.0.1", () => probe.close(() => resolve(true)))
  })

const accepts = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = createConnection({ port, host: "127.0.0.1" })
    socket.once("connect", () => {
      socket.destroy()
      resolve(true)
    })
    socket.once("error", () => resolve(false))
  })

// The shell wrapper stops nats-server when serve's stdin pipe closes, so a serve that is killed
// (SIGKILL, OOM) never leaves an orphan holding the port and the store.
const WRAPPER = `exec 3<&0
"$0" -c "$1" </dev/null &
pid=$!
trap 'kill -TERM $pid 2>/dev/null' TERM INT
( cat <&3 >/dev/null; kill -TERM $pid 2>/dev/null ) &
wait $pid
wait $pid
`

const writeConfig = (o: EmbeddedOptions): string => {
  const storeDir = join(o.dataDir, "nats")
  mkdirSync(storeDir, { recursive: true })
  const file = join(o.dataDir, "nats-server.conf")
  writeFileSync(
    file,
    [
      "# Written by dagnats serve for its embedded server; regenerated at every start.",
      `listen: "127.0.0.1:${o.port}"`,
      `server_name: "dagnats-embedded"`,
      `max_payload: ${o.maxPayloadBytes}`,
      `jetstream { store_dir: ${JSON.stringify(storeDir)} }`,
      "",
    ].join("\n"),
  )
  return file
}

const stop = (child: ChildProcess) =>
  Effect.promise(
    () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve()
        const force = setTimeout(() => child.kill("SIGKILL"), 10_000)
        child.once("exit", () => {
          clearTimeout(force)
          resolve()
        })
        child.kill("SIGTERM")
      }),
  )

/** Start nats-server for the lifetime of the scope; returns its URL once it accepts connections. */
const startEmbedded = (o: EmbeddedOptions) =>
  Effect.gen(function* () {
    if (!(yield* Effect.promise(() => portIsFree(o.port)))) {
      return yield* new EmbeddedNatsError({
        message: `port ${o.port} is already in use: stop what listens there, pick another with --nats-port, or use that server with --nats-url nats://127.0.0.1:${o.port}`,
      })
    }
    const config = yield* Effect.try({
      try: () => writeConfig(o),
      catch: (e) =>
        new EmbeddedNatsError({
          message: `cannot write to data dir ${o.dataDir}: ${String(e)}; choose another with --data-dir`,
        }),
    })
    // A process group of its own: Ctrl-C in a terminal signals the whole foreground group, and the
    // server must outlive serve's drain; serve stops it last, and the wrapper if serve dies.
    const child = yield* Effect.acquireRelease(
      Effect.sync(() =>
        spawn("/bin/sh", ["-c", WRAPPER, o.binary, config], { stdio: ["pipe", "ignore", "pipe"], detached: true }),
      ),
      stop,
    )
    let stderr = ""
    child.stderr?.on("data", (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4096)
    })
    const deadline = Date.now() + READY_TIMEOUT_MS
    while (true) {
      if (child.exitCode !== null) {
        const missing = child.exitCode === 127 || /not found/.test(stderr)
        const lastLine = stderr.trim().split("\n").pop() ?? ""
        return yield* new EmbeddedNatsError({
          message: missing
            ? `nats-server not found (${o.binary}): install it (apt-get install -y nats-server, or run make setup), set DAGNATS_NATS_SERVER_BIN, or use --nats-url`
            : `embedded nats-server exited (code ${child.exitCode}): ${lastLine}`,
        })
      }
      if (yield* Effect.promise(() => accepts(o.port))) break
      if (Date.now() > deadline) {
        return yield* new EmbeddedNatsError({
          message: `embedded nats-server did not accept connections within ${READY_TIMEOUT_MS / 1000}s`,
        })
      }
      yield* Effect.sleep("50 millis")
    }
    return { url: `nats://127.0.0.1:${o.port}` }
  })

/** The embedded server as the source of serve's `NatsUrl`; stopped when the layer's scope closes. */
export const layer = (o: EmbeddedOptions) =>
  Layer.effect(
    NatsUrl,
    startEmbedded(o).pipe(
      Effect.tap(({ url }) => Effect.log(`embedded nats-server started on ${url} (data ${o.dataDir})`)),
    ),
  )
