// The life of dagnats's consumer on a source stream. Widening (create it, or let more subjects
// through) is always safe and any serve does it whenever it sees a trigger the consumer does not
// serve yet; narrowing and deleting follow a trigger's update or deletion, judged on the trigger
// table as KV has it then. The evaluator matches every subject itself, so filters only save work.
import { Effect } from "effect"
import type { NatsHandles } from "../nats/connection.js"
import { deleteSourceConsumer, putSourceConsumer, sourceConsumerFilters } from "../nats/source-streams.js"
import type { DurableSpec } from "../nats/worker.js"
import { InvalidInput } from "../domain/errors.js"
import type { EvaluatorTiming } from "../config/evaluator-timing.js"
import { consumerName, filterPlan, filterSupport, filtersCover } from "./plan.js"

/** In flight per serve and unacknowledged per consumer, as for the EVENTS consumer. */
export const sourceSpec = (stream: string, t: EvaluatorTiming): DurableSpec => ({
  stream,
  name: consumerName(stream),
  filterSubject: "",
  ackWaitMs: t.ackWaitMs,
  maxAckPending: 4_096,
  maxInFlight: 64,
})

const forbidden = (stream: string, detail: string) =>
  new InvalidInput({
    message:
      `source: dagnats's NATS user may not create its consumer ${consumerName(stream)} on stream ${stream} ` +
      `(${detail}); allow it to publish to $JS.API.CONSUMER.> and $JS.ACK.${stream}.> (see nats.conf)`,
  })

const put = (h: NatsHandles, stream: string, filters: ReadonlyArray<string>, t: EvaluatorTiming) =>
  Effect.gen(function* () {
    const spec = sourceSpec(stream, t)
    const result = yield* putSourceConsumer(h, {
      stream,
      name: spec.name,
      filters,
      ackWaitMs: spec.ackWaitMs,
      maxAckPending: spec.maxAckPending,
    })
    if (typeof result === "object") return yield* forbidden(stream, result.forbidden)
    return result
  })

/** Make sure the consumer exists and lets every pattern through; never narrows. */
export const widen = (h: NatsHandles, stream: string, patterns: ReadonlyArray<string>, t: EvaluatorTiming) =>
  Effect.gen(function* () {
    const current = yield* sourceConsumerFilters(h, stream, consumerName(stream))
    if (current !== undefined && filtersCover(current, patterns)) return "unchanged" as const
    const support = filterSupport(h.nc.info?.version)
    return yield* put(h, stream, filterPlan([...(current ?? []), ...patterns], support), t)
  })

/** Filters exactly for these patterns; with none left, the consumer is deleted. */
export const settle = (h: NatsHandles, stream: string, patterns: ReadonlyArray<string>, t: EvaluatorTiming) =>
  patterns.length === 0
    ? Effect.as(deleteSourceConsumer(h, stream, consumerName(stream)), "deleted" as const)
    : put(h, stream, filterPlan(patterns, filterSupport(h.nc.info?.version)), t)
