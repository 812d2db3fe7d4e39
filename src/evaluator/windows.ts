// Debounce and batch inside the evaluator: the window engine plus its timer worker.
import { Effect, type Scope } from "effect"
import type { ServeContext } from "../serve/serve.js"
import type { RunStarterShape } from "../runs/starter.js"
import type { WindowHandler } from "./evaluate.js"
import { makeWindowEngine } from "../windows/engine.js"
import { runTimers, type TimerRoute } from "../windows/timers.js"
import { recordOutcome } from "./history.js"

export const makeWindows = (
  ctx: ServeContext,
  starter: RunStarterShape,
  routes: ReadonlyArray<TimerRoute> = [],
): Effect.Effect<{ debounce: WindowHandler; batch: WindowHandler }, never, Scope.Scope> =>
  Effect.gen(function* () {
    const engine = makeWindowEngine({
      debounceKv: ctx.buckets.debounceState,
      batchKv: ctx.buckets.batchState,
      js: ctx.handles.js,
      jsm: ctx.handles.jsm,
      starter,
      table: ctx.table,
      record: (r) => recordOutcome(ctx.handles.js, r),
      now: Date.now,
    })
    yield* runTimers(ctx.handles, engine, ctx.log.warn, routes)
    return { debounce: engine.debounce, batch: engine.batch }
  })
