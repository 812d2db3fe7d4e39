// The replies of the micro endpoints that are not a record or a list of records (those live beside
// their records: trigger.ts, run-record.ts, fire-record.ts, dead-letter.ts), as Schemas, so the JSON
// Schemas `$SRV.INFO` publishes derive from the same definitions the endpoints are typed with. Pure.
import { Schema } from "effect"

/** runs.start and triggers.fire. */
export const RunIdReply = Schema.Struct({ run_id: Schema.String })

/** triggers.delete. */
export const DeletedReply = Schema.Struct({ deleted: Schema.Literal(true), name: Schema.String })

const optional = Schema.optionalKey
/** One condition's result in a triggers.test reply (trigger-test.ts says what each field holds). */
const TestCheck = Schema.Union([
  Schema.Struct({ check: Schema.Literal("subject"), pass: Schema.Boolean, want: Schema.String, seen: Schema.String }),
  Schema.Struct({
    check: Schema.Literal("filter"),
    pass: Schema.Boolean,
    field: optional(Schema.String),
    header: optional(Schema.String),
    want: Schema.Unknown,
    seen: optional(Schema.Unknown),
    seen_cut: optional(Schema.Literal(true)),
  }),
  Schema.Struct({
    check: Schema.Literal("when"),
    pass: Schema.Boolean,
    source: Schema.String,
    detail: optional(Schema.String),
  }),
  Schema.Struct({
    check: Schema.Literal("input"),
    pass: Schema.Boolean,
    source: Schema.String,
    input: optional(Schema.Unknown),
    error: optional(Schema.String),
  }),
])
/**
 * triggers.test of a webhook or event trigger: whether the payload would start a run, why not (the
 * first condition that failed), the run input a mapping makes, and every condition's own result.
 */
const MatchReply = Schema.Struct({
  matched: Schema.Boolean,
  reason: optional(Schema.String),
  detail: optional(Schema.String),
  input: optional(Schema.Unknown),
  checks: Schema.Array(TestCheck),
})
/** triggers.test of a schedule: its next instants in UTC and in its own time zone. */
export const ScheduleTestReply = Schema.Struct({
  next: Schema.Array(Schema.String),
  timezone: Schema.String,
  next_local: Schema.Array(Schema.String),
})
export const TestReply = Schema.Union([MatchReply, ScheduleTestReply])

const ReplayCounts = {
  evaluated: Schema.Finite,
  fired: Schema.Finite,
  existing: Schema.Finite,
  skipped: Schema.Finite,
}

/** events.replay: counts, the runs started, and for a dry run what each event would do. */
export const ReplayReply = Schema.Struct({
  ...ReplayCounts,
  runs: Schema.Array(Schema.String),
  removed: Schema.optionalKey(Schema.Finite),
  events: Schema.optionalKey(
    Schema.Array(
      Schema.Struct({
        subject: Schema.String,
        seq: Schema.Finite,
        outcome: Schema.Literals(["fired", "existing", "skipped"]),
        reason: Schema.optionalKey(Schema.String),
        run_id: Schema.optionalKey(Schema.String),
      }),
    ),
  ),
  truncated: Schema.optionalKey(Schema.Boolean),
  /** Events are left: the request fields to send again, with these replaced, for the next part. */
  next: Schema.optionalKey(
    Schema.Struct({
      from_seq: Schema.optionalKey(Schema.Finite),
      since: Schema.optionalKey(Schema.String),
      until: Schema.String,
    }),
  ),
})
