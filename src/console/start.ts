// The console inside serve, as a layer: its own node:http listener on --console-addr (never the
// webhook listener), answering through serve's NATS connection as one more client of the micro
// service. A taken address is a ListenError with the one line that says what to do; on scope close
// the live streams end and the listener closes before serve drains NATS.
import { createServer, type Server } from "node:http"
import { randomBytes } from "node:crypto"
import { Context, Effect, Layer, Schema } from "effect"
import { ServeConfig } from "../config/serve-config.js"
import type { ConsoleSettings } from "../config/console-settings.js"
import { Nats } from "../nats/connection.js"
import { Boundary } from "../runtime/index.js"
import { makeMicro } from "./micro.js"
import { makeApi } from "./api.js"
import { makeLive } from "./live.js"
import { makeHandler } from "./http.js"

/** The console could not listen; `message` is the one line that says what to do. */
export class ListenError extends Schema.TaggedError<ListenError>()("ListenError", { message: Schema.String }) {}

/** What the console tells serve: the line with its address, or nothing when it is disabled. */
export class Console extends Context.Service<Console, { readonly started: string | undefined }>()(
  "dagnats/console/Console",
) {}

const listen = (server: Server, s: ConsoleSettings): Effect.Effect<void, ListenError> =>
  Effect.callback<void, ListenError>((resume) => {
    const onError = (e: NodeJS.ErrnoException) =>
      resume(
        Effect.fail(
          new ListenError({
            message:
              e.code === "EADDRINUSE"
                ? `cannot listen on ${s.host}:${s.port} for the console: the address is in use; ` +
                  "choose another with --console-addr or DAGNATS_CONSOLE_ADDR (empty for no console)"
                : `cannot listen on ${s.host}:${s.port} for the console: ${e.message}`,
          }),
        ),
      )
    server.once("error", onError)
    server.listen(s.port, s.host, () => {
      server.off("error", onError)
      resume(Effect.void)
    })
  })

const close = (server: Server) =>
  Effect.callback<void>((resume) => {
    server.close(() => resume(Effect.void))
    server.closeAllConnections()
  })

export const make = Effect.gen(function* () {
  const settings = (yield* ServeConfig).console
  if (settings === undefined) return { started: undefined }
  const { nc } = yield* Nats
  const boundary = yield* Boundary
  const api = makeApi(makeMicro(nc), () => ({
    server: nc.getServer(),
    version: nc.info?.version ?? "?",
    connected: !nc.isClosed(),
  }))
  const live = yield* Effect.acquireRelease(
    Effect.sync(() => makeLive(nc)),
    (l) => Effect.sync(l.close),
  )
  const handle = makeHandler({
    api,
    live,
    token: settings.token,
    secret: randomBytes(32),
    run: boundary.exit,
    onDefect: (message) => boundary.fork(Effect.logError(message)),
  })
  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      boundary.fork(Effect.logError(`console: ${e instanceof Error ? e.message : String(e)}`))
      if (!res.headersSent) res.writeHead(500).end()
    })
  })
  yield* Effect.acquireRelease(listen(server, settings), () =>
    close(server).pipe(Effect.andThen(Effect.log("console listener closed"))),
  )
  const address = server.address()
  const port = typeof address === "object" && address !== null ? address.port : settings.port
  const host = settings.host.includes(":") ? `[${settings.host}]` : settings.host
  return {
    started: `console listening on http://${host}:${port}${settings.token !== undefined ? " (token required)" : ""}`,
  }
})

export const layer = Layer.effect(Console, make)
