// The console inside serve, as a layer: its own node:http listener on --console-addr (never the
// webhook listener), answering through serve's NATS connection as one more client of the micro
// service. A taken address is a ListenError with the one line that says what to do; on scope close
// the live streams end and the listener closes before serve drains NATS.
import { createServer, type Server } from "node:http"
import { randomBytes } from "node:crypto"
import { Context, Effect, Layer } from "effect"
import { ServeConfig } from "../config/serve-config.js"
import { Nats } from "../nats/connection.js"
import { Boundary, listen, listeningUrl } from "../runtime/index.js"
import { makeMicro } from "./micro.js"
import { makeApi } from "./api.js"
import { makeLive } from "./live.js"
import { makeHandler } from "./http.js"

/** What the console tells serve: the line with its address, or nothing when it is disabled. */
export class Console extends Context.Service<Console, { readonly started: string | undefined }>()(
  "dagnats/console/Console",
) {}

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
    Effect.sync(() =>
      makeLive(nc, (ids) => boundary.exit(api.runStatuses(ids)).then((e) => (e._tag === "Success" ? e.value : []))),
    ),
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
  const at = {
    host: settings.host,
    port: settings.port,
    purpose: "the console",
    elsewhere: "choose another with --console-addr or DAGNATS_CONSOLE_ADDR (empty for no console)",
  }
  yield* Effect.acquireRelease(listen(server, at), () =>
    close(server).pipe(Effect.andThen(Effect.log("console listener closed"))),
  )
  return {
    started: `console listening on ${listeningUrl(server, settings.host, settings.port)}${settings.token !== undefined ? " (token required)" : ""}`,
  }
})

export const layer = Layer.effect(Console, make)
