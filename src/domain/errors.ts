// The conditions every boundary can report. Each adapter maps them to its own wire form in exactly
// one place: HTTP statuses in ingest/http-errors.ts, micro error codes in service/errors.ts, and
// CLI exit codes in cli/exit.ts.
import { Schema } from "effect"

/** Input broke a rule; `message` names the field and the rule. */
export class InvalidInput extends Schema.TaggedError<InvalidInput>()("InvalidInput", {
  message: Schema.String,
}) {}

/** The named trigger, run or other resource does not exist. */
export class NotFound extends Schema.TaggedError<NotFound>()("NotFound", {
  kind: Schema.String,
  name: Schema.String,
}) {
  override get message(): string {
    return `${this.kind} "${this.name}" not found`
  }
}

/** The resource exists already, or changed under us (revision mismatch). */
export class Conflict extends Schema.TaggedError<Conflict>()("Conflict", {
  message: Schema.String,
}) {}

/** NATS or JetStream did not answer in time; the caller may retry. */
export class Unavailable extends Schema.TaggedError<Unavailable>()("Unavailable", {
  message: Schema.String,
}) {}

/** Something that should not happen; logged with its cause. */
export class Internal extends Schema.TaggedError<Internal>()("Internal", {
  message: Schema.String,
}) {}

export type ServiceError = InvalidInput | NotFound | Conflict | Unavailable | Internal

/** The JSON error body shared by HTTP and micro, so clients parse one shape. */
export interface ErrorBody {
  readonly error: { readonly code: string; readonly message: string }
}
export const errorBody = (code: string, message: string): ErrorBody => ({ error: { code, message } })
