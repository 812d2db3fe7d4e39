// serve's streams and buckets as a service: ensured once at start (created when missing, reused when
// compatible, reported otherwise), then handed to every part that reads or writes them.
import { Context, Effect, Layer } from "effect"
import { Buckets as BucketNames, Streams } from "../protocol/names.js"
import { ServeConfig } from "../config/serve-config.js"
import { Nats } from "./connection.js"
import { ensureResources, type Buckets } from "./resources.js"

export class NatsBuckets extends Context.Service<NatsBuckets, Buckets>()("dagnats/nats/NatsBuckets") {}

export const make = Effect.gen(function* () {
  const settings = yield* ServeConfig
  const buckets = yield* ensureResources(yield* Nats, {
    replicas: settings.replicas,
    retention: { runs: settings.runRetention, history: settings.historyRetention },
    deliveries: settings.deliveries,
  })
  yield* Effect.log(
    `resources ready: streams ${Object.values(Streams).join(", ")}; buckets ${Object.values(BucketNames).join(", ")}`,
  )
  return buckets
})

export const layer = Layer.effect(NatsBuckets, make)
