// The HTTP ingest inside serve, as a layer: wires the pipeline to the trigger table, JetStream and
// metrics, listens on --http-addr (a taken address is a typed ListenError), and on scope close stops
// accepting, lets in-flight requests finish (bounded), then closes every connection, before serve
// drains NATS.
import { makeAnswerLog, type AnswerLine } from "./answer-log.js"
import type { Server } from "node:http"
import { Context, Effect, Layer } from "effect"
import {
  deliveriesRecordFailures,
  deliveriesSuppressed,
  MetricsRegistry,
  natsConnected,
  publishSeconds,
  webhookRequests,
  webhookRequestSeconds,
} from "../metrics/index.js"
import { ServeConfig } from "../config/serve-config.js"
import { Nats } from "../nats/connection.js"
import { TriggerTable } from "../triggers/index.js"
import { Boundary, Lifecycle, listen, listeningUrl } from "../runtime/index.js"
import { followConnection } from "./connection.js"
import { makePipeline } from "./pipeline.js"
import { withTableCaughtUp } from "./catch-up.js"
import { makePublish } from "./publish.js"
import { createIngestServer } from "./server.js"
import { Streams } from "../protocol/names.js"
import { toUnavailable } from "../nats/conditions.js"
import { tracePublish, traceRequest } from "./tracing.js"
import { makeRecorder } from "../deliveries/index.js"
import { Responder } from "../respond/index.js"
import { jsonHeaders } from "../nats/publish-json.js"

/** The 5 s acknowledgement budget plus a second to write the answers; then connections are cut. */
const SHUTDOWN_GRACE_MS = 6_000

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

/** What the listener tells serve: the line with the address it listens on. */
export class Ingest extends Context.Service<Ingest, { readonly started: string }>()("dagnats/ingest/Ingest") {}

export const make = Effect.gen(function* () {
  const settings = yield* ServeConfig
  const handles = yield* Nats
  const table = yield* TriggerTable
  const boundary = yield* Boundary
  const lifecycle = yield* Lifecycle
  const metrics = yield* MetricsRegistry
  const counted = webhookRequests()
  const durations = webhookRequestSeconds()
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
  const latency = publishSeconds()
  const connectedGauge = natsConnected()
  // Requests and callbacks run through serve's boundary: its logger, its log level.
  const log = (effect: Effect.Effect<void>) => void boundary.fork(effect)
  const publisher = handles.publisher
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
  if (settings.webhookSecret === undefined && !settings.webhooksOff) {
    for (const t of table.all()) {
      if (t.type === "webhook" && t.verify !== false && (t.secrets ?? []).length === 0) {
        yield* Effect.logWarning(
          `webhook trigger ${t.name} verifies signatures but has no secret and DAGNATS_WEBHOOK_SECRET is not set: every request gets 401 no_secret_configured; set one with \`dagnats trigger update ${t.name} --secret …\``,
        ).pipe(Effect.annotateLogs({ trigger: t.name }))
      }
    }
  }

  // Delivery records share the webhook publisher (its one reply subscription and timer, and its
  // one socket write per event-loop turn); each is written after its answer, never before it.
  const suppressed = deliveriesSuppressed()
  const recordFailures = deliveriesRecordFailures()
  const recorder = makeRecorder({
    publish: (subject, data) => {
      if (!connection.connected()) return Promise.reject(new Error("NATS is disconnected"))
      return publisher.publish(subject, data, jsonHeaders())
    },
    send: (subject, data) => {
      if (!connection.connected()) throw new Error("NATS is disconnected")
      publisher.send(subject, data, jsonHeaders())
    },
    nowMs: Date.now,
    countSuppressed: (n) => suppressed.inc(n),
    countFailures: (n) => recordFailures.inc(n),
    logFailure: (message) => log(Effect.logWarning(message)),
  })
  yield* Effect.addFinalizer(() => Effect.sync(recorder.close))
  const answerLog = makeAnswerLog()
  const writeLines = (lines: ReadonlyArray<AnswerLine>) => {
    for (const l of lines) log(Effect.log(l.message).pipe(Effect.annotateLogs(l.fields)))
  }
  // A second over the limit gets its summary even when no request follows it.
  const answerTicks = setInterval(() => writeLines(answerLog.tick(Date.now())), 1_000)
  answerTicks.unref()
  yield* Effect.addFinalizer(() => Effect.sync(() => clearInterval(answerTicks)))

  const responder = yield* Responder
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
    respond: responder.wait,
  })
  const caughtUp = withTableCaughtUp(table, pipeline)
  const { server, beginShutdown } = createIngestServer({
    pipeline: traced ? traceRequest(caughtUp) : caughtUp,
    run: boundary.callback,
    maxBodyBytes: settings.maxBodyBytes,
    webhooks: !settings.webhooksOff,
    timeouts: settings.httpTimeouts,
    readiness: () => ({ nats: connection.connected(), triggers: table.ready(), stopping: lifecycle.stopping() }),
    metrics: metrics.render,
    countWebhook,
    onDefect: (message) => log(Effect.logError(message)),
    newDeliveryId: recorder.newId,
    answered: (a) => {
      if (settings.deliveries.record) recorder.record(a)
      writeLines(answerLog.answered(a, Date.now()))
    },
  })
  const at = {
    host: settings.httpHost,
    port: settings.httpPort,
    elsewhere: "choose another with --http-addr or DAGNATS_HTTP_ADDR",
  }
  yield* Effect.acquireRelease(listen(server, at), () =>
    close(server, () => {
      beginShutdown()
      // Requests waiting for their run are answered 503 now, so the listener can close in time.
      responder.shutdown()
    }).pipe(Effect.andThen(Effect.log("HTTP listener closed"))),
  )
  const url = listeningUrl(server, settings.httpHost, settings.httpPort)
  const what = settings.webhooksOff ? " (--role evaluate: /healthz, /readyz and /metrics only, no webhooks)" : ""
  return { started: `HTTP listening on ${url}${what}` }
})

export const layer = Layer.effect(Ingest, make)
