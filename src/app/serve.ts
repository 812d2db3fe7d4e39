// `dagnats serve`: the composition root, the one place layers are put together. Starts (or connects
// to) NATS, ensures resources, loads the trigger table, and runs the micro service, the HTTP listener
// and the evaluator until SIGINT or SIGTERM; then reports not ready at once, waits --shutdown-delay
// for load balancers to notice (by default none on the embedded server), and releases the layers in
// reverse: the micro service (bounded), the listener and the consumers (bounded), the NATS
// connection (a bounded drain), the embedded server.
// A watchdog ends the process with one line if any step hangs (a frozen NATS server), so a stop
// always finishes.
import { Context, Deferred, Effect, Exit, type Fiber, Layer, Logger, Scope } from "effect"
import { layer as natsAt, layerUrl, Nats } from "../nats/connection.js"
import * as Embedded from "../nats/embedded.js"
import * as BucketsLayer from "../nats/buckets.js"
import { connectionSettings, type ConnectionFlags, type Env } from "../config/settings.js"
import type { ServeSettings } from "../config/serve-settings.js"
import * as Config from "../config/serve-config.js"
import { Lifecycle, BoundaryLayer, LifecycleLayer } from "../runtime/index.js"
import { TriggerStoreLayer, TriggerTableLayer } from "../triggers/index.js"
import { RunStarterLayer } from "../runs/index.js"
import { MetricsRegistryLayer } from "../metrics/index.js"
import { MicroEndpoints } from "../micro/index.js"
import { MicroService, MicroServiceLayer } from "../service/index.js"
import { EvaluationLayer, Evaluator, EvaluatorLayer } from "../evaluator/index.js"
import { SourceReadersLayer } from "../sources/index.js"
import { Schedules, SchedulesLayer } from "../schedules/index.js"
import { TimerRoutes, TimersLayer, WindowsLayer } from "../windows/index.js"
import { Outcomes, OutcomesLayer } from "../outcomes/index.js"
import { SharedStreamsLayer } from "../engine/index.js"
import { driftCheckInterval } from "../config/drift-check.js"
import { Ingest, IngestLayer } from "../ingest/index.js"
import { ResponderLayer } from "../respond/index.js"
import { Console, layer as ConsoleLayer } from "../console/index.js"
import { UnsupportedServer, replicasRefusal } from "../domain/server-version.js"
import { tracingLayer } from "../telemetry/index.js"
import * as Endpoints from "./endpoints.js"
import { loggerFor } from "./log.js"
import { limitHeapGrowth } from "./heap.js"

/** Extra room in the NATS max payload beyond the webhook body: headers of the stored message. */
const HEADER_ALLOWANCE_BYTES = 64 * 1024
/**
 * From the end of the shutdown delay to a forced exit. The listener's grace (6 s), a bounded drain
 * (5 s) and the components' own stops fit well inside; 20 s keeps a stop under the 30 s that
 * supervisors (Kubernetes' default grace period) wait before SIGKILL when the delay is short.
 */
const SHUTDOWN_DEADLINE_MS = 20_000
/** How long the micro service and the ingest + evaluator components each may take to stop. */
const SERVICE_STOP_MS = 2_000
const COMPONENTS_STOP_MS = 9_000

/** Whether `fiber` ended within `ms`; it is left running (not interrupted) when it did not. */
const endsWithin = (fiber: Fiber.Fiber<unknown, unknown>, ms: number) =>
  Effect.callback<boolean>((resume) => {
    const timer = setTimeout(() => resume(Effect.succeed(false)), ms)
    timer.unref()
    fiber.addObserver(() => {
      clearTimeout(timer)
      resume(Effect.succeed(true))
    })
  })

/**
 * Build `layer` in a scope of its own whose release is bounded: a part that hangs (waiting on a
 * frozen NATS server) is left behind with a warning instead of holding up the rest of the stop.
 */
const boundedStop = <A, E, R>(what: string, ms: number, layer: Layer.Layer<A, E, R>): Layer.Layer<A, E, R> =>
  Layer.effectContext(
    Effect.gen(function* () {
      const own = yield* Scope.make()
      yield* Effect.addFinalizer(() =>
        Effect.gen(function* () {
          const closing = yield* Effect.forkDetach(Scope.close(own, Exit.void))
          if (!(yield* endsWithin(closing, ms))) {
            yield* Effect.logWarning(`${what} did not stop within ${ms / 1000}s; going on`)
          }
        }),
      )
      return yield* Layer.buildWithScope(layer, own)
    }),
  )

/** Exit 1 with one line if the stop has not finished by then; the timer does not keep serve alive. */
const armWatchdog = (ms: number) => {
  const timer = setTimeout(() => {
    const line = `shutdown did not finish within ${ms / 1000}s (is NATS answering?); exiting`
    process.stderr.write(`${new Date().toISOString()} ERROR ${line}\n`)
    process.exit(1)
  }, ms)
  timer.unref()
}

const awaitShutdownSignal = Effect.gen(function* () {
  const signalled = yield* Deferred.make<string>()
  const onSignal = (s: string) => () => Deferred.doneUnsafe(signalled, Effect.succeed(s))
  const handlers = { SIGINT: onSignal("SIGINT"), SIGTERM: onSignal("SIGTERM") }
  process.once("SIGINT", handlers.SIGINT)
  process.once("SIGTERM", handlers.SIGTERM)
  return yield* Deferred.await(signalled)
})

/** The trace exporters' warnings and where they send, before anything else talks to NATS. */
const tracingNotice = (settings: ServeSettings) =>
  Layer.effectDiscard(
    Effect.gen(function* () {
      const tracing = settings.tracing
      for (const w of tracing.warnings) yield* Effect.logWarning(w)
      if (tracing._tag !== "On") return
      if (tracing.otlp !== undefined) yield* Effect.log(`exporting traces over OTLP to ${tracing.otlp.url}`)
      if (tracing.console !== undefined) yield* Effect.log("printing traces on stdout (OTEL_TRACES_EXPORTER=console)")
    }),
  )

/** What serve checks of the server it connected to: its version with --replicas, its max payload. */
const serverChecks = (settings: ServeSettings) =>
  Layer.effectDiscard(
    Effect.gen(function* () {
      const { nc } = yield* Nats
      yield* Effect.log(`connected to NATS ${nc.getServer()} (server ${nc.info?.version ?? "?"})`)
      const refusal = replicasRefusal(nc.info?.version, settings.replicas)
      if (refusal !== undefined) return yield* new UnsupportedServer({ message: refusal })
      const maxPayload = nc.info?.max_payload ?? 0
      // Only a real gap is worth a line at every start: with max_payload equal to --max-body (both
      // 1 MiB by default) only bodies within a few hundred bytes of the limit are refused, with 413.
      if (maxPayload < settings.maxBodyBytes) {
        yield* Effect.logWarning(
          `NATS max_payload is ${maxPayload} bytes, less than --max-body ${settings.maxBodyBytes}: ` +
            "webhooks larger than max_payload minus their headers get 413; raise max_payload or lower --max-body",
        )
      }
    }),
  )

/**
 * serve's whole graph, read from the bottom up: each `provideMerge` builds its argument first, so the
 * parts start bottom to top and are released top to bottom (the micro service first, NATS last).
 */
const appLayer = (settings: ServeSettings, flags: ConnectionFlags, env: Env) => {
  const source =
    settings.natsUrl === undefined
      ? Embedded.layer({
          binary: settings.natsServerBin,
          port: settings.natsPort,
          dataDir: settings.dataDir,
          maxPayloadBytes: settings.maxBodyBytes + HEADER_ALLOWANCE_BYTES,
        })
      : layerUrl(settings.natsUrl)
  const connection = natsAt((url) => connectionSettings(flags, env, url, { name: "dagnats serve", reconnect: true }))
  const infra = RunStarterLayer.pipe(
    Layer.provideMerge(TriggerStoreLayer),
    Layer.provideMerge(TriggerTableLayer),
    // Changes other programs make to the shared streams: logged and counted, never undone.
    Layer.provideMerge(SharedStreamsLayer(driftCheckInterval(env))),
    Layer.provideMerge(MetricsRegistryLayer),
    Layer.provideMerge(BucketsLayer.layer),
    Layer.provideMerge(serverChecks(settings)),
    Layer.provideMerge(connection),
    Layer.provideMerge(tracingNotice(settings)),
    Layer.provideMerge(source),
    Layer.provideMerge(Layer.mergeAll(Config.layer(settings), BoundaryLayer, LifecycleLayer)),
  )
  // Schedules hand their timers to the window engine's timer worker (one consumer per work queue).
  // Triggers on the operator's own streams and buckets are evaluated beside those on EVENTS.
  const evaluating = Layer.merge(EvaluationLayer, SourceReadersLayer).pipe(
    Layer.provideMerge(TimersLayer),
    Layer.provideMerge(
      Layer.effect(
        TimerRoutes,
        Effect.map(Schedules, (s) => [s.route]),
      ),
    ),
    Layer.provideMerge(WindowsLayer),
    Layer.provideMerge(SchedulesLayer),
  )
  const evaluator = settings.evaluatorOff ? EvaluatorLayer : evaluating.pipe(Layer.provideMerge(EvaluatorLayer))
  const components = boundedStop(
    "the listener and the evaluator",
    COMPONENTS_STOP_MS,
    IngestLayer.pipe(
      Layer.provideMerge(ResponderLayer),
      Layer.provideMerge(OutcomesLayer),
      Layer.provideMerge(evaluator),
    ),
  )
  const endpoints = Layer.effect(
    MicroEndpoints,
    settings.evaluatorOff
      ? Endpoints.always
      : Effect.zipWith(Endpoints.always, Endpoints.replay, (a, b) => [...a, ...b]),
  )
  const service = boundedStop("the micro service", SERVICE_STOP_MS, MicroServiceLayer)
  // The console is one more client of the micro service: it starts after it and stops before it.
  return ConsoleLayer.pipe(
    Layer.provideMerge(service),
    Layer.provideMerge(endpoints),
    Layer.provideMerge(components),
    Layer.provideMerge(infra),
  )
}

/** serve's log and, when configured, the trace exporter; the exporter's own lines use that log too. */
const observability = (settings: ServeSettings) => {
  const logger = Logger.layer([loggerFor(settings.logFormat)])
  if (settings.tracing._tag === "Off") return logger
  return Layer.merge(logger, tracingLayer(settings.tracing).pipe(Layer.provide(logger)))
}

export const serve = (settings: ServeSettings, flags: ConnectionFlags, env: Env) =>
  Effect.scoped(
    Effect.gen(function* () {
      yield* Effect.sync(limitHeapGrowth)
      const app = yield* Layer.build(appLayer(settings, flags, env))
      yield* Effect.log(Context.get(app, MicroService).started)
      yield* Effect.log(Context.get(app, Evaluator).started)
      yield* Effect.log(Context.get(app, Outcomes).started)
      yield* Effect.log(Context.get(app, Ingest).started)
      const consoleLine = Context.get(app, Console).started
      if (consoleLine !== undefined) yield* Effect.log(consoleLine)
      yield* Effect.log(
        settings.role === "all" ? "dagnats serve ready" : `dagnats serve ready (--role ${settings.role})`,
      )
      const signal = yield* awaitShutdownSignal
      Context.get(app, Lifecycle).beginStopping()
      armWatchdog(settings.shutdownDelayMs + SHUTDOWN_DEADLINE_MS)
      if (settings.shutdownDelayMs > 0) {
        const delay = `${settings.shutdownDelayMs / 1000}s`
        yield* Effect.log(`${signal} received: stopping (/readyz answers 503; the listener closes in ${delay})`)
        // Requests keep being served meanwhile: a load balancer needs this time to stop sending them.
        yield* Effect.sleep(settings.shutdownDelayMs)
      } else {
        yield* Effect.log(`${signal} received: stopping (no shutdown delay)`)
      }
      yield* Effect.log("stopping: closing the listener, then draining NATS")
    }),
  ).pipe(Effect.provide(observability(settings)))
