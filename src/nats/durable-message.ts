// The message a durable consumer hands its handler, named for code outside src/nats/ (timer routes)
// that passes one on without importing nats.js.
export type { JsMsg as DurableMessage } from "@nats-io/jetstream"
