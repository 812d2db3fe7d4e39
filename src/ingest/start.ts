// Placeholder until the HTTP ingest lands: serve runs without a listener.
import { Effect, type Scope } from "effect"
import type { Component } from "../serve/extensions.js"
import type { ServeContext } from "../serve/serve.js"

export const startIngest = (_ctx: ServeContext): Effect.Effect<Component, never, Scope.Scope> =>
  Effect.succeed({ endpoints: [], started: [] })
