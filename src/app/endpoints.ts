// The micro endpoints serve answers, gathered from its parts: triggers, runs, dead letters and deliveries always;
// replay only where this serve evaluates (it runs events through the same window engine).
import { Effect } from "effect"
import { Nats } from "../nats/connection.js"
import { NatsBuckets } from "../nats/buckets.js"
import { eventsEpoch } from "../nats/events-epoch.js"
import { TriggerStore, TriggerTable } from "../triggers/index.js"
import { RunStarter } from "../runs/index.js"
import { runEndpoints, triggerEndpoints } from "../service/index.js"
import { deadEndpoints } from "../dead/index.js"
import { openWindowCounts, Windows } from "../windows/index.js"
import { makeWorkflowRegistry } from "../engine/index.js"
import { replayEndpoints } from "../replay/index.js"
import { lookupRunSeq } from "../evaluator/index.js"
import { recordOutcome } from "../history/index.js"
import { deliveryEndpoints } from "../deliveries/index.js"
import { makeSourceGate } from "../sources/index.js"
import { ServeConfig } from "../config/serve-config.js"

/** The trigger, run and dead-letter endpoints every serve answers. */
export const always = Effect.gen(function* () {
  const handles = yield* Nats
  const buckets = yield* NatsBuckets
  const store = yield* TriggerStore
  const table = yield* TriggerTable
  const starter = yield* RunStarter
  const openCounts = openWindowCounts([buckets.debounceState, buckets.batchState])
  // Read at each request: a reconnect may reach a server with another max_payload.
  const maxPayload = () => handles.nc.info?.max_payload ?? 0
  return [
    ...triggerEndpoints(
      store,
      table,
      openCounts,
      makeWorkflowRegistry(handles),
      maxPayload,
      makeSourceGate(handles, table, (yield* ServeConfig).evaluatorTiming),
    ),
    ...runEndpoints({ starter, runs: buckets.runs, js: handles.js, jsm: handles.jsm, store, maxPayload }),
    ...deadEndpoints(handles.js, handles.jsm, maxPayload),
    ...deliveryEndpoints(handles.js, handles.jsm, buckets.runs, maxPayload),
  ]
})

/** `dagnats.events.replay`, for a serve that evaluates. */
export const replay = Effect.gen(function* () {
  const handles = yield* Nats
  const buckets = yield* NatsBuckets
  const windows = yield* Windows
  return replayEndpoints(yield* TriggerStore, {
    eventsEpoch: eventsEpoch(handles),
    js: handles.js,
    jsm: handles.jsm,
    runs: buckets.runs,
    starter: yield* RunStarter,
    debounce: windows.debounce,
    batch: windows.batch,
    lookupRunSeq: lookupRunSeq(buckets.runs),
    record: (r) => recordOutcome(handles.publisher, r),
  })
})
