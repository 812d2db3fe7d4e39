// The part of nats.js's KV client the rest of dagnats may name (see core-api.ts).
export { Kvm } from "@nats-io/kv"
export type { KV, KvEntry, KvWatchEntry } from "@nats-io/kv"
