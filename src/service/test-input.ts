// What `dagnats.triggers.test` evaluates for a webhook or event trigger: the request's own `payload`
// (with its `subject` and `headers`), or a stored one (`delivery`: the EVENTS message of that delivery;
// `event_seq`: an EVENTS message by sequence) with the subject and headers it was stored with.
// Exactly one source; a schedule trigger takes none.
import { Effect, Schema } from "effect"
import type { JetStreamClient, JetStreamManager } from "../nats/jetstream-api.js"
import { InvalidInput, type NotFound, type Unavailable } from "../domain/errors.js"
import { DeliveryId } from "../domain/delivery.js"
import { wholeNumber } from "../domain/whole-number.js"
import { storedEvent } from "../deliveries/index.js"

/** The request fields that name a stored source (added to the test request). */
export const StoredSourceFields = {
  /** A delivery id: re-evaluate the event that delivery stored. */
  delivery: Schema.optionalKey(DeliveryId),
  /** An EVENTS sequence: re-evaluate that message. */
  event_seq: Schema.optionalKey(wholeNumber(1, Number.MAX_SAFE_INTEGER)),
}

interface TestSourceRequest {
  readonly payload?: unknown
  readonly subject?: string
  readonly headers?: Readonly<Record<string, string>>
  readonly delivery?: string
  readonly event_seq?: number
}

export interface TestInput {
  readonly payload: unknown
  readonly subject: string | undefined
  readonly headers: Readonly<Record<string, string>>
}

export const testInput = (
  d: { readonly js: JetStreamClient; readonly jsm: JetStreamManager },
  r: TestSourceRequest,
): Effect.Effect<TestInput, InvalidInput | NotFound | Unavailable> =>
  Effect.gen(function* () {
    const given = (["payload", "delivery", "event_seq"] as const).filter((k) => r[k] !== undefined)
    if (given.length === 0)
      return yield* new InvalidInput({
        message: "payload: required for webhook and event triggers (or delivery, or event_seq)",
      })
    if (given.length > 1)
      return yield* new InvalidInput({ message: `${given[1]}: give exactly one of payload, delivery and event_seq` })
    if (r.payload !== undefined) return { payload: r.payload, subject: r.subject, headers: r.headers ?? {} }
    const field = given[0]!
    for (const other of ["subject", "headers"] as const)
      if (r[other] !== undefined)
        return yield* new InvalidInput({ message: `${other}: not with ${field}, whose stored event has its own` })
    const source = r.delivery !== undefined ? { delivery: r.delivery } : { eventSeq: r.event_seq! }
    const e = yield* storedEvent(d.js, d.jsm, source)
    return { payload: e.payload, subject: e.subject, headers: e.headers }
  })
