// Translating nats.js failures into dagnats conditions (the checks themselves are errors.ts).
import { Effect, Schedule } from "effect"
import { Conflict, Unavailable } from "../domain/errors.js"
import { describe, isRequestTimeout, isRevisionMismatch } from "./errors.js"

/** Anything NATS failed with that is not a revision check is treated as "try again later". */
export const toUnavailable = (e: unknown): Unavailable => new Unavailable({ message: `NATS: ${describe(e)}` })

export const conflictOr =
  (message: string) =>
  (e: unknown): Conflict | Unavailable =>
    isRevisionMismatch(e) ? new Conflict({ message }) : toUnavailable(e)

/**
 * A JetStream request made while serve starts. A cluster that has just had a node restarted answers
 * some requests with timeouts for a few seconds while it elects leaders, so a request that times out
 * is made again (for about 30 s) rather than failing the start; any other failure (a refusal, a
 * missing permission) fails at once.
 */
export const askWhileStarting = <A>(request: () => Promise<A>): Effect.Effect<A, Unavailable> =>
  Effect.tryPromise({ try: request, catch: (e) => e }).pipe(
    Effect.retry({ schedule: Schedule.spaced("500 millis"), times: STARTUP_TIMEOUT_RETRIES, while: isRequestTimeout }),
    Effect.mapError(toUnavailable),
  )

/** Requests time out after 5 s (nats.js's default): six more attempts, half a second apart, is about 30 s. */
const STARTUP_TIMEOUT_RETRIES = 6
