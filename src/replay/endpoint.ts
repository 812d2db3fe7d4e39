// The micro endpoint `dagnats.events.replay`: decode the request, look the trigger up as it is now,
// and run one part of the replay. Progress travels only as replies to the request itself: each reply
// carries that part's counts and, while events are left, `next` (the fields of the next request), so
// serve never publishes to a subject a request names, and a replay ends when its requester stops asking.
import { Effect, Schema } from "effect"
import { InvalidInput } from "../domain/errors.js"
import { isValidSubjectPattern, isWithinEvents } from "../domain/subjects.js"
import { Name } from "../domain/trigger.js"
import type { TriggerStoreShape } from "../triggers/index.js"
import { endpoint, type Endpoint } from "../micro/index.js"
import { parseRange } from "./range.js"
import { replay, type ReplayDeps } from "./replay.js"

/** A stream sequence: a whole number from 1. */
const Sequence = Schema.Number.pipe(
  Schema.check(
    Schema.makeFilter((n: number) =>
      Number.isSafeInteger(n) && n >= 1 ? undefined : "must be a stream sequence (a whole number from 1)",
    ),
  ),
)

const ReplayRequest = Schema.Struct({
  trigger: Name,
  since: Schema.optionalKey(Schema.String),
  until: Schema.optionalKey(Schema.String),
  /** Continue a replay at this stream sequence: a previous reply's `next.from_seq`. */
  from_seq: Schema.optionalKey(Sequence),
  subject: Schema.optionalKey(Schema.String),
  dead: Schema.optionalKey(Schema.Boolean),
  dry_run: Schema.optionalKey(Schema.Boolean),
})

export const replayEndpoints = (store: TriggerStoreShape, deps: ReplayDeps): ReadonlyArray<Endpoint> => [
  endpoint("events", "replay", ReplayRequest, (r) =>
    Effect.gen(function* () {
      const trigger = yield* store.get(r.trigger)
      if (trigger.type === "schedule") {
        return yield* new InvalidInput({
          message: `trigger: ${trigger.name} is a schedule; only webhook and event triggers have events to replay`,
        })
      }
      // A trigger with a source takes a pattern within its stream (or its bucket's keys).
      const sourced = trigger.source !== undefined
      if (r.subject !== undefined && !(isValidSubjectPattern(r.subject) && (sourced || isWithinEvents(r.subject)))) {
        return yield* new InvalidInput({
          message: sourced
            ? `subject: must be a subject or pattern (got "${r.subject.slice(0, 80)}")`
            : `subject: must be a subject or pattern inside event.> (got "${r.subject.slice(0, 80)}")`,
        })
      }
      const range = parseRange(r.since, r.until, r.from_seq, Date.now())
      if (typeof range === "string") return yield* new InvalidInput({ message: range })
      return yield* replay(deps, {
        trigger,
        range,
        subject: r.subject,
        dead: r.dead === true,
        dryRun: r.dry_run === true,
      })
    }),
  ),
]
