// The shapes the evaluator and the window engine share: an event as the evaluator reads it from the
// events stream, and the handler a debounce or batch window absorbs matched events through. They live
// with the windows so the window engine does not depend on the evaluator that calls it.
import type { Effect } from "effect"
import type { FireRecord } from "../domain/fire-record.js"
import type { StoredTrigger } from "../domain/trigger.js"
import type { Unavailable } from "../domain/errors.js"
import type { HeaderLookup } from "../domain/filters.js"

export interface InboundEvent {
  readonly subject: string
  readonly seq: number
  readonly data: Uint8Array
  readonly header: HeaderLookup
  /** The sender's delivery id (the stored message's Nats-Msg-Id), when it had one. */
  readonly deliveryId: string | undefined
  /** JetStream delivered it before: an earlier attempt may have done part of the work. */
  readonly redelivered: boolean
  /** When JetStream stored it; debounce and batch windows are timed from here, so a backlog
   *  evaluated after a restart closes its windows as they would have closed on time. */
  readonly storedAtMs: number
  /** The events stream's creation time: a sequence is unique only within one stream's life. */
  readonly epoch?: string
}

/** An event that passed its trigger's filters and belongs to a debounce window or a batch. */
export interface WindowedEvent {
  readonly trigger: StoredTrigger
  readonly event: InboundEvent
  readonly payload: unknown
}

export interface WindowHandler {
  /** Absorb the event into its window or batch; returns the outcome to record for this event. */
  readonly absorb: (e: WindowedEvent) => Effect.Effect<FireRecord, Unavailable>
}
