// The components serve runs beside the trigger service: the HTTP listener, the evaluator and the
// run outcomes consumer.
// Each returns its micro endpoints and the log lines that say it started.
import { Effect, type Scope } from "effect"
import type { Component, ServeContext } from "../app-context/index.js"
import { startIngest } from "../ingest/index.js"
import { startEvaluator } from "./evaluator.js"
import { startOutcomes } from "../outcomes/index.js"

export const extensions = (ctx: ServeContext): Effect.Effect<Component, never, Scope.Scope> =>
  Effect.gen(function* () {
    const parts = [yield* startEvaluator(ctx), yield* startOutcomes(ctx), yield* startIngest(ctx)]
    return { endpoints: parts.flatMap((p) => p.endpoints), started: parts.flatMap((p) => p.started) }
  })
