// What trigger create, update and delete do about sources: before a trigger with a source is
// stored, its stream is checked (it exists, dagnats may read it, its retention leaves messages to
// their owner, the subject can match in it) and the consumer is made to serve it, so a message
// published once create has answered is evaluated; after a change, the consumers of the streams
// it touched are set to what the stored triggers need (deleted with the last one).
import { Effect, Schema } from "effect"
import type { NatsHandles } from "../nats/connection.js"
import { streamFacts } from "../nats/source-streams.js"
import { InvalidInput, type Unavailable } from "../domain/errors.js"
import { StoredTrigger } from "../domain/trigger.js"
import { sourceRef } from "../domain/source.js"
import type { TriggerTableShape } from "../triggers/index.js"
import type { EvaluatorTiming } from "../config/evaluator-timing.js"
import { streamsOf, withinStream } from "./plan.js"
import { sourcePattern, sourceStream } from "../protocol/sources.js"
import { settle, widen } from "./consumers.js"

export interface SourceGateShape {
  /**
   * Refuse a candidate definition whose source cannot be read; else make its consumer serve it, and
   * answer the stream (for `settle` should the write then fail).
   */
  readonly prepare: (candidate: unknown) => Effect.Effect<ReadonlyArray<string>, InvalidInput | Unavailable>
  /** After a trigger on `streams` changed or went: their consumers as the stored triggers need them. */
  readonly settle: (streams: ReadonlyArray<string>) => Effect.Effect<void, InvalidInput | Unavailable>
}

const isCandidate = Schema.is(
  Schema.Struct({ type: Schema.Literal("event"), subject: Schema.String, source: StoredTrigger.fields.source }),
)

const quoted = (subjects: ReadonlyArray<string>) => subjects.join(", ")

export const makeSourceGate = (h: NatsHandles, table: TriggerTableShape, timing: EvaluatorTiming): SourceGateShape => {
  const prepare = (candidate: unknown) =>
    Effect.gen(function* () {
      // Anything else is the definition's own rules to refuse, with their messages.
      if (!isCandidate(candidate) || candidate.source === undefined) return []
      const ref = sourceRef(candidate.source)!
      const stream = sourceStream(candidate)!
      const pattern = sourcePattern(candidate)
      const facts = yield* streamFacts(h, stream)
      const what = ref.kind === "kv" ? `KV bucket ${ref.bucket}` : `stream ${stream}`
      if (facts._tag === "Missing") {
        return yield* new InvalidInput({
          message:
            ref.kind === "kv"
              ? `source.kv: ${what} does not exist in dagnats's account; create it first ` +
                `(nats kv add ${ref.bucket}) or check the name`
              : `source.stream: ${what} does not exist in dagnats's account; create it first ` +
                `(nats stream add ${stream} --subjects '…') or check the name`,
        })
      }
      if (facts._tag === "Forbidden") {
        return yield* new InvalidInput({
          message:
            `source: dagnats's NATS user may not read ${what} (${facts.detail}); allow it to publish to ` +
            `$JS.API.STREAM.INFO.${stream}, $JS.API.CONSUMER.> and $JS.ACK.${stream}.> (see nats.conf)`,
        })
      }
      if (facts.retention !== "limits") {
        return yield* new InvalidInput({
          message:
            `source: ${what} has ${facts.retention === "workqueue" ? "work-queue" : "interest"} retention: a ` +
            "consumer of dagnats's would take messages away from their owner; trigger on a stream with limits " +
            `retention instead (one that sources ${stream})`,
        })
      }
      if (ref.kind === "stream" && !withinStream(pattern, facts.subjects)) {
        return yield* new InvalidInput({
          message:
            `subject: ${pattern} matches none of stream ${stream}'s subjects (${quoted(facts.subjects)}); ` +
            "give a pattern within them",
        })
      }
      yield* table.sync
      const others = streamsOf(table.all()).get(stream) ?? []
      yield* widen(h, stream, [...others, pattern], timing)
      return [stream]
    })

  const settleStreams = (streams: ReadonlyArray<string>) =>
    Effect.gen(function* () {
      if (streams.length === 0) return
      yield* table.sync
      const wanted = streamsOf(table.all())
      for (const stream of new Set(streams)) {
        const result = yield* settle(h, stream, wanted.get(stream) ?? [], timing)
        if (result === "deleted") yield* Effect.log(`source ${stream}: no trigger reads it any more; consumer deleted`)
      }
    })

  return { prepare, settle: settleStreams }
}

/** The source streams a stored trigger reads (none for EVENTS). */
export const streamsTouched = (...ts: ReadonlyArray<StoredTrigger | undefined>): ReadonlyArray<string> =>
  ts.flatMap((t) => {
    const s = t === undefined ? undefined : sourceStream(t)
    return s === undefined ? [] : [s]
  })
