// The overview's numbers, from the replies it asked for: per trigger, deliveries accepted (2xx) and
// rejected and runs started since the hour began; the serve instances; the NATS connection. Pure.
import type { Schema } from "effect"
import type { DeliveryListReply, RunList } from "./replies.js"
import type { Instance } from "./micro.js"

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
  const triggers: ReadonlyArray<TriggerCounts> = [...counts]
    .map(([trigger, c]) => ({ trigger, ...c }))
    .sort((a, b) => (a.trigger < b.trigger ? -1 : a.trigger > b.trigger ? 1 : 0))
  return {
    since: r.since,
    nats: r.nats,
    instances: r.instances,
    triggers,
    // A count at the reply's limit is "at least": the list stopped there.
    truncated: r.deliveries.truncated === true || r.deliveries.deliveries.length >= 1_000,
  }
}
