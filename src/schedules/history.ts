// History records of schedule triggers on `trigger.fire.{name}`: one per scheduled instant, fired
// (with its run) or skipped as missed. Each is a fire record (the evaluator's outcome fields and the
// DagNats engine's TriggerFire fields, from the same builders) plus the instant it was for.
import { publishJson, type StreamClient } from "../nats/publish-json.js"
import { Subjects } from "../protocol/names.js"
import { rfc3339 } from "../domain/schedule.js"
import { fired, skipped, type FireRecord } from "../domain/fire-record.js"

export interface ScheduleRecord extends FireRecord {
  readonly outcome: "fired" | "skipped"
  readonly scheduled_at: string
  /** Set on the oldest skipped record when even older missed instants were not listed. */
  readonly older_missed?: boolean
}

interface Instant {
  readonly trigger: string
  readonly workflow: string
  readonly instantMs: number
  readonly atMs: number
}

/** A schedule has no event; the timer subject stands in, so every record has the same shape. */
const fireBase = (i: Instant) => ({
  trigger: i.trigger,
  workflow: i.workflow,
  event: { subject: Subjects.scheduleTimer(i.trigger), seq: 0 },
  at: rfc3339(i.atMs),
})

export const firedRecord = (i: Instant, runId: string): ScheduleRecord => ({
  ...fired(fireBase(i), runId, 1),
  outcome: "fired",
  scheduled_at: rfc3339(i.instantMs),
})

export const missedRecord = (i: Instant, olderMissed: boolean): ScheduleRecord => ({
  ...skipped(fireBase(i), "missed"),
  outcome: "skipped",
  scheduled_at: rfc3339(i.instantMs),
  ...(olderMissed ? { older_missed: true } : {}),
})

/** One record per trigger, instant and outcome: a retried fire does not repeat it. */
export const recordSchedule = (publisher: StreamClient, r: ScheduleRecord) =>
  publishJson(publisher, Subjects.triggerFire(r.trigger), r, {
    msgId: `${r.trigger}.schedule.${r.scheduled_at}.${r.outcome}`,
  })
