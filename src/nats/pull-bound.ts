// How many messages one JetStream pull (consume or fetch) may ask for, so that what the server sends
// for it stays within a byte budget however large the messages are. nats-server cuts a client off
// as a slow consumer once 64 MB (its default max_pending) wait to be written to it: a pull of 128
// one-megabyte events did that whenever serve's event loop was busy.
//
// The bound is a count derived from the server's max_payload (no message is larger), not
// nats.js's `max_bytes`: nats.js 3.4 takes max_messages or max_bytes, not both, and on
// nats-server 2.9.10 a pull by bytes stalls (a consume whose refill is too small for the next
// message waits for two missed heartbeats, 45 s measured; a fetch ended by its count waits for
// heartbeats too, since 2.9 sends no "batch completed"). A count holds on every server alike.
import type { JetStreamClient } from "@nats-io/jetstream"
import type { NatsConnection } from "@nats-io/nats-core"

/**
 * Bytes one read's pull (a list, a replay) may have the server send: a stock 1 MiB max_payload
 * still allows 7 messages per pull.
 */
export const PULL_BUDGET_BYTES = 8 * 1024 * 1024

/**
 * Bytes one durable worker's pull may have the server send: twice a read's, so the evaluator needs
 * fewer pull round trips per event (7 events per pull at the shipped 2 MB max_payload, 15 at 1 MiB).
 * serve runs three (events, timers, run outcomes; timers are small messages serve writes itself),
 * so even with reads beside them the total stays well below the 64 MB pending limit.
 */
export const WORKER_PULL_BUDGET_BYTES = 16 * 1024 * 1024

/**
 * What a delivered message carries beyond max_payload (which covers headers and body): its subject
 * (the server caps a protocol line at 4 KB), the ack reply subject and the MSG line itself.
 */
export const DELIVERY_OVERHEAD_BYTES = 8 * 1024

/**
 * Messages one pull may ask for: `wanted`, but no more than fit `budgetBytes` at max_payload
 * each, and always at least one, so a message of the largest size can always be delivered. With
 * max_payload unknown (no server info), one at a time.
 */
export const pullBatch = (maxPayload: number | undefined, wanted: number, budgetBytes = PULL_BUDGET_BYTES): number => {
  const want = Math.max(1, Math.floor(wanted))
  if (maxPayload === undefined || !Number.isFinite(maxPayload) || maxPayload <= 0) return 1
  const fits = Math.floor(budgetBytes / (maxPayload + DELIVERY_OVERHEAD_BYTES))
  return Math.max(1, Math.min(want, fits))
}

/**
 * The max_payload of the server `js` is connected to now. nats.js keeps the connection on its
 * JetStream client without declaring it on the JetStreamClient interface.
 */
const maxPayloadOf = (js: JetStreamClient): number | undefined =>
  (js as { readonly nc?: NatsConnection }).nc?.info?.max_payload

/** Options for `consume`/`fetch` on `js`: up to `wanted` messages, within `budgetBytes`. */
export const boundedPull = (
  js: JetStreamClient,
  wanted: number,
  budgetBytes = PULL_BUDGET_BYTES,
): { readonly max_messages: number } => ({
  max_messages: pullBatch(maxPayloadOf(js), wanted, budgetBytes),
})
