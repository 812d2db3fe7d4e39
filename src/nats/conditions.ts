// Translating nats.js failures into dagnats conditions (the checks themselves are errors.ts).
import { Conflict, Unavailable } from "../domain/errors.js"
import { describe, isRevisionMismatch } from "./errors.js"

/** Anything NATS failed with that is not a revision check is treated as "try again later". */
export const toUnavailable = (e: unknown): Unavailable => new Unavailable({ message: `NATS: ${describe(e)}` })

export const conflictOr =
  (message: string) =>
  (e: unknown): Conflict | Unavailable =>
    isRevisionMismatch(e) ? new Conflict({ message }) : toUnavailable(e)
