// How a source stream's messages become events for the evaluator. A stream message is evaluated as
// an EVENTS message is, but its identity is always its sequence in the stream's epoch (a message id
// the operator's publisher set is that publisher's business, and the stream already deduplicated on
// it). A KV change becomes its change record `{bucket, key, op, revision, value}`, and reaches only
// the triggers whose `ops` take its operation.
import type { JsMsg } from "../nats/jetstream-api.js"
import { storedEvent, type EvaluateDeps, type EvaluatedEvent, type MessageReading } from "../evaluator/index.js"
import { kvChange, kvOpOf, sourceRef } from "../domain/source.js"
import { Headers, kvKeyPrefix } from "../protocol/names.js"
import type { StoredTrigger } from "../domain/trigger.js"
import type { KvOp } from "../domain/trigger-fields.js"
import { utf8Bytes } from "../domain/utf8.js"

export const streamReading: MessageReading = {
  toEvent: (m, epoch) => ({ ...storedEvent(m, epoch), deliveryId: undefined }),
}

const opOf = (m: JsMsg) => kvOpOf(m.headers?.get(Headers.kvOperation) || undefined)

/**
 * A stored KV message as its change record: live, and from a dead letter (which keeps the message's
 * subject, sequence and KV-Operation header).
 */
export const kvChangeEvent = (bucket: string, e: EvaluatedEvent): EvaluatedEvent => {
  const prefix = kvKeyPrefix(bucket)
  const key = e.subject.startsWith(prefix) ? e.subject.slice(prefix.length) : e.subject
  const op = kvOpOf(e.header(Headers.kvOperation.toLowerCase()))
  const change = kvChange({ bucket, key, op, revision: e.seq, data: e.data })
  const headers = new Map(e.headers ?? [])
  headers.set("content-type", "application/json")
  return {
    ...e,
    headers,
    header: (name) => (name === "content-type" ? "application/json" : e.header(name)),
    data: utf8Bytes(JSON.stringify(change)),
    deliveryId: undefined,
  }
}

/** Only the triggers on this stream whose `ops` take the operation of `op`. */
export const withOps = (deps: EvaluateDeps, op: KvOp): EvaluateDeps => {
  const wanted = (t: Parameters<typeof sourceRef>[0]) => {
    const ref = sourceRef(t)
    return ref?.kind !== "kv" || ref.ops.includes(op)
  }
  return {
    ...deps,
    matcher: {
      match: (subject) => deps.matcher.match(subject).filter((x) => wanted(x.trigger.source)),
      reach: (subject) => (deps.matcher.reach?.(subject) ?? []).filter((t) => wanted(t.source)),
      close: deps.matcher.close,
    },
  }
}

export const kvReading = (bucket: string): MessageReading => ({
  toEvent: (m, epoch) => kvChangeEvent(bucket, storedEvent(m, epoch)),
  depsFor: (m, deps) => withOps(deps, opOf(m)),
})

/** How the messages of a trigger's source become events (undefined: the trigger reads EVENTS). */
export const readingOf = (t: Pick<StoredTrigger, "type" | "source">): MessageReading | undefined => {
  const ref = t.type === "event" ? sourceRef(t.source) : undefined
  return ref === undefined ? undefined : ref.kind === "kv" ? kvReading(ref.bucket) : streamReading
}
