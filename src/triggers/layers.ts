// serve's trigger table and store as layers over the triggers bucket. A definition in KV that no
// longer decodes is dropped from the table with a warning in serve's log.
import { Effect, Layer } from "effect"
import { NatsBuckets } from "../nats/buckets.js"
import { Boundary } from "../runtime/index.js"
import { TriggerTable, make as makeTable } from "./table.js"
import { TriggerStore, make as makeStore } from "./store.js"

export const table = Layer.effect(
  TriggerTable,
  Effect.gen(function* () {
    const { triggers } = yield* NatsBuckets
    const boundary = yield* Boundary
    const loaded = yield* makeTable(triggers, (message) => void boundary.fork(Effect.logWarning(message)))
    yield* Effect.log(`trigger table loaded: ${loaded.all().length} triggers`)
    return loaded
  }),
)

export const store = Layer.effect(
  TriggerStore,
  Effect.map(NatsBuckets, ({ triggers }) => makeStore(triggers)),
)
