// A dead letter as `dagnats.events.dead` lists it: the event's subject and EVENTS sequence, why it
// was given up on, and when. One Schema for the type and the JSON Schema `$SRV.INFO` publishes. Pure.
import { Schema } from "effect"

export const DeadSummary = Schema.Struct({
  subject: Schema.String,
  seq: Schema.Finite,
  error: Schema.String,
  at: Schema.String,
  /** Fields shortened to fit the server's max payload. */
  cut: Schema.optionalKey(Schema.Array(Schema.Literals(["error"]))),
})
export type DeadSummary = typeof DeadSummary.Type

/** The fields a list may cut from a dead letter to fit the reply. */
export const DEAD_LARGE_FIELDS = ["error"] as const

/** events.dead: newest first; `truncated` when letters were left out or cut, `next` the next page's `before`. */
export const DeadReply = Schema.Struct({
  dead: Schema.Array(DeadSummary),
  truncated: Schema.optionalKey(Schema.Literal(true)),
  next: Schema.optionalKey(Schema.Finite),
})
