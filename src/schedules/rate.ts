// The bound on how often schedule triggers fire together. Every instant costs serve a handful of
// NATS round trips (timer, state, run, history, next timer) on the same event loop and connection
// as webhooks; 2,000 every-second schedules once cut webhook throughput from 700/s to 24/s. So the
// enabled schedules together may fire at most MAX_SCHEDULE_RATE instants a second (on their
// busiest day), checked whenever a schedule is created, updated or enabled.
import { instantsPerSecond } from "../domain/schedule.js"
import type { StoredTrigger } from "../domain/trigger.js"
import { specOf } from "./view.js"

/** Instants a second all enabled schedule triggers together may fire (100 every-second schedules). */
export const MAX_SCHEDULE_RATE = 100

/** The fields of a trigger as it would be after a create, update or enable. */
export interface ScheduleCandidate {
  readonly name: string
  readonly type?: unknown
  readonly cron?: unknown
  readonly timezone?: unknown
  readonly enabled?: unknown
}

const remembered = new Map<string, number>()

/** The rate of a stored trigger, remembered per expression (H pinned to its name). */
const rateOf = (t: StoredTrigger): number => {
  const key = `${t.name}|${t.cron}`
  let r = remembered.get(key)
  if (r === undefined) {
    r = instantsPerSecond(specOf(t)) ?? 0
    if (remembered.size >= 100_000) remembered.clear()
    remembered.set(key, r)
  }
  return r
}

const round = (x: number) => Math.round(x * 100) / 100

/**
 * Why the candidate would take the enabled schedules past MAX_SCHEDULE_RATE, or undefined. Only
 * a candidate that is an enabled schedule with a readable expression is judged (anything else is
 * the definition's rules to refuse); `others` are the triggers as this serve knows them.
 */
export const scheduleRateProblem = (c: ScheduleCandidate, others: ReadonlyArray<StoredTrigger>): string | undefined => {
  if (c.type !== "schedule" || typeof c.cron !== "string" || c.enabled === false) return undefined
  const own = instantsPerSecond({ cron: c.cron, timezone: "UTC", seed: c.name })
  if (own === undefined) return undefined
  const rest = others
    .filter((t) => t.name !== c.name && t.type === "schedule" && t.enabled !== false)
    .reduce((sum, t) => sum + rateOf(t), 0)
  if (own + rest <= MAX_SCHEDULE_RATE) return undefined
  return (
    `cron: the enabled schedule triggers would fire ${round(own + rest)} times a second together ` +
    `(this one ${round(own)}); at most ${MAX_SCHEDULE_RATE} a second are allowed, so webhooks keep their share ` +
    "of serve: use a longer period, or disable or delete other schedules"
  )
}
