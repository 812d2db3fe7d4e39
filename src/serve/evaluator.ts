// The evaluator inside serve: the matcher over the trigger table, the run starter, the durable
// consumer loop, and the micro endpoints that read runs and history. `DAGNATS_EVALUATOR=off` runs
// a serve that only ingests and answers requests (useful to scale HTTP separately).
import { Effect, type Scope } from "effect"
import type { Component, ServeContext } from "../app-context/index.js"
import { RunStarter, getRun, traceStarter } from "../runs/index.js"
import { runEndpoints } from "../service/index.js"
import {
  makeMatcher,
  ensureEvaluatorConsumer,
  evaluatorSpec,
  runEvaluatorLoop,
  type EvaluateDeps,
} from "../evaluator/index.js"
import { deadEndpoints } from "../dead/index.js"
import { makeWindows } from "./windows.js"
import { Catalog, pollGauges } from "../metrics/index.js"
import type { KV } from "@nats-io/kv"
import { openWindowCounts } from "../windows/index.js"
import { startSchedules } from "../schedules/index.js"
import { replayEndpoints } from "../replay/index.js"
import { recordOutcome } from "../history/index.js"

/** Runs this serve started (a replay finding the run is not counted), by source. */
const countStarts = (starter: RunStarter.RunStarterShape): RunStarter.RunStarterShape => {
  const started = Catalog.runsStarted()
  return {
    start: (spec) =>
      starter.start(spec).pipe(Effect.tap((o) => Effect.sync(() => o.created && started.inc({ type: spec.source })))),
  }
}

/** Open windows in one bucket (debounce or batch), summed over triggers. */
const windowCount = (kv: KV) =>
  Effect.runPromise(openWindowCounts([kv])).then((counts) => [...counts.values()].reduce((a, b) => a + b, 0))

export const startEvaluator = (ctx: ServeContext): Effect.Effect<Component, never, Scope.Scope> =>
  Effect.gen(function* () {
    const traced = ctx.settings.tracing._tag === "On"
    const untraced = countStarts(RunStarter.make(ctx.buckets.runs, ctx.handles.js, ctx.handles.jsm))
    const starter = traced ? traceStarter(untraced) : untraced
    const endpoints = [
      ...runEndpoints({ starter, runs: ctx.buckets.runs, js: ctx.handles.js, jsm: ctx.handles.jsm, store: ctx.store }),
      ...deadEndpoints(ctx.handles.js, ctx.handles.jsm),
    ]
    if (ctx.settings.evaluatorTimingWarning !== undefined) ctx.log.warn(ctx.settings.evaluatorTimingWarning)
    const timing = ctx.settings.evaluatorTiming
    // Even a serve that evaluates nothing creates the durable consumer: its deliver policy is `new`,
    // so events it accepts before any evaluating serve ever ran would otherwise never be evaluated.
    const consumer = yield* ensureEvaluatorConsumer(ctx.handles, timing)
    const outcomes = Catalog.triggerOutcomes()
    const redeliveries = Catalog.evaluatorRedeliveries()
    const spec = evaluatorSpec(timing)
    yield* pollGauges({
      consumer: () => ctx.handles.jsm.consumers.info(spec.stream, spec.name),
      openWindows: async () => ({
        debounce: await windowCount(ctx.buckets.debounceState),
        batch: await windowCount(ctx.buckets.batchState),
      }),
    })
    if (ctx.settings.evaluatorOff) {
      return { endpoints, started: ["evaluator off (DAGNATS_EVALUATOR=off): this serve starts no runs"] }
    }
    const matcher = yield* Effect.acquireRelease(
      Effect.sync(() => makeMatcher(ctx.table)),
      (m) => Effect.sync(m.close),
    )
    const schedules = yield* startSchedules(ctx, starter)
    const windows = yield* makeWindows(ctx, starter, timing, [schedules])
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
    yield* runEvaluatorLoop(
      ctx.handles,
      deps,
      {
        onOutcomes: (records) => {
          for (const r of records)
            outcomes.inc({ outcome: r.outcome === "skipped" ? `skipped_${r.reason ?? ""}` : r.outcome })
        },
        onRedelivered: () => redeliveries.inc(),
        onRetry: (event, error) =>
          ctx.log.warn(`evaluating ${event.subject} #${event.seq} failed, will retry: ${error}`, {
            subject: event.subject,
            seq: event.seq,
          }),
        onDead: (event, error) => {
          ctx.log.error(`evaluating ${event.subject} #${event.seq} kept failing; moved to DAGNATS_DEAD: ${error}`, {
            subject: event.subject,
            seq: event.seq,
          })
        },
      },
      timing,
      { traced },
    )
    const replay = replayEndpoints(ctx.handles.nc, ctx.store, {
      js: ctx.handles.js,
      jsm: ctx.handles.jsm,
      runs: ctx.buckets.runs,
      starter,
      debounce: windows.debounce,
      batch: windows.batch,
      lookupRunSeq: deps.lookupRunSeq,
      record: (r) => recordOutcome(ctx.handles.js, r),
    })
    const started = `evaluator consuming EVENTS (durable ${consumer === "created" ? "created" : "resumed"})`
    return { endpoints: [...endpoints, ...replay], started: [started] }
  })
