// A window's timer on DAGNATS_TIMERS: set once the window is stored (its message id makes setting
// it again a no-op), and, for a batch that fills up and fires at once, deleted rather than left
// pending until the batch's timeout.
import { Effect } from "effect"
import { Streams, Subjects } from "../protocol/names.js"
import type { TimerMessage, WindowState } from "../domain/windows.js"
import type { Unavailable } from "../domain/errors.js"
import { publishJson, type StreamClient } from "../nats/publish-json.js"
import { deleteMessage, getMessage, type StreamManager } from "../nats/stream-messages.js"
import type { Kind } from "./deps.js"

export const makeTimerMessages = (js: StreamClient, jsm: StreamManager) => {
  const schedule = (state: WindowState, key: string): Effect.Effect<void, Unavailable> => {
    const timer: TimerMessage = { kind: state.kind, key, id: state.id, due_at: state.due_at }
    return Effect.asVoid(
      publishJson(js, Subjects.timer(state.kind, key), timer, { msgId: `${state.kind}.${state.id}` }),
    )
  }

  /**
   * Delete a full batch's timer. `timerSeq` is the key's last timer as read before the batch was
   * closed, so it is this batch's timer (or an older, stale one), never the timer of a batch opened
   * after it. One message is deleted by sequence: a purge would also move the timer consumer's ack
   * floor past every other key's timers stored before it. Gone already: acked (work queue) or
   * deleted by another serve.
   */
  const drop = (timerSeq: number): Effect.Effect<void, Unavailable> =>
    timerSeq <= 0 ? Effect.void : Effect.asVoid(deleteMessage(jsm, Streams.timers, timerSeq))

  /** The sequence of the key's last timer (0: none). */
  const lastSeq = (kind: Kind, key: string): Effect.Effect<number, Unavailable> =>
    Effect.map(getMessage(jsm, Streams.timers, { lastBySubject: Subjects.timer(kind, key) }), (m) => m?.seq ?? 0)

  return { schedule, drop, lastSeq }
}

export type TimerMessages = ReturnType<typeof makeTimerMessages>
