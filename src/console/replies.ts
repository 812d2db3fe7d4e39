// The shape of every micro service reply the console reads, checked with Schema before anything is
// shown: a reply of another shape is an error naming the field, never a page built from `undefined`.
// Only what the pages read is checked; the reply itself is passed on whole (a trigger's definition
// shows every field the service sent).
import { Schema } from "effect"
import { Delivery, DeliveryListReply } from "../domain/delivery.js"

const Str = Schema.String
const Num = Schema.Number
const opt = Schema.optionalKey

export const TriggerView = Schema.Struct({
  name: Str,
  type: Str,
  workflow: Str,
  revision: Num,
  enabled: opt(Schema.Boolean),
  cron: opt(Str),
  timezone: opt(Str),
  next_fire_at: opt(Str),
  when: opt(Str),
  filters: opt(Schema.Array(Schema.Unknown)),
})
export const TriggerPage = Schema.Struct({ triggers: Schema.Array(TriggerView), next: opt(Str) })

export const RunView = Schema.Struct({
  run_id: Str,
  workflow: Str,
  status: Str,
  trigger: Schema.Struct({ name: Schema.NullOr(Str), type: Str }),
  event: Schema.NullOr(Schema.Struct({ subject: Str, seq: Num, delivery_id: opt(Schema.NullOr(Str)) })),
  created_at: Str,
})
export const RunList = Schema.Struct({ runs: Schema.Array(RunView), next: opt(Str) })

export const TestReply = Schema.Struct({ matched: Schema.Boolean, checks: opt(Schema.Array(Schema.Unknown)) })

export const History = Schema.Struct({ fires: Schema.Array(Schema.Unknown), next: opt(Num) })

export const DeadList = Schema.Struct({
  dead: Schema.Array(Schema.Struct({ subject: Str, seq: Num, error: Str, at: Str })),
})

/** Any JSON object: replies the page shows as they are (a replay's counts). */
export const AnyObject = Schema.Record(Str, Schema.Unknown)

export { Delivery, DeliveryListReply }
