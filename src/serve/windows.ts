// Debounce and batch inside the evaluator: the window engine plus its timer worker.
import { Effect, type Scope } from "effect"
import type { ServeContext } from "../app-context/index.js"
import type { RunStarterShape } from "../runs/index.js"
import { eventsEpoch, type WindowHandler } from "../evaluator/index.js"
import { makeWindowEngine, runTimers, type TimerRoute } from "../windows/index.js"
import { recordOutcome } from "../history/index.js"
import { DEFAULT_TIMING, type EvaluatorTiming } from "../config/evaluator-timing.js"

/**
 * Room in a NATS message beyond a run's input: the run record's other fields and the
 * `workflow.started` envelope (ids, trigger, timestamps, trace context) and their headers.
 */
const RUN_RECORD_HEADROOM_BYTES = 16 * 1024

export const makeWindows = (
  ctx: ServeContext,
  starter: RunStarterShape,
  timing: EvaluatorTiming = DEFAULT_TIMING,
  routes: ReadonlyArray<TimerRoute> = [],
): Effect.Effect<{ debounce: WindowHandler; batch: WindowHandler }, never, Scope.Scope> =>
  Effect.gen(function* () {
    const epoch = yield* Effect.orDie(eventsEpoch(ctx.handles))
    const maxPayload = ctx.handles.nc.info?.max_payload ?? 0
    const engine = makeWindowEngine({
      debounceKv: ctx.buckets.debounceState,
      batchKv: ctx.buckets.batchState,
      js: ctx.handles.js,
      jsm: ctx.handles.jsm,
      starter,
      table: ctx.table,
      record: (r) => recordOutcome(ctx.handles.js, r),
      now: Date.now,
      maxRunInputBytes: maxPayload > 0 ? Math.max(1, maxPayload - RUN_RECORD_HEADROOM_BYTES) : Number.MAX_SAFE_INTEGER,
      maxPayload,
      epoch: () => epoch,
    })
    yield* runTimers(ctx.handles, engine, ctx.log.warn, timing, routes)
    return { debounce: engine.debounce, batch: engine.batch }
  })
