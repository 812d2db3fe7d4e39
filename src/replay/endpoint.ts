// The micro endpoint `dagnats.events.replay`: decode the request, look the trigger up as it is now,
// run the replay, and send progress to the caller's `progress` subject (if it gave one) while a long
// replay runs, so the CLI can show it and need not guess a timeout.
import { Effect, Schema } from "effect"
import type { NatsConnection } from "@nats-io/nats-core"
import { InvalidInput } from "../domain/errors.js"
import { isValidSubjectLiteral, isValidSubjectPattern, isWithinEvents } from "../domain/subjects.js"
import type { TriggerStoreShape } from "../triggers/index.js"
import { endpoint, type Endpoint } from "../micro/index.js"
import { parseRange } from "./range.js"
import { replay, type ReplayDeps } from "./replay.js"

/** How often progress is sent while a replay runs. */
const PROGRESS_INTERVAL_MS = 500

const ReplayRequest = Schema.Struct({
  trigger: Schema.String,
  since: Schema.optionalKey(Schema.String),
  until: Schema.optionalKey(Schema.String),
  subject: Schema.optionalKey(Schema.String),
  dead: Schema.optionalKey(Schema.Boolean),
  dry_run: Schema.optionalKey(Schema.Boolean),
  /** A subject (an inbox) the caller listens on for progress lines. */
  progress: Schema.optionalKey(Schema.String),
})

export const replayEndpoints = (
  nc: NatsConnection,
  store: TriggerStoreShape,
  deps: ReplayDeps,
): ReadonlyArray<Endpoint> => [
  endpoint("events", "replay", ReplayRequest, (r) =>
    Effect.gen(function* () {
      const trigger = yield* store.get(r.trigger)
      if (trigger.type === "schedule") {
        return yield* new InvalidInput({
          message: `trigger: ${trigger.name} is a schedule; only webhook and event triggers have events to replay`,
        })
      }
      if (r.subject !== undefined && !(isValidSubjectPattern(r.subject) && isWithinEvents(r.subject))) {
        return yield* new InvalidInput({
          message: `subject: must be a subject or pattern inside event.> (got "${r.subject.slice(0, 80)}")`,
        })
      }
      if (r.progress !== undefined && !isValidSubjectLiteral(r.progress)) {
        return yield* new InvalidInput({ message: "progress: must be a subject without wildcards" })
      }
      const range = parseRange(r.since, r.until, Date.now())
      if (typeof range === "string") return yield* new InvalidInput({ message: range })
      let lastSent = Date.now()
      const progressTo = r.progress
      return yield* replay(
        deps,
        { trigger, range, subject: r.subject, dead: r.dead === true, dryRun: r.dry_run === true },
        (counts) => {
          if (progressTo === undefined || Date.now() - lastSent < PROGRESS_INTERVAL_MS) return
          lastSent = Date.now()
          try {
            nc.publish(progressTo, JSON.stringify(counts))
          } catch {
            /* progress is best effort */
          }
        },
      )
    }),
  ),
]
