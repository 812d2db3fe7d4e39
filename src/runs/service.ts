// serve's run starter, a service: the exactly-once starter over KV `dagnats_runs`, counting the runs
// this serve started (a replay finding the run is not counted) and traced when traces are exported.
import { Context, Effect, Layer } from "effect"
import { Nats } from "../nats/connection.js"
import { NatsBuckets } from "../nats/buckets.js"
import { ServeConfig } from "../config/serve-config.js"
import { runsStarted } from "../metrics/index.js"
import { make as makeStarter, type RunStarterShape } from "./starter.js"
import { traceStarter } from "./tracing.js"

export class RunStarter extends Context.Service<RunStarter, RunStarterShape>()("dagnats/runs/RunStarter") {}

/** Runs this serve started, by source. */
const countStarts = (starter: RunStarterShape): RunStarterShape => {
  const started = runsStarted()
  return {
    start: (spec) =>
      starter.start(spec).pipe(Effect.tap((o) => Effect.sync(() => o.created && started.inc({ type: spec.source })))),
  }
}

export const make = Effect.gen(function* () {
  const handles = yield* Nats
  const buckets = yield* NatsBuckets
  const settings = yield* ServeConfig
  const counted = countStarts(makeStarter(buckets.runs, handles.publisher))
  return settings.tracing._tag === "On" ? traceStarter(counted) : counted
})

export const layer = Layer.effect(RunStarter, make)
