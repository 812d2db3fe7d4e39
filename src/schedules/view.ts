// What read paths add for a schedule trigger: its next fire time (list) and its next N instants in
// its own time zone and UTC (`trigger test`). Pure: time is a parameter.
import { inZone, nextAfter, nextInstants, rfc3339 } from "../domain/schedule.js"
import type { StoredTrigger } from "../domain/trigger.js"

/** `next_fire_at` for an enabled schedule trigger that fires again; nothing for any other trigger. */
export const nextFireField = (t: StoredTrigger, nowMs: number): { readonly next_fire_at?: string } => {
  if (t.type !== "schedule" || t.enabled === false || t.cron === undefined) return {}
  const next = nextAfter({ cron: t.cron, timezone: t.timezone ?? "UTC" }, nowMs)
  return next === undefined ? {} : { next_fire_at: rfc3339(next) }
}

export const MAX_TEST_COUNT = 1_000

interface ScheduleTestReply {
  /** The next instants, RFC 3339 in UTC. */
  readonly next: ReadonlyArray<string>
  readonly timezone: string
  /** The same instants with the offset of the trigger's time zone. */
  readonly next_local: ReadonlyArray<string>
}

export const scheduleTest = (t: StoredTrigger, count: number, nowMs: number): ScheduleTestReply => {
  const timezone = t.timezone ?? "UTC"
  const instants = nextInstants({ cron: t.cron ?? "", timezone }, nowMs, count)
  return { next: instants.map(rfc3339), timezone, next_local: instants.map((ms) => inZone(ms, timezone)) }
}
