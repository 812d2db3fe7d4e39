// The part of nats.js's JetStream client the rest of dagnats may name (see core-api.ts).
export { DeliverPolicy, jetstream } from "@nats-io/jetstream"
export type { Consumer, JetStreamClient, JetStreamManager, JsMsg, StoredMsg } from "@nats-io/jetstream"
