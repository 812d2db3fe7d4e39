// The events a window covers, read back from EVENTS by sequence: the payloads its run takes (and
// the trace context of the last), and the stored messages its dead letters copy. An event that
// aged out of EVENTS (14 days) or was purged by an operator reads as absent.
import { Effect } from "effect"
import { Headers, Streams } from "../protocol/names.js"
import { coverage, type WindowState } from "../domain/windows.js"
import { decodeEventPayload } from "../domain/event-payload.js"
import type { Unavailable } from "../domain/errors.js"
import { getMessage, type StoredMessage, type StreamManager } from "../nats/stream-messages.js"

/** An event's payload and trace context, as a window's run takes them. */
export interface EventRead {
  readonly payload: unknown
  /** The event's subject, for a trigger's `input` mapping; undefined when it is gone from EVENTS. */
  readonly subject?: string
  readonly traceParent: string | undefined
}

export type Payloads = ReadonlyArray<EventRead>

export const makeEvents = (jsm: StreamManager) => {
  const storedAt = (seq: number): Effect.Effect<StoredMessage | null, Unavailable> =>
    getMessage(jsm, Streams.events, { seq })

  const payloadAt = (seq: number) =>
    Effect.map(storedAt(seq), (m): EventRead => {
      // Aged out or purged: the run still starts, with null.
      if (m === null) return { payload: null, traceParent: undefined }
      const decoded = decodeEventPayload(m.data, m.header("Content-Type"))
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
      : Effect.forEach(coverage(state).seqs, payloadAt, { concurrency: 32 })

  return { storedAt, payloadsOf }
}

export type Events = ReturnType<typeof makeEvents>
