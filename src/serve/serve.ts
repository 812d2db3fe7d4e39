// `dagnats serve`: the composition root. Starts (or connects to) NATS, ensures resources, loads the
// trigger table, and runs the micro service, the HTTP listener and the evaluator until SIGINT or
// SIGTERM; then reports not ready at once, waits --shutdown-delay for load balancers to notice,
// stops taking requests, drains NATS (bounded) and stops the embedded server, in that order. A
// watchdog ends the process with one line if any step hangs (a frozen NATS server), so a stop
// always finishes.
import { Deferred, Effect, Exit, Scope } from "effect"
import { openConnection } from "../nats/connection.js"
import { startEmbedded } from "../nats/embedded.js"
import { ensureResources } from "../nats/resources.js"
import { connectionSettings, type ConnectionFlags, type Env } from "../config/settings.js"
import type { ServeSettings } from "../config/serve-settings.js"
import { TriggerStore, TriggerTable } from "../triggers/index.js"
import { startService, triggerEndpoints } from "../service/index.js"
import { VERSION } from "../version.js"
import { Buckets, Streams } from "../protocol/names.js"
import { openWindowCounts } from "../windows/index.js"
import { extensions } from "./extensions.js"
import type { ServeLog } from "../app-context/index.js"
import { WorkflowDefs } from "../engine/index.js"
import { UnsupportedServer, replicasRefusal } from "../domain/server-version.js"

/** Extra room in the NATS max payload beyond the webhook body: headers of the stored message. */
const HEADER_ALLOWANCE_BYTES = 64 * 1024
/** How long draining NATS may take before the connection is closed instead (unacked work is redelivered). */
const DRAIN_TIMEOUT_MS = 5_000
/**
 * From the end of the shutdown delay to a forced exit. The listener's grace (6 s), a bounded drain
 * (5 s) and the components' own stops fit well inside; 20 s keeps a stop under the 30 s that
 * supervisors (Kubernetes' default grace period) wait before SIGKILL when the delay is short.
 */
const SHUTDOWN_DEADLINE_MS = 20_000

/** `promise`, or `undefined` after `ms`: a step of the stop that must not wait forever. */
const within = <A>(ms: number, promise: Promise<A>): Promise<A | undefined> =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(() => resolve(undefined), ms)
    timer.unref()
    promise.then(
      (a) => {
        clearTimeout(timer)
        resolve(a)
      },
      (e: unknown) => {
        clearTimeout(timer)
        reject(e)
      },
    )
  })

/** How long the micro service and the ingest + evaluator components each may take to stop. */
const SERVICE_STOP_MS = 2_000
const COMPONENTS_STOP_MS = 9_000

/**
 * Acquire a component in a scope of its own whose stop is bounded: a part that hangs (waiting on a
 * frozen NATS server) is left behind with a warning instead of holding up the rest of the stop.
 */
const withBoundedStop = <A, E>(what: string, ms: number, acquire: Effect.Effect<A, E, Scope.Scope>) =>
  Effect.gen(function* () {
    const runtime = yield* Effect.context<never>()
    const own = yield* Scope.make()
    const closeOwn = () => Effect.runPromiseWith(runtime)(Scope.close(own, Exit.void)).then(() => true)
    yield* Effect.addFinalizer(() =>
      Effect.promise(() => within(ms, closeOwn())).pipe(
        Effect.flatMap((done) =>
          done === true ? Effect.void : Effect.logWarning(`${what} did not stop within ${ms / 1000}s; going on`),
        ),
      ),
    )
    return yield* Scope.provide(own)(acquire)
  })

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

export const serve = (settings: ServeSettings, flags: ConnectionFlags, env: Env) =>
  Effect.scoped(
    Effect.gen(function* () {
      let url = settings.natsUrl
      if (url === undefined) {
        const embedded = yield* startEmbedded({
          binary: settings.natsServerBin,
          port: settings.natsPort,
          dataDir: settings.dataDir,
          maxPayloadBytes: settings.maxBodyBytes + HEADER_ALLOWANCE_BYTES,
        })
        url = embedded.url
        yield* Effect.log(`embedded nats-server started on ${url} (data ${settings.dataDir})`)
      }
      const handles = yield* Effect.acquireRelease(
        openConnection(connectionSettings(flags, env, url, { name: "dagnats serve", reconnect: true })),
        ({ nc }) =>
          Effect.promise(async () => {
            if (nc.isClosed()) return "closed"
            const drained = await within(
              DRAIN_TIMEOUT_MS,
              nc.drain().then(
                () => true,
                () => false,
              ),
            )
            if (drained === true) return "drained"
            await within(
              1_000,
              nc.close().catch(() => undefined),
            )
            return "closed without drain"
          }).pipe(
            Effect.flatMap((how) =>
              how === "drained"
                ? Effect.log("NATS connection drained")
                : Effect.logWarning(`NATS connection ${how} (drain did not finish in ${DRAIN_TIMEOUT_MS / 1000}s)`),
            ),
          ),
      )
      if (settings.tracing._tag === "On") {
        for (const w of settings.tracing.warnings) yield* Effect.logWarning(w)
        yield* Effect.log(`exporting traces over OTLP to ${settings.tracing.config.url}`)
      }
      yield* Effect.log(`connected to NATS ${handles.nc.getServer()} (server ${handles.nc.info?.version ?? "?"})`)
      const refusal = replicasRefusal(handles.nc.info?.version, settings.replicas)
      if (refusal !== undefined) return yield* new UnsupportedServer({ message: refusal })
      const maxPayload = handles.nc.info?.max_payload ?? 0
      // Only a real gap is worth a line at every start: with max_payload equal to --max-body (both
      // 1 MiB by default) only bodies within a few hundred bytes of the limit are refused, with 413.
      if (maxPayload < settings.maxBodyBytes) {
        yield* Effect.logWarning(
          `NATS max_payload is ${maxPayload} bytes, less than --max-body ${settings.maxBodyBytes}: ` +
            "webhooks larger than max_payload minus their headers get 413; raise max_payload or lower --max-body",
        )
      }
      const buckets = yield* ensureResources(handles, {
        replicas: settings.replicas,
        retention: { runs: settings.runRetention, history: settings.historyRetention },
      })
      yield* Effect.log(
        `resources ready: streams ${Object.values(Streams).join(", ")}; buckets ${Object.values(Buckets).join(", ")}`,
      )
      // Components log from callbacks outside any fiber; run those lines in serve's own context so
      // they get serve's logger and level, not Effect's default format on stdout.
      const runtime = yield* Effect.context<never>()
      const fork = Effect.runForkWith(runtime)
      const log: ServeLog = {
        warn: (m, fields = {}) => void fork(Effect.logWarning(m).pipe(Effect.annotateLogs(fields))),
        error: (m, fields = {}) => void fork(Effect.logError(m).pipe(Effect.annotateLogs(fields))),
      }
      const table = yield* TriggerTable.make(buckets.triggers, log.warn)
      const store = TriggerStore.make(buckets.triggers)
      yield* Effect.log(`trigger table loaded: ${table.all().length} triggers`)
      let stopping = false
      const context = { settings, handles, buckets, table, store, log, stopping: () => stopping }
      const extra = yield* withBoundedStop("the listener and the evaluator", COMPONENTS_STOP_MS, extensions(context))
      const openCounts = openWindowCounts([buckets.debounceState, buckets.batchState])
      const triggers = triggerEndpoints(store, table, openCounts, WorkflowDefs.make(handles))
      const service = startService(handles.nc, VERSION, [...triggers, ...extra.endpoints], log.error)
      yield* withBoundedStop("the micro service", SERVICE_STOP_MS, service)
      yield* Effect.log(`micro service dagnats ${VERSION} up (queue group dagnats)`)
      for (const started of extra.started) yield* Effect.log(started)
      yield* Effect.log("dagnats serve ready")
      const signal = yield* awaitShutdownSignal
      stopping = true
      armWatchdog(settings.shutdownDelayMs + SHUTDOWN_DEADLINE_MS)
      const delay = `${settings.shutdownDelayMs / 1000}s`
      yield* Effect.log(`${signal} received: stopping (/readyz answers 503; the listener closes in ${delay})`)
      // Requests keep being served meanwhile: a load balancer needs this time to stop sending them.
      if (settings.shutdownDelayMs > 0) yield* Effect.sleep(settings.shutdownDelayMs)
      yield* Effect.log("stopping: closing the listener, then draining NATS")
    }),
  )
