// Where a window's events are stored and whose consumer evaluates them: EVENTS and the evaluator's
// consumer, or the trigger's source stream and dagnats's consumer there. A window reads its events
// back from that stream (its run's payloads, its dead letters), waits on that consumer's progress,
// and reads a KV bucket's change as the change record its trigger saw when it was absorbed.
import { Consumers, Headers, kvKeyPrefix, Streams } from "../protocol/names.js"
import { sourcePattern, sourceStream } from "../protocol/sources.js"
import { kvChange, kvOpOf, sourceRef } from "../domain/source.js"
import { decodeEventPayload, type DecodedPayload } from "../domain/event-payload.js"
import { listenSubject, type StoredTrigger } from "../domain/trigger.js"
import type { StoredMessage } from "../nats/stream-messages.js"

export interface EventPlace {
  readonly stream: string
  readonly consumer: string
  /** The payload of a stored message as the trigger's events carry it; a KV operation it does not take is no event of it. */
  readonly decode: (m: StoredMessage) => DecodedPayload
}

const EVENTS_PLACE: EventPlace = {
  stream: Streams.events,
  consumer: Consumers.evaluator,
  decode: (m) => decodeEventPayload(m.data, m.header("Content-Type")),
}

/** The place of a trigger's events; a trigger that is gone reads as EVENTS (its windows fire nothing). */
export const placeOf = (t: StoredTrigger | undefined): EventPlace => {
  const stream = t === undefined ? undefined : sourceStream(t)
  if (t === undefined || stream === undefined) return EVENTS_PLACE
  const ref = sourceRef(t.source)
  if (ref?.kind !== "kv") return { ...EVENTS_PLACE, stream, consumer: Consumers.source(stream) }
  const prefix = kvKeyPrefix(ref.bucket)
  return {
    stream,
    consumer: Consumers.source(stream),
    decode: (m) => {
      const op = kvOpOf(m.header(Headers.kvOperation))
      if (!ref.ops.includes(op)) return { ok: false, error: `a KV ${op}, which the trigger does not take` }
      const key = m.subject.startsWith(prefix) ? m.subject.slice(prefix.length) : m.subject
      return { ok: true, payload: kvChange({ bucket: ref.bucket, key, op, revision: m.seq, data: m.data }) }
    },
  }
}

/** The subject pattern of a trigger's events inside its place's stream. */
export const placeSubject = (t: StoredTrigger): string =>
  sourceStream(t) === undefined ? listenSubject(t) : sourcePattern(t)
