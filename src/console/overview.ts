// The overview's numbers, from the replies it asked for: per trigger, deliveries accepted (2xx) and
// rejected and runs started in the last hour, the most rejected first; the serve instances; the NATS
// connection. Pure.
import type { Schema } from "effect"
import type { DeliveryListReply, RunList } from "./replies.js"
import type { Instance } from "./micro.js"

/** Rows of the per-trigger table; a page of a thousand rows is no overview. */
export const MAX_ROWS = 50

export interface NatsState {
  readonly server: string
  readonly version: string
  readonly connected: boolean
}

export interface TriggerCounts {
  readonly trigger: string
  readonly accepted: number
  readonly rejected: number
  readonly runs: number
}

export const overview = (r: {
  readonly deliveries: Schema.Schema.Type<typeof DeliveryListReply>
  readonly runs: Schema.Schema.Type<typeof RunList>
  readonly instances: ReadonlyArray<Instance>
  readonly since: string
  readonly nats: NatsState
}) => {
  const counts = new Map<string, { accepted: number; rejected: number; runs: number }>()
  const of = (name: string) => {
    const c = counts.get(name) ?? { accepted: 0, rejected: 0, runs: 0 }
    counts.set(name, c)
    return c
  }
  for (const d of r.deliveries.deliveries) {
    const c = of(d.trigger)
    if (d.response.status >= 200 && d.response.status < 300) c.accepted++
    else c.rejected++
  }
  const since = Date.parse(r.since)
  for (const run of r.runs.runs) {
    if (Date.parse(run.created_at) >= since) of(run.trigger.name ?? "(none)").runs++
  }
  // What is on fire first: the most rejections, then the busiest; the rest only counted.
  const triggers: ReadonlyArray<TriggerCounts> = [...counts]
    .map(([trigger, c]) => ({ trigger, ...c }))
    .sort(
      (a, b) =>
        b.rejected - a.rejected ||
        b.accepted + b.runs - (a.accepted + a.runs) ||
        (a.trigger < b.trigger ? -1 : a.trigger > b.trigger ? 1 : 0),
    )
  return {
    since: r.since,
    nats: r.nats,
    instances: r.instances,
    triggers: triggers.slice(0, MAX_ROWS),
    more: Math.max(0, triggers.length - MAX_ROWS),
    // A count at the reply's limit is "at least": the list stopped there.
    truncated: r.deliveries.truncated === true || r.deliveries.deliveries.length >= 1_000,
  }
}
