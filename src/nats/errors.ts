// Translating nats.js failures into dagnats conditions, in one place.
import { JetStreamApiCodes, JetStreamApiError } from "@nats-io/jetstream"
import { Conflict, Unavailable } from "../domain/errors.js"

/** A KV create/update lost a race or found the key present: the revision check failed. */
export const isRevisionMismatch = (e: unknown): boolean =>
  e instanceof JetStreamApiError &&
  (e.code === JetStreamApiCodes.StreamWrongLastSequence || e.code === JetStreamApiCodes.StreamWrongLastSequenceUnknown)

export const describe = (e: unknown): string => (e instanceof Error ? e.message : String(e))

/** Anything NATS failed with that is not a revision check is treated as "try again later". */
export const toUnavailable = (e: unknown): Unavailable => new Unavailable({ message: `NATS: ${describe(e)}` })

export const conflictOr =
  (message: string) =>
  (e: unknown): Conflict | Unavailable =>
    isRevisionMismatch(e) ? new Conflict({ message }) : toUnavailable(e)
