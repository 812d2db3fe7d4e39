// Run outcomes inside serve, as a layer: ensure the shared durable consumer on WORKFLOW_HISTORY and
// fold the engine's lifecycle events into run records, counting each status change on /metrics;
// and watch the engine's run states for runs it ended without any history event.
import { Context, Effect, Layer } from "effect"
import { Nats } from "../nats/connection.js"
import { NatsBuckets } from "../nats/buckets.js"
import { runStatusChanges } from "../metrics/index.js"
import { ensureOutcomesConsumer, runOutcomesLoop } from "./consumer.js"
import { watchEngineRuns } from "./engine-runs.js"

/** What the outcomes consumer tells serve: the line that says how it started. */
export class Outcomes extends Context.Service<Outcomes, { readonly started: string }>()("dagnats/outcomes/Outcomes") {}

export const make = Effect.gen(function* () {
  const handles = yield* Nats
  const buckets = yield* NatsBuckets
  const consumer = yield* ensureOutcomesConsumer(handles)
  const changes = runStatusChanges()
  yield* runOutcomesLoop(handles, buckets.runs, (c) => changes.inc({ status: c.to }))
  yield* watchEngineRuns(handles, buckets.runs, (c) => changes.inc({ status: c.to }))
  return { started: `run outcomes consuming WORKFLOW_HISTORY (durable ${consumer})` }
})

export const layer = Layer.effect(Outcomes, make)
