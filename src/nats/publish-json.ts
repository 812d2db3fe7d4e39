// Publishing a JSON value to a stream through the door's publisher: Content-Type set, an optional
// message id (JetStream's duplicate window makes a repeat a no-op), extra headers, and optionally
// only while the subject is still empty. A failed publish or a refused PubAck is `Unavailable`; a
// conditional publish whose subject holds a message already is `false`, not a failure.
import { Effect } from "effect"
import type { MsgHdrs } from "@nats-io/nats-core"
import { Unavailable } from "../domain/errors.js"
import { Headers } from "../protocol/names.js"
import { PublishFailed, type JetStreamPublisher } from "./jetstream-publisher.js"
import { utf8Bytes } from "../domain/utf8.js"
import { headerBuilder } from "./headers.js"

/** What serve publishes its records through (NatsHandles' publisher). */
export type StreamClient = JetStreamPublisher

export interface PublishOptions {
  /** false: no Content-Type header (a KV value carries none, and every byte counts near max_payload). */
  readonly contentType?: boolean
  readonly msgId?: string
  readonly headers?: ReadonlyArray<readonly [string, string]>
}

/** What the stream answered: where it stored the message, and whether it was a duplicate. */
export interface Published {
  readonly seq: number
  readonly duplicate: boolean
}

/**
 * NATS headers: `appended` as they come (a stored message's own, repeats kept), then each name of
 * `set` once, replacing any appended value; an undefined value is left out.
 */
export const headersFrom = (
  appended: Iterable<readonly [string, string]>,
  set: Readonly<Record<string, string | undefined>>,
): MsgHdrs => {
  const h = headerBuilder()
  for (const [k, v] of appended) h.append(k, v)
  for (const k in set) {
    const v = set[k]
    if (v !== undefined) h.set(k, v)
  }
  return h.headers
}

const headersOf = (o: PublishOptions, ifEmpty: boolean) => {
  const h = headerBuilder()
  if (o.contentType !== false) h.set(Headers.contentType, "application/json")
  for (const [k, v] of o.headers ?? []) h.append(k, v)
  if (o.msgId !== undefined) h.set(Headers.msgId, o.msgId)
  if (ifEmpty) h.set(Headers.expectedLastSubjectSequence, "0")
  return h.headers
}

/** The headers of a JSON message with no message id: for bytes encoded already (delivery records). */
export const jsonHeaders = () => headersOf({}, false)

const unavailable = (e: unknown) => new Unavailable({ message: `NATS: ${e instanceof Error ? e.message : String(e)}` })

/** `publishJson` as a promise (rejected with Unavailable), for records written together with others. */
export const publishJsonNow = (
  publisher: StreamClient,
  subject: string,
  value: unknown,
  o: PublishOptions = {},
): Promise<Published> =>
  publisher.publish(subject, utf8Bytes(JSON.stringify(value)), headersOf(o, false)).then(
    (ack) => ({ seq: ack.seq, duplicate: ack.duplicate }),
    (e: unknown) => {
      throw unavailable(e)
    },
  )

export const publishJson = (
  publisher: StreamClient,
  subject: string,
  value: unknown,
  o: PublishOptions = {},
): Effect.Effect<Published, Unavailable> =>
  Effect.callback<Published, Unavailable>((resume) => {
    publishJsonNow(publisher, subject, value, o).then(
      (published) => resume(Effect.succeed(published)),
      (e: Unavailable) => resume(Effect.fail(e)),
    )
  })

/**
 * Publish `bytes` only if `subject` holds no message yet: true when stored (or a duplicate of the
 * same message id), false when the subject held one already. As a promise (rejected with
 * Unavailable), for writes issued together without a fiber each.
 */
export const publishIfEmptyNow = (
  publisher: StreamClient,
  subject: string,
  bytes: Uint8Array,
  o: PublishOptions = {},
): Promise<boolean> =>
  publisher.publish(subject, bytes, headersOf(o, true)).then(
    () => true,
    (e: unknown) => {
      if (e instanceof PublishFailed && e.reason === "wrong_last_sequence") return false
      throw unavailable(e)
    },
  )

/**
 * The writes' results once all have settled (the first failure, if any): writes in flight together,
 * without the fiber per write that `Effect.all` or `Effect.forEach` would fork for them.
 */
export const settledTogether = <const T extends ReadonlyArray<unknown>>(writes: {
  readonly [K in keyof T]: Promise<T[K]>
}): Effect.Effect<T, Unavailable> =>
  Effect.callback<T, Unavailable>((resume) => {
    let left = writes.length
    let first: { readonly error: Unavailable } | undefined
    const results = new Array<unknown>(writes.length)
    const settled = () => {
      if (--left > 0) return
      resume(first !== undefined ? Effect.fail(first.error) : Effect.succeed(results as unknown as T))
    }
    if (left === 0) return resume(Effect.succeed(results as unknown as T))
    writes.forEach((w: Promise<unknown>, i) =>
      w.then(
        (v) => {
          results[i] = v
          settled()
        },
        (e: unknown) => {
          first ??= { error: e instanceof Unavailable ? e : unavailable(e) }
          settled()
        },
      ),
    )
  })
