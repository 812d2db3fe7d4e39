// serve's NATS handles over a connection a test opened itself: the JetStream client and manager, and
// the shared publisher, which is released when the connection closes.
import { Effect, Exit, Scope } from "effect"
import type { NatsConnection } from "@nats-io/nats-core"
import { jetstream, jetstreamManager } from "@nats-io/jetstream"
import type { NatsHandles } from "../../src/nats/connection.js"
import { makeJetStreamPublisher } from "../../src/nats/jetstream-publisher.js"

export const natsHandles = async (nc: NatsConnection): Promise<NatsHandles> => {
  const scope = Effect.runSync(Scope.make())
  const publisher = await Effect.runPromise(Scope.provide(scope)(makeJetStreamPublisher(nc, 5_000)))
  void nc.closed().then(() => Effect.runPromise(Scope.close(scope, Exit.void)))
  return { nc, js: jetstream(nc), jsm: await jetstreamManager(nc), publisher }
}
