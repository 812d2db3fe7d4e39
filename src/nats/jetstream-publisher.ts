// Publishing to a stream and awaiting its PubAck on a path built for many publishes per second: a
// webhook's event and delivery record, a run's record, workflow.started and outcome record. It does
// what js.publish does (publish with a reply subject, decode the ack or the API error, time out) with
// one long-lived reply subscription and one timer for all publishes, and without nats.js's
// per-request objects (a timer, and an Error whose stack capture costs more than the publish).
// Publishes made in one event-loop turn leave together in one socket write.
import { Effect, Result, Schema, type Scope } from "effect"
import { JetStreamApiCodes } from "@nats-io/jetstream"
import type { Msg, MsgHdrs, NatsConnection } from "./core-api.js"
import { createInbox } from "@nats-io/nats-core"
import { parseJsonBytes } from "../domain/json.js"

export interface Ack {
  readonly stream: string
  readonly seq: number
  readonly duplicate: boolean
}

/** Why a publish failed; the message is for operators (it ends up in the 503 body). */
export class PublishFailed extends Error {
  override readonly name = "PublishFailed"
  constructor(
    message: string,
    readonly reason: "timeout" | "no_stream" | "api_error" | "not_sent" | "too_large" | "wrong_last_sequence",
    /** For too_large: the most body bytes a message with these headers may carry. */
    readonly maxBodyBytes?: number,
  ) {
    super(message)
  }
}

export interface JetStreamPublisher {
  /** Publish `body` with `headers` (Nats-Msg-Id included when wanted); resolves with the PubAck. */
  readonly publish: (subject: string, body: Uint8Array, headers: MsgHdrs) => Promise<Ack>
  /**
   * Publish without asking for a PubAck: the stream stores it all the same, and neither side spends
   * anything on an acknowledgement. It leaves in order with `publish`, so a publish made after it
   * and acknowledged tells that the server took both. For records whose loss is only counted.
   */
  readonly send: (subject: string, body: Uint8Array, headers: MsgHdrs) => void
  /**
   * Fail every publish still waiting for its ack, at once. Called when the connection drops: an
   * ack cannot arrive on a dead connection, so the client gets its 503 now, not after the timeout.
   * (The message may have been stored before the drop; the sender's retry is deduplicated by its
   * delivery id.)
   */
  readonly failPending: (why: string) => void
}

/** The API errors of a conditional publish whose subject holds a message already (KV create, empty history). */
const WRONG_LAST_SEQUENCE: ReadonlySet<number> = new Set([
  JetStreamApiCodes.StreamWrongLastSequence,
  JetStreamApiCodes.StreamWrongLastSequenceUnknown,
])

interface Pending {
  readonly resolve: (ack: Ack) => void
  readonly reject: (e: PublishFailed) => void
  readonly deadline: number
}

/**
 * Stored headers are bounded by Node's HTTP header limit (16 KiB by default) plus dagnats' own: a
 * body this far below max_payload always fits, so only larger ones pay for encoding the headers
 * twice to find out.
 */
const HEADER_BOUND_BYTES = 64 * 1024

/** The bytes `headers` take on the wire: `NATS/1.0\r\n`, `name: value\r\n` per value, `\r\n`. */
const encodedLength = (headers: MsgHdrs): number => {
  let n = "NATS/1.0\r\n\r\n".length
  for (const name of headers.keys()) {
    for (const value of headers.values(name)) n += Buffer.byteLength(name) + Buffer.byteLength(value) + 4
  }
  return n
}

/**
 * A fresh inbox under the connection's own prefix, for code that subscribes to its replies itself: an inbox
 * under any other prefix is one the user may not subscribe to. nats.js keeps the options on its connection
 * object without declaring them on the NatsConnection interface.
 */
const newInbox = (nc: NatsConnection): string =>
  createInbox((nc as { readonly options?: { readonly inboxPrefix?: string } }).options?.inboxPrefix)

/** How often expired publishes are failed: the timeout fires up to this late. */
const SWEEP_INTERVAL_MS = 100

/**
 * What JetStream answers a publish with: the PubAck, or an API error (e.g. a full stream). An error
 * reply may also carry `stream` and `seq: 0` next to `error`, so the error is looked for first and
 * a PubAck counts only with a stream name and a sequence above 0: a lost message must never read
 * as stored.
 */
const PubAck = Schema.Struct({
  stream: Schema.String,
  seq: Schema.Number,
  duplicate: Schema.optionalKey(Schema.Boolean),
})
const ApiError = Schema.Struct({
  error: Schema.Struct({
    code: Schema.optionalKey(Schema.Number),
    err_code: Schema.optionalKey(Schema.Number),
    description: Schema.optionalKey(Schema.String),
  }),
})
const decodePubAck = Schema.decodeUnknownOption(PubAck)
const decodeApiError = Schema.decodeUnknownOption(ApiError)

/** Decode one reply to a JetStream publish; exported for its unit test. */
export const decodeAckReply = (data: Uint8Array, statusCode: number | undefined): Ack | PublishFailed => {
  // A status-only 503 reply: no stream listens on the subject (or JetStream is unavailable).
  if (data.length === 0) {
    return statusCode === 503
      ? new PublishFailed("no stream accepts the subject (is JetStream enabled?)", "no_stream")
      : new PublishFailed(`JetStream answered with an empty reply (status ${statusCode ?? "none"})`, "api_error")
  }
  const parsed = parseJsonBytes(data)
  if (parsed._tag === "None")
    return new PublishFailed("JetStream answered with something that is not JSON", "api_error")
  const reply = parsed.value
  const hasError = typeof reply === "object" && reply !== null && (reply as { error?: unknown }).error != null
  if (hasError) {
    const error = decodeApiError(reply)
    const e = error._tag === "Some" ? error.value.error : undefined
    const detail = e?.description ?? `error ${e?.code ?? "?"}`
    const reason =
      e?.err_code !== undefined && WRONG_LAST_SEQUENCE.has(e.err_code) ? "wrong_last_sequence" : "api_error"
    return new PublishFailed(`JetStream refused the message: ${detail}`, reason)
  }
  const ack = decodePubAck(reply)
  if (ack._tag === "Some" && ack.value.stream !== "" && Number.isSafeInteger(ack.value.seq) && ack.value.seq > 0) {
    return { stream: ack.value.stream, seq: ack.value.seq, duplicate: ack.value.duplicate === true }
  }
  return new PublishFailed("JetStream answered with something that is not a PubAck (no stream, or seq 0)", "api_error")
}

const decodeAck = (msg: Msg): Ack | PublishFailed => decodeAckReply(msg.data, msg.headers?.code)

export const makeJetStreamPublisher = (
  nc: NatsConnection,
  timeoutMs: number,
): Effect.Effect<JetStreamPublisher, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.sync(() => {
      const prefix = `${newInbox(nc)}.`
      // Insertion order is deadline order (one timeout for all), so the sweep stops early.
      const pending = new Map<string, Pending>()
      let next = 0
      let closed = false
      // nats.js writes its outbound buffer once per microtask checkpoint, and each HTTP request or
      // acked event arrives in a callback of its own: sending at once would cost a socket write per
      // publish. Sent on the next turn instead, a turn's publishes leave in one write, which under
      // load saves most of the syscalls on both ends of the connection.
      let queue: Array<{ readonly send: () => void; readonly reject: (e: PublishFailed) => void }> = []
      const sendQueued = () => {
        const batch = queue
        queue = []
        for (const q of batch) q.send()
      }
      const sub = nc.subscribe(`${prefix}*`, {
        callback: (err, msg) => {
          if (err !== null) return
          const token = msg.subject.slice(prefix.length)
          const p = pending.get(token)
          if (p === undefined) return // answered after its timeout: the client already got 503
          pending.delete(token)
          const ack = decodeAck(msg)
          if (ack instanceof PublishFailed) p.reject(ack)
          else p.resolve(ack)
        },
      })
      const sweep = setInterval(() => {
        const now = Date.now()
        for (const [token, p] of pending) {
          if (p.deadline > now) break
          pending.delete(token)
          p.reject(new PublishFailed(`JetStream did not acknowledge within ${timeoutMs / 1000}s`, "timeout"))
        }
      }, SWEEP_INTERVAL_MS)
      sweep.unref()
      const publisher: JetStreamPublisher = {
        publish: (subject, body, headers) =>
          new Promise<Ack>((resolve, reject) => {
            const token = (next++).toString(36)
            // A message over the server's max_payload can never be stored, however often it is
            // retried: it is refused as too large (413), not as unavailable (503).
            const maxPayload = nc.info?.max_payload ?? Number.POSITIVE_INFINITY
            if (body.length + HEADER_BOUND_BYTES > maxPayload) {
              const room = maxPayload - encodedLength(headers)
              if (body.length > room) {
                const why = `the message exceeds the NATS max_payload of ${maxPayload} bytes`
                return reject(new PublishFailed(why, "too_large", Math.max(0, room)))
              }
            }
            const send = () => {
              if (closed) return reject(new PublishFailed("serve is shutting down", "not_sent"))
              // nats.js throws when the connection is closed or draining: not sent, never stored.
              const sent = Result.try({
                try: () => nc.publish(subject, body, { reply: prefix + token, headers }),
                catch: (e) => new PublishFailed(e instanceof Error ? e.message : String(e), "not_sent"),
              })
              if (sent._tag === "Failure") return reject(sent.failure)
              pending.set(token, { resolve, reject, deadline: Date.now() + timeoutMs })
            }
            if (queue.push({ send, reject }) === 1) setImmediate(sendQueued)
          }),
        send: (subject, body, headers) => {
          const send = () => {
            // Not sent is seen by the acknowledged publish that follows: it fails the same way.
            if (!closed) Result.try(() => nc.publish(subject, body, { headers }))
          }
          if (queue.push({ send, reject: () => undefined }) === 1) setImmediate(sendQueued)
        },
        failPending: (why) => {
          for (const p of pending.values()) p.reject(new PublishFailed(why, "not_sent"))
          pending.clear()
          for (const q of queue.splice(0)) q.reject(new PublishFailed(why, "not_sent"))
        },
      }
      return { publisher, sub, sweep, pending, close: () => (closed = true) }
    }),
    ({ sub, sweep, pending, close }) =>
      Effect.sync(() => {
        close()
        clearInterval(sweep)
        for (const p of pending.values()) p.reject(new PublishFailed("serve is shutting down", "not_sent"))
        pending.clear()
        sub.unsubscribe()
      }),
  ).pipe(Effect.map(({ publisher }) => publisher))
