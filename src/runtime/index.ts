// What serve's parts share about the process they run in: the one callback boundary (a context
// captured once, where node:http, micro and nats.js callbacks enter Effect with serve's logger,
// log level and tracer) and the stopping flag readiness reports from the shutdown signal on.
import { Context, Effect, Layer, type Exit, type Fiber } from "effect"

export interface BoundaryShape {
  /** Run `effect` from a callback and forget it (a log line, a fire-and-forget step). */
  readonly fork: <A, E>(effect: Effect.Effect<A, E>) => Fiber.Fiber<A, E>
  /** Run `effect` from a callback; `onExit` gets how it ended. */
  readonly callback: <A, E>(effect: Effect.Effect<A, E>, onExit: (exit: Exit.Exit<A, E>) => void) => void
  /** Run `effect` from promise-based code; resolves with how it ended, never rejects. */
  readonly exit: <A, E>(effect: Effect.Effect<A, E>) => Promise<Exit.Exit<A, E>>
}

export class Boundary extends Context.Service<Boundary, BoundaryShape>()("dagnats/runtime/Boundary") {}

/** Capture the context of whoever builds the layer: serve's, with its logger and tracer. */
export const makeBoundary = Effect.gen(function* () {
  const context = yield* Effect.context<never>()
  const fork = Effect.runForkWith(context)
  const callback = Effect.runCallbackWith(context)
  const exit = Effect.runPromiseExitWith(context)
  return Boundary.of({
    fork: (effect) => fork(effect),
    callback: (effect, onExit) => void callback(effect, { onExit }),
    exit: (effect) => exit(effect),
  })
})

export const BoundaryLayer = Layer.effect(Boundary, makeBoundary)

export interface LifecycleShape {
  /** True from the shutdown signal on: readiness reports 503 while requests are still served. */
  readonly stopping: () => boolean
  readonly beginStopping: () => void
}

export class Lifecycle extends Context.Service<Lifecycle, LifecycleShape>()("dagnats/runtime/Lifecycle") {}

export const makeLifecycle = Effect.sync((): LifecycleShape => {
  let stopping = false
  return {
    stopping: () => stopping,
    beginStopping: () => {
      stopping = true
    },
  }
})

export const LifecycleLayer = Layer.effect(Lifecycle, makeLifecycle)

export { ListenError, listen, listeningUrl } from "./listen.js"
