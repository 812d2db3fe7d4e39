// The ack floor of the consumer that evaluates a window's events (the evaluator's on EVENTS, or
// dagnats's on a source stream), as this process has seen it settle: sequences at or below it can
// never be delivered again, so windows and done states need not keep them. Looked up in the
// background at most once a second per stream, and only while windows are being written: reading it
// never waits on NATS. A floor counts only once it has stood for a few seconds (domain/settled-floor.ts).
import { Effect } from "effect"
import { consumerPosition, type StreamManager } from "../nats/stream-messages.js"
import type { TriggerTableShape } from "../triggers/index.js"
import type { WindowState } from "../domain/windows.js"
import { makeSettledFloor, type SettledFloor } from "../domain/settled-floor.js"
import { placeOfWindow } from "./place.js"

const REFRESH_MS = 1_000
/** How long a floor must have been seen before sequences below it are forgotten. */
export const SETTLE_MS = 5_000

export interface AckFloor {
  /**
   * The settled floor of the consumer that evaluated a window's events (where its epoch says they
   * are, even if its trigger has moved since); starts a background look when the last is over a
   * second old.
   */
  readonly get: (state: WindowState) => Effect.Effect<number>
}

interface Seen {
  readonly floor: SettledFloor
  askedAt: number
}

export const makeAckFloor = (jsm: StreamManager, table: TriggerTableShape, settleMs = SETTLE_MS): AckFloor => {
  const byStream = new Map<string, Seen>()
  const get = (state: WindowState) =>
    Effect.suspend(() => {
      const place = placeOfWindow(state.epoch, table.get(state.trigger))
      let seen = byStream.get(place.stream)
      if (seen === undefined) {
        seen = { floor: makeSettledFloor(settleMs), askedAt: 0 }
        byStream.set(place.stream, seen)
      }
      const { floor } = seen
      const now = Date.now()
      if (now - seen.askedAt < REFRESH_MS) return Effect.succeed(floor.settled(now))
      seen.askedAt = now
      const lookUp = consumerPosition(jsm, place.stream, place.consumer).pipe(
        Effect.flatMap((c) => Effect.sync(() => floor.observe(Date.now(), c.ackFloorSeq))),
        Effect.ignore,
        Effect.forkDetach,
      )
      return Effect.as(lookUp, floor.settled(now))
    })
  return { get }
}
