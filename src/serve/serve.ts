// `dagnats serve`: the composition root. Starts (or connects to) NATS, ensures resources, loads the
// trigger table, and runs the micro service, the HTTP listener and the evaluator until SIGINT or
// SIGTERM; then stops taking requests, drains NATS and stops the embedded server, in that order.
import { Deferred, Effect, Scope } from "effect"
import { openConnection } from "../nats/connection.js"
import { startEmbedded } from "../nats/embedded.js"
import { ensureResources } from "../nats/resources.js"
import { connectionSettings, type ConnectionFlags, type Env, type ServeSettings } from "../config/settings.js"
import * as TriggerStore from "../triggers/store.js"
import * as TriggerTable from "../triggers/table.js"
import { startService } from "../service/server.js"
import { triggerEndpoints } from "../service/triggers.js"
import { VERSION } from "../version.js"
import { Buckets, Streams } from "../protocol/names.js"
import { openWindowCounts } from "../windows/status.js"
import { extensions } from "./extensions.js"
import { UnsupportedServer, replicasRefusal } from "../domain/server-version.js"

/** Extra room in the NATS max payload beyond the webhook body: headers of the stored message. */
const HEADER_ALLOWANCE_BYTES = 64 * 1024

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
          Effect.promise(() => (nc.isClosed() ? Promise.resolve() : nc.drain().catch(() => nc.close()))).pipe(
            Effect.andThen(Effect.log("NATS connection drained")),
          ),
      )
      yield* Effect.log(`connected to NATS ${handles.nc.getServer()} (server ${handles.nc.info?.version ?? "?"})`)
      const refusal = replicasRefusal(handles.nc.info?.version, settings.replicas)
      if (refusal !== undefined) return yield* new UnsupportedServer({ message: refusal })
      const maxPayload = handles.nc.info?.max_payload ?? 0
      if (maxPayload < settings.maxBodyBytes + 4096) {
        yield* Effect.logWarning(
          `NATS max_payload is ${maxPayload} bytes, less than --max-body ${settings.maxBodyBytes} plus headers: large webhooks will be refused with 503; raise max_payload or lower --max-body`,
        )
      }
      const buckets = yield* ensureResources(handles, { replicas: settings.replicas })
      yield* Effect.log(`resources ready: streams ${Object.values(Streams).join(", ")}; buckets ${Object.values(Buckets).join(", ")}`)
      // Components log from callbacks outside any fiber; run those lines in serve's own context so
      // they get serve's logger and level, not Effect's default format on stdout.
      const runtime = yield* Effect.context<never>()
      const log: ServeLog = {
        warn: (m) => void Effect.runForkWith(runtime)(Effect.logWarning(m)),
        error: (m) => void Effect.runForkWith(runtime)(Effect.logError(m)),
      }
      const table = yield* TriggerTable.make(buckets.triggers, log.warn)
      const store = TriggerStore.make(buckets.triggers)
      yield* Effect.log(`trigger table loaded: ${table.all().length} triggers`)
      const context = { settings, handles, buckets, table, store, log }
      const extra = yield* extensions(context)
      yield* startService(handles.nc, VERSION, [...triggerEndpoints(store, table, openWindowCounts([buckets.debounceState, buckets.batchState])), ...extra.endpoints], log.error)
      yield* Effect.log(`micro service dagnats ${VERSION} up (queue group dagnats)`)
      for (const started of extra.started) yield* Effect.log(started)
      yield* Effect.log("dagnats serve ready")
      const signal = yield* awaitShutdownSignal
      yield* Effect.log(`${signal} received: stopping`)
    }),
  )

export interface ServeLog {
  readonly warn: (message: string) => void
  readonly error: (message: string) => void
}

export type ServeContext = {
  readonly log: ServeLog
  readonly settings: ServeSettings
  readonly handles: import("../nats/connection.js").NatsHandles
  readonly buckets: import("../nats/resources.js").Buckets
  readonly table: TriggerTable.TriggerTableShape
  readonly store: TriggerStore.TriggerStoreShape
}
export type { Scope }
