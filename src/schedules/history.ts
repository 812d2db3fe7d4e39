// History records of schedule triggers on `trigger.fire.{name}`: one per scheduled instant, fired
// (with its run) or skipped as missed. Same shape as event outcomes, plus `scheduled_at`, and the
// DagNats engine's TriggerFire fields so its tools read them too.
import { Effect } from "effect"
import type { JetStreamClient } from "@nats-io/jetstream"
import { headers as natsHeaders } from "@nats-io/nats-core"
import { Subjects } from "../protocol/names.js"
import { rfc3339 } from "../domain/schedule.js"
import { toUnavailable } from "../nats/conditions.js"

interface ScheduleRecord {
  readonly trigger: string
  readonly workflow: string
  readonly outcome: "fired" | "skipped"
  readonly reason?: "missed"
  readonly run_id?: string
  readonly count?: number
  /** A schedule has no event; the timer subject stands in, so every record has the same shape. */
  readonly event: { readonly subject: string; readonly seq: number }
  readonly scheduled_at: string
  /** Set on the oldest skipped record when even older missed instants were not listed. */
  readonly older_missed?: boolean
  readonly at: string
  readonly trigger_id: string
  readonly workflow_id: string
  readonly source: string
  readonly fired_at: string
  readonly skipped: boolean
  readonly skip_reason?: string
}

interface Base {
  readonly trigger: string
  readonly workflow: string
  readonly instantMs: number
  readonly atMs: number
}

const common = (b: Base) => ({
  trigger: b.trigger,
  workflow: b.workflow,
  event: { subject: Subjects.scheduleTimer(b.trigger), seq: 0 },
  scheduled_at: rfc3339(b.instantMs),
  at: rfc3339(b.atMs),
  trigger_id: b.trigger,
  workflow_id: b.workflow,
  source: b.trigger,
  fired_at: rfc3339(b.atMs),
})

export const firedRecord = (b: Base, runId: string): ScheduleRecord => ({
  ...common(b),
  outcome: "fired",
  run_id: runId,
  count: 1,
  skipped: false,
})

export const missedRecord = (b: Base, olderMissed: boolean): ScheduleRecord => ({
  ...common(b),
  outcome: "skipped",
  reason: "missed",
  skipped: true,
  skip_reason: "missed",
  ...(olderMissed ? { older_missed: true } : {}),
})

const encoder = new TextEncoder()

/** One record per trigger, instant and outcome: a retried fire does not repeat it. */
export const recordSchedule = (js: JetStreamClient, r: ScheduleRecord) =>
  Effect.tryPromise({
    try: () => {
      const h = natsHeaders()
      h.set("Content-Type", "application/json")
      return js.publish(Subjects.triggerFire(r.trigger), encoder.encode(JSON.stringify(r)), {
        msgID: `${r.trigger}.schedule.${r.scheduled_at}.${r.outcome}`,
        headers: h,
      })
    },
    catch: toUnavailable,
  })
