// The evaluator's ack floor as this process last saw it (monotonic): sequences at or below it can
// never be delivered again, so windows and done states need not keep them. Looked up in the
// background at most once a second, and only while windows are being written: reading it never
// waits on NATS.
import { Effect, Ref } from "effect"
import { Consumers, Streams } from "../protocol/names.js"
import { consumerPosition, type StreamManager } from "../nats/stream-messages.js"

const REFRESH_MS = 1_000

export interface AckFloor {
  /** The floor as last seen; starts a background look when the last one is over a second old. */
  readonly get: Effect.Effect<number>
}

export const makeAckFloor = (jsm: StreamManager): AckFloor => {
  const floor = Ref.makeUnsafe(0)
  const askedAt = Ref.makeUnsafe(0)
  const refresh = consumerPosition(jsm, Streams.events, Consumers.evaluator).pipe(
    Effect.flatMap((c) => Ref.update(floor, (f) => Math.max(f, c.ackFloorSeq))),
    Effect.ignore,
    Effect.forkDetach,
  )
  const get = Effect.gen(function* () {
    const now = Date.now()
    const stale = yield* Ref.modify(askedAt, (at) => (now - at >= REFRESH_MS ? [true, now] : [false, at]))
    if (stale) yield* refresh
    return yield* Ref.get(floor)
  })
  return { get }
}
