// Publishing a JSON value to a stream through the door: Content-Type set, an optional message id
// (JetStream's duplicate window makes a repeat a no-op) and extra headers; a failed publish or a
// refused PubAck is `Unavailable`.
import { Effect } from "effect"
import type { JetStreamClient } from "@nats-io/jetstream"
import { headers as natsHeaders } from "@nats-io/nats-core"
import type { Unavailable } from "../domain/errors.js"
import { toUnavailable } from "./conditions.js"

/** The JetStream client serve's connection holds. */
export type StreamClient = JetStreamClient

export interface PublishOptions {
  readonly msgId?: string
  readonly headers?: ReadonlyArray<readonly [string, string]>
}

/** What the stream answered: where it stored the message, and whether it was a duplicate. */
export interface Published {
  readonly seq: number
  readonly duplicate: boolean
}

const encoder = new TextEncoder()

export const publishJson = (
  js: JetStreamClient,
  subject: string,
  value: unknown,
  o: PublishOptions = {},
): Effect.Effect<Published, Unavailable> =>
  Effect.tryPromise({
    try: async () => {
      const h = natsHeaders()
      h.set("Content-Type", "application/json")
      for (const [k, v] of o.headers ?? []) h.append(k, v)
      const ack = await js.publish(subject, encoder.encode(JSON.stringify(value)), {
        ...(o.msgId !== undefined ? { msgID: o.msgId } : {}),
        headers: h,
      })
      return { seq: ack.seq, duplicate: ack.duplicate }
    },
    catch: toUnavailable,
  })
