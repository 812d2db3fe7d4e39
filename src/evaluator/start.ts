// The evaluator inside serve: the matcher over the trigger table, the run starter, the durable
// consumer loop, and the micro endpoints that read runs and history. `DAGNATS_EVALUATOR=off` runs
// a serve that only ingests and answers requests (useful to scale HTTP separately).
import { Effect, type Scope } from "effect"
import type { Component } from "../serve/extensions.js"
import type { ServeContext } from "../serve/serve.js"
import * as RunStarter from "../runs/starter.js"
import { getRun } from "../runs/query.js"
import { runEndpoints } from "../service/runs.js"
import { makeMatcher } from "./matcher.js"
import { DEFAULT_TIMING, ensureEvaluatorConsumer, evaluatorTiming, runEvaluatorLoop } from "./consumer.js"
import { deadEndpoints } from "../dead/endpoint.js"
import { makeWindows } from "./windows.js"
import * as Metrics from "../metrics/registry.js"
import type { EvaluateDeps } from "./evaluate.js"

/** Evaluation outcomes by kind (fired, error, skipped_filtered, …); not by trigger: names are unbounded. */
const outcomesCounter = () =>
  Metrics.counter({ name: "dagnats_trigger_outcomes_total", help: "Trigger evaluation outcomes recorded by the evaluator", labelNames: ["outcome"] as const })

export const startEvaluator = (ctx: ServeContext): Effect.Effect<Component, never, Scope.Scope> =>
  Effect.gen(function* () {
    const starter = RunStarter.make(ctx.buckets.runs, ctx.handles.js, ctx.handles.jsm)
    const endpoints = [
      ...runEndpoints({ starter, runs: ctx.buckets.runs, js: ctx.handles.js, store: ctx.store }),
      ...deadEndpoints(ctx.handles.js, ctx.handles.jsm),
    ]
    const timingOrError = evaluatorTiming(process.env)
    if (typeof timingOrError === "string") ctx.log.warn(`${timingOrError}; using the defaults`)
    const timing = typeof timingOrError === "string" ? DEFAULT_TIMING : timingOrError
    // Even a serve that evaluates nothing creates the durable consumer: its deliver policy is `new`,
    // so events it accepts before any evaluating serve ever ran would otherwise never be evaluated.
    const consumer = yield* ensureEvaluatorConsumer(ctx.handles, timing)
    const outcomes = outcomesCounter()
    if ((process.env["DAGNATS_EVALUATOR"] ?? "").toLowerCase() === "off") {
      return { endpoints, started: ["evaluator off (DAGNATS_EVALUATOR=off): this serve starts no runs"] }
    }
    const matcher = yield* Effect.acquireRelease(Effect.sync(() => makeMatcher(ctx.table)), (m) => Effect.sync(m.close))
    const windows = yield* makeWindows(ctx, starter, timing)
    const deps: EvaluateDeps = {
      matcher,
      starter,
      debounce: windows.debounce,
      batch: windows.batch,
      lookupRunSeq: (runId) =>
        getRun(ctx.buckets.runs, runId).pipe(
          Effect.map((r) => r.event?.seq),
          Effect.catchTag("NotFound", () => Effect.succeed(undefined)),
        ),
    }
    yield* runEvaluatorLoop(ctx.handles, deps, {
      onOutcomes: (records) => {
        for (const r of records) outcomes.inc({ outcome: r.outcome === "skipped" ? `skipped_${r.reason ?? ""}` : r.outcome })
      },
      onRetry: (event, error) => ctx.log.warn(`evaluating ${event.subject} #${event.seq} failed, will retry: ${error}`),
      onDead: (event, error) => ctx.log.error(`evaluating ${event.subject} #${event.seq} kept failing; moved to DAGNATS_DEAD: ${error}`),
    }, timing)
    return { endpoints, started: [`evaluator consuming EVENTS (durable ${consumer === "created" ? "created" : "resumed"})`] }
  })
