// The events a window covers, read back by sequence from where they are stored (EVENTS, or the
// trigger's source stream): the payloads its run takes (and the trace context of the last), and the
// stored messages its dead letters copy. An event that aged out (EVENTS keeps 14 days) or was purged
// by an operator reads as absent.
import { Effect } from "effect"
import { Headers } from "../protocol/names.js"
import { coverage, type WindowState } from "../domain/windows.js"
import type { Unavailable } from "../domain/errors.js"
import { getMessage, type StoredMessage, type StreamManager } from "../nats/stream-messages.js"
import type { TriggerTableShape } from "../triggers/index.js"
import { placeOfWindow, type EventPlace } from "./place.js"

/** An event's payload and trace context, as a window's run takes them. */
export interface EventRead {
  readonly payload: unknown
  /** The event's subject, for a trigger's `input` mapping; undefined when it is gone from its stream. */
  readonly subject?: string
  readonly traceParent: string | undefined
}

export type Payloads = ReadonlyArray<EventRead>

export const makeEvents = (jsm: StreamManager, table: TriggerTableShape) => {
  const placeOfState = (state: WindowState) => placeOfWindow(state.epoch, table.get(state.trigger))

  const storedAt = (state: WindowState, seq: number): Effect.Effect<StoredMessage | null, Unavailable> =>
    getMessage(jsm, placeOfState(state).stream, { seq })

  const payloadAt = (place: EventPlace, seq: number) =>
    Effect.map(getMessage(jsm, place.stream, { seq }), (m): EventRead => {
      // Aged out or purged: the run still starts, with null.
      if (m === null) return { payload: null, traceParent: undefined }
      const decoded = place.decode(m)
      return {
        payload: decoded.ok ? decoded.payload : null,
        subject: m.subject,
        traceParent: m.header(Headers.traceparent),
      }
    })

  /** The events a window's run takes: the last one for debounce (inline when small), every one for a batch. */
  const payloadsOf = (state: WindowState): Effect.Effect<Payloads, Unavailable> =>
    state.kind === "debounce" && state.last_event !== undefined
      ? Effect.succeed([{ payload: state.last_event.payload, traceParent: state.last_event.traceparent }])
      : Effect.suspend(() => {
          const place = placeOfState(state)
          return Effect.forEach(coverage(state).seqs, (seq) => payloadAt(place, seq), { concurrency: 32 })
        })

  return { storedAt, payloadsOf }
}

export type Events = ReturnType<typeof makeEvents>
