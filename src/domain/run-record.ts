// The run record in KV `dagnats_runs`, as one Schema: the type every part uses, the decoder of what
// is read back, and the JSON Schema `$SRV.INFO` publishes for runs.get and runs.list all derive
// from it. Pure.
import { Schema } from "effect"
import { RunStatus } from "./run-status.js"

/** What started a run, in dagnats's names (the workflow.started payload uses the engine's). */
export const RunSource = Schema.Literals(["webhook", "event", "manual", "schedule"])
export type RunSource = typeof RunSource.Type

export const RunEvent = Schema.Struct({
  subject: Schema.String,
  seq: Schema.Finite,
  delivery_id: Schema.NullOr(Schema.String),
})

const runFields = {
  run_id: Schema.String,
  workflow: Schema.String,
  /** `pending` when created; the outcomes consumer moves it forward from the engine's events. */
  status: RunStatus,
  input: Schema.Unknown,
  trigger: Schema.Struct({ name: Schema.NullOr(Schema.String), type: RunSource }),
  event: Schema.NullOr(RunEvent),
  created_at: Schema.String,
  /** How many events the run covers (1, or the size of a debounce window or batch). */
  count: Schema.Finite,
  /** When the status last changed; absent while pending. */
  updated_at: Schema.optionalKey(Schema.String),
  /** When the engine reported the run completed, failed or cancelled. */
  finished_at: Schema.optionalKey(Schema.String),
  /** The engine's error text for a failed run. */
  error: Schema.optionalKey(Schema.String),
}

export const RunRecord = Schema.Struct(runFields)
export type RunRecord = typeof RunRecord.Type

/** The fields a list may cut from a run to fit the reply, largest first; `run get` has them whole. */
export const RUN_LARGE_FIELDS = ["input", "error"] as const

/**
 * A run as a list shows it: the record, or (when the list had to fit the server's max payload) the
 * record with the fields named in `cut` shortened or left out.
 */
export const RunListItem = Schema.Struct({
  ...runFields,
  input: Schema.optionalKey(Schema.Unknown),
  cut: Schema.optionalKey(Schema.Array(Schema.Literals(RUN_LARGE_FIELDS))),
})
export type RunListItem = typeof RunListItem.Type

/** runs.list: newest first; `truncated` when runs were left out or cut, `next` the `before` of the next page. */
export const RunListReply = Schema.Struct({
  runs: Schema.Array(RunListItem),
  truncated: Schema.optionalKey(Schema.Literal(true)),
  next: Schema.optionalKey(Schema.String),
})
