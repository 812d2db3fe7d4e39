// The components serve runs beside the trigger service: the HTTP listener and the evaluator.
// Each returns its micro endpoints and a log line; adding one is a line here.
import { Effect, type Scope } from "effect"
import type { Endpoint } from "../service/endpoint.js"
import type { ServeContext } from "./serve.js"

export interface Extensions {
  readonly endpoints: ReadonlyArray<Endpoint>
  readonly started: ReadonlyArray<string>
}

export const extensions = (_ctx: ServeContext): Effect.Effect<Extensions, never, Scope.Scope> =>
  Effect.succeed({ endpoints: [], started: [] })
