// The NATS connection as a scoped service: connect with the operator's credentials, expose the
// JetStream client and manager, and drain on release so in-flight work completes. serve's connection
// follows `NatsUrl` (an embedded server's or the operator's) and its drain is bounded.
import { Context, Effect, Layer } from "effect"
import { connect, type NatsConnection } from "@nats-io/transport-node"
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from "@nats-io/jetstream"
import { Unavailable } from "../domain/errors.js"
import { connectOptions } from "./connect-options.js"
import { coalesceWrites } from "./coalesced-writes.js"
import { makeJetStreamPublisher, type JetStreamPublisher } from "./jetstream-publisher.js"
import { describe, isAuthorizationFailure } from "./errors.js"
import { credentialsHint, type ConnectionSettings } from "../config/settings.js"

export interface NatsHandles {
  readonly nc: NatsConnection
  readonly js: JetStreamClient
  readonly jsm: JetStreamManager
  /** Every stream write of serve's hot paths (events, records, run starts, outcomes) goes through it. */
  readonly publisher: JetStreamPublisher
}

export class Nats extends Context.Service<Nats, NatsHandles>()("dagnats/nats/Nats") {}

/** Where serve's NATS is: the embedded server's URL, or the one the operator gave. */
export class NatsUrl extends Context.Service<NatsUrl, { readonly url: string }>()("dagnats/nats/NatsUrl") {}

export const layerUrl = (url: string) => Layer.succeed(NatsUrl, { url })

/** How long a publish waits for its PubAck, as JetStream requests do. */
const PUBLISH_TIMEOUT_MS = 5_000

export const openConnection = (s: ConnectionSettings): Effect.Effect<Omit<NatsHandles, "publisher">, Unavailable> =>
  Effect.tryPromise({
    try: async () => {
      const nc = await connect(connectOptions(s))
      coalesceWrites(nc)
      // JetStream API calls fail after 5 s: a webhook waits no longer than that for its acknowledgement.
      const js = jetstream(nc, { timeout: PUBLISH_TIMEOUT_MS })
      const jsm = await jetstreamManager(nc, { timeout: PUBLISH_TIMEOUT_MS, checkAPI: false })
      return { nc, js, jsm }
    },
    catch: (cause) => {
      const hint = isAuthorizationFailure(cause) ? `; ${credentialsHint(s)}` : ""
      return new Unavailable({ message: `cannot connect to NATS at ${s.servers.join(",")}: ${describe(cause)}${hint}` })
    },
  })

/** How long draining may take before the connection is closed instead (unacked work is redelivered). */
const DRAIN_TIMEOUT_MS = 5_000

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

/** Drain, bounded: a frozen or vanished server must not hold up the stop; then close without draining. */
const drainBounded = (nc: NatsConnection) =>
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
  )

/** serve's connection to the server at `NatsUrl`, with settings resolved for that URL; a bounded drain on release. */
export const make = (settingsFor: (url: string) => ConnectionSettings) =>
  Effect.gen(function* () {
    const { url } = yield* NatsUrl
    const handles = yield* Effect.acquireRelease(openConnection(settingsFor(url)), ({ nc }) => drainBounded(nc))
    // Released before the drain: a publish still waiting then fails at once instead of at its timeout.
    const publisher = yield* makeJetStreamPublisher(handles.nc, PUBLISH_TIMEOUT_MS)
    return { ...handles, publisher }
  })

export const layer = (settingsFor: (url: string) => ConnectionSettings): Layer.Layer<Nats, Unavailable, NatsUrl> =>
  Layer.effect(Nats, make(settingsFor))
