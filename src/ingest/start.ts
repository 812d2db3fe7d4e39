// The HTTP ingest inside serve: wires the pipeline to the trigger table, JetStream and metrics,
// listens on --http-addr, and on scope close stops accepting, lets in-flight requests finish
// (bounded), then closes every connection, before serve drains NATS.
import type { Server } from "node:http"
import { Effect, type Scope } from "effect"
import type { Component, ServeContext } from "../app-context/index.js"
import { Metrics, Catalog } from "../metrics/index.js"
import { followConnection } from "./connection.js"
import { makePipeline } from "./pipeline.js"
import { makePublish } from "./publish.js"
import { makeJetStreamPublisher } from "./jetstream-publisher.js"
import { createIngestServer } from "./server.js"
import { Streams } from "../protocol/names.js"
import { toUnavailable } from "../nats/conditions.js"
import { tracePublish, traceRequest } from "./tracing.js"

/** A webhook waits at most 5 s for JetStream before it is answered 503, so senders retry in time. */
const ACK_TIMEOUT_MS = 5_000
/** The 5 s acknowledgement budget plus a second to write the answers; then connections are cut. */
const SHUTDOWN_GRACE_MS = 6_000

/**
 * Listen, or die with one line saying what to do: a Component cannot fail, and a defect carrying
 * a plain message (no stack) is printed by the CLI as that one line before serve exits non-zero.
 */
const listen = (server: Server, host: string, port: number): Effect.Effect<void> =>
  Effect.callback<void>((resume) => {
    const onError = (e: NodeJS.ErrnoException) =>
      resume(
        Effect.die(
          e.code === "EADDRINUSE"
            ? `cannot listen on ${host}:${port}: the address is in use; choose another with --http-addr or DAGNATS_HTTP_ADDR`
            : `cannot listen on ${host}:${port}: ${e.message}`,
        ),
      )
    server.once("error", onError)
    server.listen(port, host, () => {
      server.off("error", onError)
      resume(Effect.void)
    })
  })

const close = (server: Server, beginShutdown: () => void): Effect.Effect<void> =>
  Effect.callback<void>((resume) => {
    beginShutdown()
    const cutOff = setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS)
    server.close(() => {
      clearTimeout(cutOff)
      resume(Effect.void)
    })
    server.closeIdleConnections()
  })

export const startIngest = (ctx: ServeContext): Effect.Effect<Component, never, Scope.Scope> =>
  Effect.gen(function* () {
    const { settings, handles, table } = ctx
    Metrics.enableProcessMetrics()
    Catalog.declareAll()
    const counted = Catalog.webhookRequests()
    const durations = Catalog.webhookRequestSeconds()
    type ByStatus = { readonly count: { inc: () => void }; readonly seconds: { observe: (s: number) => void } }
    const byStatus = new Map<number, ByStatus>()
    const countWebhook = (status: number, seconds: number) => {
      let child = byStatus.get(status)
      if (child === undefined) {
        child = { count: counted.labels(String(status)), seconds: durations.labels(String(status)) }
        byStatus.set(status, child)
      }
      child.count.inc()
      child.seconds.observe(seconds)
    }
    const latency = Catalog.publishSeconds()
    const connectedGauge = Catalog.natsConnected()
    // Requests and callbacks run in serve's own runtime: its logger, its log level.
    const runtime = yield* Effect.context<never>()
    const log = (effect: Effect.Effect<void>) => void Effect.runForkWith(runtime)(effect)
    const publisher = yield* makeJetStreamPublisher(handles.nc, ACK_TIMEOUT_MS)
    const connection = yield* followConnection(handles.nc, (up, initial) => {
      connectedGauge.set(up ? 1 : 0)
      if (!up) publisher.failPending("NATS disconnected before JetStream acknowledged")
      if (!initial)
        log(
          up
            ? Effect.log("NATS connection is back: accepting webhooks")
            : Effect.logWarning("NATS disconnected: webhooks get 503 until it is back"),
        )
    })

    for (const w of settings.httpTimeoutWarnings) yield* Effect.logWarning(w)
    if (settings.webhookSecret === undefined) {
      for (const t of table.all()) {
        if (t.type === "webhook" && t.verify !== false && (t.secrets ?? []).length === 0) {
          yield* Effect.logWarning(
            `webhook trigger ${t.name} verifies signatures but has no secret and DAGNATS_WEBHOOK_SECRET is not set: every request gets 401 no_secret_configured; set one with \`dagnats trigger update ${t.name} --secret …\``,
          ).pipe(Effect.annotateLogs({ trigger: t.name }))
        }
      }
    }

    const traced = settings.tracing._tag === "On"
    const publish = makePublish(publisher, connection, (s) => latency.observe(s))
    const pipeline = makePipeline({
      trigger: table.get,
      defaultSecret: settings.webhookSecret,
      maxBodyBytes: settings.maxBodyBytes,
      publish: traced ? tracePublish(publish) : publish,
      storedSubject: (seq) =>
        Effect.tryPromise({
          try: async () => (await handles.jsm.streams.getMessage(Streams.events, { seq }))?.subject,
          catch: toUnavailable,
        }),
      nowMs: Date.now,
      logUnauthorized: settings.debug,
      traced,
    })
    const runWith = Effect.runCallbackWith(runtime)
    const { server, beginShutdown } = createIngestServer({
      pipeline: traced ? traceRequest(pipeline) : pipeline,
      run: (effect, onExit) => void runWith(effect, { onExit }),
      maxBodyBytes: settings.maxBodyBytes,
      timeouts: settings.httpTimeouts,
      readiness: () => ({ nats: connection.connected(), triggers: table.ready(), stopping: ctx.stopping() }),
      metrics: Metrics.render,
      countWebhook,
      onDefect: (message) => log(Effect.logError(message)),
    })
    yield* Effect.acquireRelease(listen(server, settings.httpHost, settings.httpPort), () =>
      close(server, beginShutdown).pipe(Effect.andThen(Effect.log("HTTP listener closed"))),
    )
    const address = server.address()
    const port = typeof address === "object" && address !== null ? address.port : settings.httpPort
    const host = settings.httpHost.includes(":") ? `[${settings.httpHost}]` : settings.httpHost
    return { endpoints: [], started: [`HTTP listening on http://${host}:${port}`] }
  })
