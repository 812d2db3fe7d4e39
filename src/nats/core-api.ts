// The part of nats.js (core and the Node transport) the rest of dagnats may name: the connection and
// message types, header maps and connect. Everything outside src/nats/ imports nats.js through these
// files, so the door has one frame and the architecture test can hold it.
export { connect } from "@nats-io/transport-node"
export { headers } from "@nats-io/nats-core"
export type { Msg, MsgHdrs, NatsConnection, Subscription } from "@nats-io/nats-core"
