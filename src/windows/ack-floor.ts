// The ack floor of the consumer that evaluates a trigger's events (the evaluator's on EVENTS, or
// dagnats's on the trigger's source stream) as this process last saw it (monotonic): sequences at or
// below it can never be delivered again, so windows and done states need not keep them. Looked up
// in the background at most once a second per stream, and only while windows are being written:
// reading it never waits on NATS.
import { Effect, Ref } from "effect"
import { consumerPosition, type StreamManager } from "../nats/stream-messages.js"
import type { TriggerTableShape } from "../triggers/index.js"
import type { WindowState } from "../domain/windows.js"
import { placeOfWindow } from "./place.js"

const REFRESH_MS = 1_000

export interface AckFloor {
  /**
   * The floor of the consumer that evaluated a window's events (where its epoch says they are, even
   * if its trigger has moved since) as last seen; starts a background look when that is over a
   * second old.
   */
  readonly get: (state: WindowState) => Effect.Effect<number>
}

interface Seen {
  readonly floor: Ref.Ref<number>
  readonly askedAt: Ref.Ref<number>
}

export const makeAckFloor = (jsm: StreamManager, table: TriggerTableShape): AckFloor => {
  const byStream = new Map<string, Seen>()
  const get = (state: WindowState) =>
    Effect.gen(function* () {
      const place = placeOfWindow(state.epoch, table.get(state.trigger))
      let seen = byStream.get(place.stream)
      if (seen === undefined) {
        seen = { floor: Ref.makeUnsafe(0), askedAt: Ref.makeUnsafe(0) }
        byStream.set(place.stream, seen)
      }
      const { floor, askedAt } = seen
      const now = Date.now()
      const stale = yield* Ref.modify(askedAt, (at) => (now - at >= REFRESH_MS ? [true, now] : [false, at]))
      if (stale) {
        yield* consumerPosition(jsm, place.stream, place.consumer).pipe(
          Effect.flatMap((c) => Ref.update(floor, (f) => Math.max(f, c.ackFloorSeq))),
          Effect.ignore,
          Effect.forkDetach,
        )
      }
      return yield* Ref.get(floor)
    })
  return { get }
}
