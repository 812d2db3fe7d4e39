// Reading and deleting single stream messages, and a durable consumer's position, through the door:
// a stored message in dagnats' own shape (no nats.js types outside src/nats/), "no such message" as
// `null` / `false`, everything else NATS fails with as `Unavailable`.
import { Effect } from "effect"
import type { JetStreamManager, MsgRequest, StoredMsg } from "@nats-io/jetstream"
import type { Unavailable } from "../domain/errors.js"
import { toUnavailable } from "./conditions.js"
import { isNoMessageFound } from "./errors.js"

/** The JetStream manager serve's connection holds. */
export type StreamManager = JetStreamManager

/** A message as a stream stored it. */
export interface StoredMessage {
  readonly subject: string
  readonly seq: number
  readonly data: Uint8Array
  /** When the stream stored it (ms since the epoch). */
  readonly storedAtMs: number
  /** The first value of the header `name` (exact spelling); undefined when absent or empty. */
  readonly header: (name: string) => string | undefined
  /** Every header as sent: each name once, with all its values. */
  readonly headers: () => ReadonlyArray<readonly [string, ReadonlyArray<string>]>
}

/** Which message: by sequence, the last on a subject, or the first at or after `seq` on a subject. */
export type MessageQuery =
  | { readonly seq: number }
  | { readonly lastBySubject: string }
  | { readonly seq: number; readonly nextBySubject: string }

const toStored = (m: StoredMsg): StoredMessage => ({
  subject: m.subject,
  seq: m.seq,
  data: m.data,
  storedAtMs: m.time.getTime(),
  header: (name) => m.header.get(name) || undefined,
  headers: () => [...m.header.keys()].map((k) => [k, m.header.values(k)] as const),
})

const toRequest = (q: MessageQuery): MsgRequest =>
  "lastBySubject" in q
    ? { last_by_subj: q.lastBySubject }
    : "nextBySubject" in q
      ? // nats.js types omit next_by_subj on this request.
        ({ seq: q.seq, next_by_subj: q.nextBySubject } as unknown as MsgRequest)
      : { seq: q.seq }

/** One stored message, or null when there is none (aged out, purged, or not yet stored). */
export const getMessage = (
  jsm: JetStreamManager,
  stream: string,
  query: MessageQuery,
): Effect.Effect<StoredMessage | null, Unavailable> =>
  // nats.js answers "no message found" with null itself.
  Effect.tryPromise({
    try: () => jsm.streams.getMessage(stream, toRequest(query)),
    catch: toUnavailable,
  }).pipe(Effect.map((m) => (m === null ? null : toStored(m))))

/** Delete one message by sequence (no purge); false when it is gone already. */
export const deleteMessage = (
  jsm: JetStreamManager,
  stream: string,
  seq: number,
): Effect.Effect<boolean, Unavailable> =>
  Effect.tryPromise({ try: () => jsm.streams.deleteMessage(stream, seq, false), catch: (e) => e }).pipe(
    Effect.catch((e) => (isNoMessageFound(e) ? Effect.succeed(false) : Effect.fail(toUnavailable(e)))),
  )

/** Where a durable consumer stands. */
export interface ConsumerPosition {
  /** Every message at or below this stream sequence is acknowledged. */
  readonly ackFloorSeq: number
  readonly numPending: number
  readonly numAckPending: number
}

export const consumerPosition = (
  jsm: JetStreamManager,
  stream: string,
  consumer: string,
): Effect.Effect<ConsumerPosition, Unavailable> =>
  Effect.tryPromise({
    try: async () => {
      const c = await jsm.consumers.info(stream, consumer)
      return { ackFloorSeq: c.ack_floor.stream_seq, numPending: c.num_pending, numAckPending: c.num_ack_pending }
    },
    catch: toUnavailable,
  })
