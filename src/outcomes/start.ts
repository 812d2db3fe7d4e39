// Run outcomes inside serve: ensure the shared durable consumer on WORKFLOW_HISTORY and fold the
// engine's lifecycle events into run records, counting each status change on /metrics.
import { Effect, type Scope } from "effect"
import type { Component } from "../serve/extensions.js"
import type { ServeContext } from "../serve/serve.js"
import * as Metrics from "../metrics/registry.js"
import { ensureOutcomesConsumer, runOutcomesLoop } from "./consumer.js"

/** Status changes by the status reached (running, completed, failed, cancelled): four label values. */
const statusChanges = () =>
  Metrics.counter({
    name: "dagnats_run_status_changes_total",
    help: "Run status changes folded from the engine's lifecycle events on WORKFLOW_HISTORY",
    labelNames: ["status"] as const,
  })

export const startOutcomes = (ctx: ServeContext): Effect.Effect<Component, never, Scope.Scope> =>
  Effect.gen(function* () {
    const consumer = yield* ensureOutcomesConsumer(ctx.handles)
    const changes = statusChanges()
    yield* runOutcomesLoop(ctx.handles, ctx.buckets.runs, (c) => changes.inc({ status: c.to }), ctx.log.warn)
    return { endpoints: [], started: [`run outcomes consuming WORKFLOW_HISTORY (durable ${consumer})`] }
  })
