// Storing an accepted webhook on EVENTS: one JetStream publish, answered only by its PubAck
// (no 2xx before the event is durable). A message that cannot fit the server's max_payload is
// PayloadTooLarge (413: retrying cannot help); every other failure is Unavailable (503).
import { Effect } from "effect"
import { headersFrom } from "../nats/publish-json.js"
import { Unavailable } from "../domain/errors.js"
import { Headers } from "../protocol/names.js"
import type { ConnectionState } from "./connection.js"
import { PublishFailed, type JetStreamPublisher } from "../nats/jetstream-publisher.js"
import { PayloadTooLarge } from "./errors.js"
import type { EventToStore, Stored } from "./pipeline.js"

export const makePublish = (
  publisher: JetStreamPublisher,
  connection: ConnectionState,
  observeSeconds: (seconds: number) => void,
) => {
  return (event: EventToStore): Effect.Effect<Stored, Unavailable | PayloadTooLarge> => {
    // While disconnected nats.js would buffer the publish until it times out; a request that
    // cannot succeed is answered at once, and nothing is left to be stored after its 503.
    if (!connection.connected()) return Effect.fail(new Unavailable({ message: "NATS is disconnected; retry later" }))
    return Effect.callback<Stored, Unavailable | PayloadTooLarge>((resume) => {
      const started = performance.now()
      const h = headersFrom(event.headers, {
        [Headers.contentType]: event.contentType,
        [Headers.trigger]: event.trigger,
        [Headers.msgId]: event.msgId,
        [Headers.deliveryId]: event.deliveryId,
        [Headers.delivery]: event.delivery,
      })
      publisher.publish(event.subject, event.body, h).then(
        (ack) => {
          observeSeconds((performance.now() - started) / 1000)
          resume(Effect.succeed(ack))
        },
        (cause: Error) =>
          resume(
            Effect.fail(
              cause instanceof PublishFailed && cause.reason === "too_large"
                ? new PayloadTooLarge({ limitBytes: cause.maxBodyBytes ?? 0 })
                : new Unavailable({ message: `${cause.message}; retry later` }),
            ),
          ),
      )
    })
  }
}
