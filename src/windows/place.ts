// Where a window's events are stored and whose consumer evaluates them: EVENTS and the evaluator's
// consumer, or the trigger's source stream and dagnats's consumer there. A window reads its events
// back from that stream (its run's payloads, its dead letters), waits on that consumer's progress,
// and reads a KV bucket's change as the change record its trigger saw when it was absorbed.
import { Consumers, Headers, kvBucketOf, kvKeyPrefix, kvStream, Streams } from "../protocol/names.js"
import { sourcePattern, sourceStream } from "../protocol/sources.js"
import { kvChange, kvOpOf, sourceRef } from "../domain/source.js"
import { KvOps, type KvOp } from "../domain/trigger-fields.js"
import { decodeEventPayload, type DecodedPayload } from "../domain/event-payload.js"
import { listenSubject, type StoredTrigger } from "../domain/trigger.js"
import type { StoredMessage } from "../nats/stream-messages.js"

export interface EventPlace {
  readonly stream: string
  readonly consumer: string
  /** A stored message's payload as the trigger's events carry it; a KV operation it does not take is no event of it. */
  readonly decode: (m: StoredMessage) => DecodedPayload
}

const decodeStored = (m: StoredMessage) => decodeEventPayload(m.data, m.header("Content-Type"))

const EVENTS_PLACE: EventPlace = { stream: Streams.events, consumer: Consumers.evaluator, decode: decodeStored }

const streamPlace = (stream: string): EventPlace => ({
  stream,
  consumer: Consumers.source(stream),
  decode: decodeStored,
})

const kvPlace = (bucket: string, ops: ReadonlyArray<KvOp>): EventPlace => {
  const stream = kvStream(bucket)
  const prefix = kvKeyPrefix(bucket)
  return {
    stream,
    consumer: Consumers.source(stream),
    decode: (m) => {
      const op = kvOpOf(m.header(Headers.kvOperation))
      if (!ops.includes(op)) return { ok: false, error: `a KV ${op}, which the trigger does not take` }
      const key = m.subject.startsWith(prefix) ? m.subject.slice(prefix.length) : m.subject
      return { ok: true, payload: kvChange({ bucket, key, op, revision: m.seq, data: m.data }) }
    },
  }
}

/** The place of a trigger's events; a trigger that is gone reads as EVENTS (its windows fire nothing). */
export const placeOf = (t: StoredTrigger | undefined): EventPlace => {
  const ref = t?.type === "event" ? sourceRef(t.source) : undefined
  return ref === undefined
    ? EVENTS_PLACE
    : ref.kind === "stream"
      ? streamPlace(ref.stream)
      : kvPlace(ref.bucket, ref.ops)
}

/**
 * Where a window's events were read from: a source's epoch names its stream (`{stream}:{created}`),
 * EVENTS' does not. A window opened before its trigger moved to another source still reads its own
 * events back from where they are.
 */
export const placeOfWindow = (epoch: string | undefined, t: StoredTrigger | undefined): EventPlace => {
  const current = placeOf(t)
  const at = epoch?.indexOf(":") ?? -1
  const stream = epoch !== undefined && at > 0 ? epoch.slice(0, at) : Streams.events
  if (stream === current.stream) return current
  if (stream === Streams.events) return EVENTS_PLACE
  const bucket = kvBucketOf(stream)
  return bucket !== undefined ? kvPlace(bucket, KvOps) : streamPlace(stream)
}

/** The subject pattern of a trigger's events inside its place's stream. */
export const placeSubject = (t: StoredTrigger): string =>
  sourceStream(t) === undefined ? listenSubject(t) : sourcePattern(t)
