// The evaluator inside serve, as two layers. `consumer` always runs: it ensures the durable consumer
// on EVENTS (even a serve that evaluates nothing creates it: its deliver policy is `new`, so events
// accepted before any evaluating serve ran would otherwise never be evaluated) and polls its gauges.
// `evaluation` works it: the matcher over the trigger table, the window engine, the run starter,
// with outcomes counted on /metrics. `DAGNATS_EVALUATOR=off` runs only the first.
import { Context, Effect, Layer } from "effect"
import type { KV } from "../nats/kv-api.js"
import { Nats } from "../nats/connection.js"
import { NatsBuckets } from "../nats/buckets.js"
import { ServeConfig } from "../config/serve-config.js"
import { evaluatorRedeliveries, pollGauges, triggerOutcomes, unroutableEvents } from "../metrics/index.js"
import { RunStarter, getRun } from "../runs/index.js"
import { TriggerTable } from "../triggers/index.js"
import { Windows, openWindowCounts } from "../windows/index.js"
import { ensureEvaluatorConsumer, evaluatorSpec, runEvaluatorLoop, type EvaluatorHooks } from "./consumer.js"
import { makeMatcher } from "./matcher.js"
import type { EvaluateDeps } from "./evaluate.js"

/** What the evaluator tells serve: the line that says how it started. */
export class Evaluator extends Context.Service<Evaluator, { readonly started: string }>()(
  "dagnats/evaluator/Evaluator",
) {}

/** The stream sequence of the event that started a run, when the run exists. */
export const lookupRunSeq = (runs: KV) => (runId: string) =>
  getRun(runs, runId).pipe(
    Effect.map((r) => r.event?.seq),
    Effect.catchTag("NotFound", () => Effect.succeed(undefined)),
  )

/** Open windows in one bucket (debounce or batch), summed over triggers. */
const windowCount = (kv: KV) =>
  Effect.map(openWindowCounts([kv]), (counts) => [...counts.values()].reduce((a, b) => a + b, 0))

export const makeConsumer = Effect.gen(function* () {
  const settings = yield* ServeConfig
  const handles = yield* Nats
  const buckets = yield* NatsBuckets
  if (settings.evaluatorTimingWarning !== undefined) yield* Effect.logWarning(settings.evaluatorTimingWarning)
  const timing = settings.evaluatorTiming
  const consumer = yield* ensureEvaluatorConsumer(handles, timing)
  const spec = evaluatorSpec(timing)
  yield* pollGauges({
    consumer: Effect.promise(() => handles.jsm.consumers.info(spec.stream, spec.name)),
    openWindows: Effect.all({ debounce: windowCount(buckets.debounceState), batch: windowCount(buckets.batchState) }),
  })
  const started = settings.evaluatorOff
    ? "evaluator off (--role ingest): this serve starts no runs"
    : `evaluator consuming EVENTS (durable ${consumer === "created" ? "created" : "resumed"})`
  return { started }
})

export const consumer = Layer.effect(Evaluator, makeConsumer)

/** The outcome counters, redelivery count and log lines every consumer that evaluates shares. */
export const evaluatorHooks = (): EvaluatorHooks => {
  const outcomes = triggerOutcomes()
  const redeliveries = evaluatorRedeliveries()
  const unroutable = unroutableEvents()
  return {
    onOutcomes: (records) => {
      for (const r of records)
        outcomes.inc({ outcome: r.outcome === "skipped" ? `skipped_${r.reason ?? ""}` : r.outcome })
    },
    onRedelivered: () => redeliveries.inc(),
    onUnroutable: (e) =>
      Effect.sync(() => unroutable.inc({ reason: e.problem })).pipe(
        Effect.andThen(
          Effect.logWarning(
            `event #${e.seq} on ${e.subject} not evaluated: its subject is not a valid NATS subject ` +
              `(${e.problem}); acked, ${e.triggers} trigger(s) it reached recorded it`,
          ),
        ),
      ),
    onRetry: (event, error) =>
      Effect.logWarning(`evaluating ${event.subject} #${event.seq} failed, will retry: ${error}`).pipe(
        Effect.annotateLogs({ subject: event.subject, seq: event.seq }),
      ),
    onDead: (event, error) =>
      Effect.logError(`evaluating ${event.subject} #${event.seq} kept failing; moved to DAGNATS_DEAD: ${error}`).pipe(
        Effect.annotateLogs({ subject: event.subject, seq: event.seq }),
      ),
  }
}

/** What an evaluation needs besides its matcher: the run starter, the windows, the run lookup. */
export const evaluationDeps = Effect.gen(function* () {
  const buckets = yield* NatsBuckets
  const windows = yield* Windows
  return {
    starter: yield* RunStarter,
    debounce: windows.debounce,
    batch: windows.batch,
    lookupRunSeq: lookupRunSeq(buckets.runs),
  } satisfies Omit<EvaluateDeps, "matcher">
})

export const evaluation = Layer.effectDiscard(
  Effect.gen(function* () {
    const settings = yield* ServeConfig
    const handles = yield* Nats
    const table = yield* TriggerTable
    const matcher = yield* Effect.acquireRelease(
      Effect.sync(() => makeMatcher(table)),
      (m) => Effect.sync(m.close),
    )
    const deps: EvaluateDeps = { matcher, ...(yield* evaluationDeps) }
    yield* runEvaluatorLoop(handles, deps, evaluatorHooks(), settings.evaluatorTiming, {
      traced: settings.tracing._tag === "On",
    })
  }),
)
