// Run outcomes inside serve: ensure the shared durable consumer on WORKFLOW_HISTORY and fold the
// engine's lifecycle events into run records, counting each status change on /metrics.
import { Effect, type Scope } from "effect"
import type { Component, ServeContext } from "../app-context/index.js"
import { Catalog } from "../metrics/index.js"
import { ensureOutcomesConsumer, runOutcomesLoop } from "./consumer.js"

export const startOutcomes = (ctx: ServeContext): Effect.Effect<Component, never, Scope.Scope> =>
  Effect.gen(function* () {
    const consumer = yield* ensureOutcomesConsumer(ctx.handles)
    const changes = Catalog.runStatusChanges()
    yield* runOutcomesLoop(ctx.handles, ctx.buckets.runs, (c) => changes.inc({ status: c.to }), ctx.log.warn)
    return { endpoints: [], started: [`run outcomes consuming WORKFLOW_HISTORY (durable ${consumer})`] }
  })
