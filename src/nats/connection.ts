// The NATS connection as a scoped service: connect with the operator's credentials, expose the
// JetStream client and manager, and drain on release so in-flight work completes.
import { Context, Effect, Layer } from "effect"
import { connect, type NatsConnection } from "@nats-io/transport-node"
import { createInbox } from "@nats-io/nats-core"
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from "@nats-io/jetstream"
import { Unavailable } from "../domain/errors.js"
import { connectOptions } from "./connect-options.js"
import { describe } from "./errors.js"
import type { ConnectionSettings } from "../config/settings.js"

export interface NatsHandles {
  readonly nc: NatsConnection
  readonly js: JetStreamClient
  readonly jsm: JetStreamManager
}

export class Nats extends Context.Service<Nats, NatsHandles>()("dagnats/nats/Nats") {}

export const openConnection = (s: ConnectionSettings): Effect.Effect<NatsHandles, Unavailable> =>
  Effect.tryPromise({
    try: async () => {
      const nc = await connect(connectOptions(s))
      // JetStream API calls fail after 5 s: a webhook waits no longer than that for its acknowledgement.
      const js = jetstream(nc, { timeout: 5_000 })
      const jsm = await jetstreamManager(nc, { timeout: 5_000, checkAPI: false })
      return { nc, js, jsm }
    },
    catch: (cause) =>
      new Unavailable({ message: `cannot connect to NATS at ${s.servers.join(",")}: ${describe(cause)}` }),
  })

/**
 * A fresh inbox under the connection's own prefix, for code that subscribes to its replies itself: an inbox
 * under any other prefix is one the user may not subscribe to. nats.js keeps the options on its connection
 * object without declaring them on the NatsConnection interface.
 */
export const newInbox = (nc: NatsConnection): string =>
  createInbox((nc as { readonly options?: { readonly inboxPrefix?: string } }).options?.inboxPrefix)

/** Connect for the lifetime of the scope; drain (flush subscriptions, then close) on release. */
export const layer = (s: ConnectionSettings): Layer.Layer<Nats, Unavailable> =>
  Layer.effect(
    Nats,
    Effect.acquireRelease(openConnection(s), ({ nc }) =>
      Effect.promise(() => (nc.isClosed() ? Promise.resolve() : nc.drain().catch(() => nc.close()))),
    ),
  )
