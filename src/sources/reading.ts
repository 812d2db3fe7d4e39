// How a source stream's messages become events for the evaluator. A stream message is evaluated as
// an EVENTS message is, but its identity is always its sequence in the stream's epoch (a message id
// the operator's publisher set is that publisher's business, and the stream already deduplicated on
// it). A KV change becomes its change record `{bucket, key, op, revision, value}`, and reaches only
// the triggers whose `ops` take its operation.
import type { JsMsg } from "../nats/jetstream-api.js"
import { storedEvent, type EvaluateDeps, type MessageReading } from "../evaluator/index.js"
import { kvChange, kvOpOf, sourceRef } from "../domain/source.js"
import { Headers, kvKeyPrefix } from "../protocol/names.js"
import type { StoredTrigger } from "../domain/trigger.js"

const encoder = new TextEncoder()

export const streamReading: MessageReading = {
  toEvent: (m, epoch) => ({ ...storedEvent(m, epoch), deliveryId: undefined }),
}

const opOf = (m: JsMsg) => kvOpOf(m.headers?.get(Headers.kvOperation) || undefined)

export const kvReading = (bucket: string): MessageReading => {
  const prefix = kvKeyPrefix(bucket)
  return {
    toEvent: (m, epoch) => {
      const base = storedEvent(m, epoch)
      const key = m.subject.startsWith(prefix) ? m.subject.slice(prefix.length) : m.subject
      const change = kvChange({ bucket, key, op: opOf(m), revision: m.seq, data: m.data })
      const headers = new Map(base.headers ?? [])
      headers.set("content-type", "application/json")
      return {
        ...base,
        headers,
        header: (name) => headers.get(name),
        data: encoder.encode(JSON.stringify(change)),
        deliveryId: undefined,
      }
    },
    depsFor: (m, deps): EvaluateDeps => {
      const op = opOf(m)
      const takes = (ops: ReadonlyArray<string>) => ops.includes(op)
      const wanted = (t: Parameters<typeof sourceRef>[0]) => {
        const ref = sourceRef(t)
        return ref?.kind !== "kv" || takes(ref.ops)
      }
      return {
        ...deps,
        matcher: {
          match: (subject) => deps.matcher.match(subject).filter((x) => wanted(x.trigger.source)),
          reach: (subject) => (deps.matcher.reach?.(subject) ?? []).filter((t) => wanted(t.source)),
          close: deps.matcher.close,
        },
      }
    },
  }
}

/** How the messages of a trigger's source become events (undefined: the trigger reads EVENTS). */
export const readingOf = (t: Pick<StoredTrigger, "type" | "source">): MessageReading | undefined => {
  const ref = t.type === "event" ? sourceRef(t.source) : undefined
  return ref === undefined ? undefined : ref.kind === "kv" ? kvReading(ref.bucket) : streamReading
}
