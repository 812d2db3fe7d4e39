// The stored request behind a delivery, or an EVENTS message by sequence, as `trigger test` re-evaluates
// it: the subject it was stored on, its decoded payload and its headers (names lowercased). A delivery
// that was refused stored no event, which is said with its code rather than as "not found".
import { Effect } from "effect"
import type { JetStreamClient, JetStreamManager, StoredMsg } from "../nats/jetstream-api.js"
import { Streams } from "../protocol/names.js"
import { InvalidInput, NotFound, type Unavailable } from "../domain/errors.js"
import { decodeEventPayload } from "../domain/event-payload.js"
import { toUnavailable } from "../nats/conditions.js"
import { findRecord } from "./read.js"

export interface StoredEvent {
  readonly subject: string
  readonly seq: number
  readonly payload: unknown
  readonly headers: Readonly<Record<string, string>>
}

/** Where the event comes from: a delivery's id, or a sequence of EVENTS. */
export type StoredSource = { readonly delivery: string } | { readonly eventSeq: number }

const readAt = (jsm: JetStreamManager, seq: number) =>
  Effect.tryPromise({
    // Aged out of EVENTS, purged or never written: null (nats.js answers "no message found" so).
    try: (): Promise<StoredMsg | null> => jsm.streams.getMessage(Streams.events, { seq }),
    catch: toUnavailable,
  })

/** The event `source` names; errors name the request field (`delivery` or `event_seq`). */
export const storedEvent = (
  js: JetStreamClient,
  jsm: JetStreamManager,
  source: StoredSource,
): Effect.Effect<StoredEvent, InvalidInput | NotFound | Unavailable> =>
  Effect.gen(function* () {
    let seq: number
    let field: string
    if ("delivery" in source) {
      field = "delivery"
      const record = yield* findRecord(js, source.delivery)
      if (record === undefined) return yield* new NotFound({ kind: "delivery", name: source.delivery })
      if (record.event === undefined) {
        const code = record.response.code ?? String(record.response.status)
        return yield* new InvalidInput({
          message: `delivery: ${source.delivery} was rejected (${code}): no stored event`,
        })
      }
      seq = record.event.seq
    } else {
      field = "event_seq"
      seq = source.eventSeq
    }
    const m = yield* readAt(jsm, seq)
    if (m === null) return yield* new NotFound({ kind: "event", name: `${Streams.events} #${seq}` })
    const headers: Record<string, string> = {}
    for (const k of m.header?.keys() ?? []) headers[k.toLowerCase()] = m.header.get(k)
    const decoded = decodeEventPayload(m.data, headers["content-type"])
    if (!decoded.ok)
      return yield* new InvalidInput({
        message: `${field}: the stored event ${Streams.events} #${seq}: ${decoded.error}`,
      })
    return { subject: m.subject, seq, payload: decoded.payload, headers }
  })
