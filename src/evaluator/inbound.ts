// A stored message as the evaluator sees it (an InboundEvent). One builder for the live consumer and
// for replay, so an event has one identity whoever evaluates it (domain/run-id.ts: the delivery id,
// else the sequence within the EVENTS epoch) and a replay finds the run the live evaluation started.
import type { JsMsg } from "../nats/jetstream-api.js"
import type { HeaderLookup } from "../domain/filters.js"
import { Headers } from "../protocol/names.js"
import type { EvaluatedEvent } from "./evaluate.js"

/** A message's headers by lower-case name (the first value of each), as expressions see them. */
const headerMap = (m: JsMsg): ReadonlyMap<string, string> => {
  const headers = new Map<string, string>()
  // Iterated, not looked up name by name: MsgHdrs.get lists and filters every name on each call.
  if (m.headers !== undefined) for (const [k, values] of m.headers) headers.set(k.toLowerCase(), values[0] ?? "")
  return headers
}

/** A message's headers by lower-case name (the first value of each), as filters look them up. */
export const headerLookup = (m: JsMsg): HeaderLookup => {
  const headers = headerMap(m)
  return (name) => headers.get(name)
}

/**
 * The sender's delivery id: dagnats' own header (ingest writes it), else the message id the event
 * was stored under (`msgIdHeader`: Nats-Msg-Id on EVENTS; a dead letter keeps it under its own name).
 */
export const deliveryIdOf = (header: HeaderLookup, msgIdHeader: string = Headers.msgId): string | undefined =>
  header(Headers.deliveryId.toLowerCase()) || header(msgIdHeader.toLowerCase()) || undefined

/** An EVENTS message of stream incarnation `epoch`, as delivered to the evaluator's consumer. */
export const storedEvent = (m: JsMsg, epoch: string | undefined): EvaluatedEvent => {
  const headers = headerMap(m)
  const header: HeaderLookup = (name) => headers.get(name)
  return {
    headers,
    subject: m.subject,
    seq: m.seq,
    data: m.data,
    header,
    deliveryId: deliveryIdOf(header),
    redelivered: m.info.deliveryCount > 1,
    storedAtMs: m.time.getTime(),
    ...(epoch !== undefined ? { epoch } : {}),
  }
}
