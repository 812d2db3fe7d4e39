// Placeholder until the evaluator lands: serve starts no runs.
import { Effect, type Scope } from "effect"
import type { Component } from "../serve/extensions.js"
import type { ServeContext } from "../serve/serve.js"

export const startEvaluator = (_ctx: ServeContext): Effect.Effect<Component, never, Scope.Scope> =>
  Effect.succeed({ endpoints: [], started: [] })
