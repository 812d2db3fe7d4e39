// Whether a due window may close: no event that belongs to it is still waiting to be evaluated.
// Windows are timed from stored times, so an event stored before the due time but evaluated after
// the close would miss its window. The answer is per window, never "has the whole evaluator caught
// up": one event that keeps failing must not hold every window everywhere (docs/adr/0004).
//
// 1. Fast path: every event stored up to the due time is acknowledged (the consumer's ack floor
//    is past it). Cached, since it only moves forward.
// 2. Otherwise look at the events above the ack floor on this trigger's own subject, stored up to
//    the due time: an event that passes the trigger's filters, has this window's key and is not
//    yet counted (in this window, in a fired one, or given up on as a dead letter) is still to
//    come, so the window waits. Anything else cannot change the window.
import { Effect } from "effect"
import { JetStreamApiCodes, JetStreamApiError, type JetStreamManager, type MsgRequest, type StoredMsg } from "@nats-io/jetstream"
import { Consumers, Streams } from "../protocol/names.js"
import { batchInputBytes, type DoneState, type WindowState } from "../domain/windows.js"
import { decodeEventPayload } from "../domain/event-payload.js"
import { compileFilters } from "../domain/filters.js"
import { listenSubject, type StoredTrigger } from "../domain/trigger.js"
import { parseDurationMs } from "../domain/duration.js"
import { toUnavailable } from "../nats/errors.js"
import type { Unavailable } from "../domain/errors.js"
import type { TriggerTableShape } from "../triggers/table.js"
import { isDead } from "../dead/dead-letters.js"

/** Events looked at per check; a window with more unacknowledged events of its trigger waits. */
const SCAN_LIMIT = 500

export interface ProgressDeps {
  readonly jsm: JetStreamManager
  readonly table: TriggerTableShape
  readonly keyFor: (t: StoredTrigger, payload: unknown) => string
  readonly readDone: (kind: WindowState["kind"], key: string) => Effect.Effect<DoneState | undefined, Unavailable>
  readonly maxRunInputBytes: number
}

const tryNats = <A>(f: () => Promise<A>) => Effect.tryPromise({ try: f, catch: toUnavailable })
const noMessage = (e: unknown) => e instanceof JetStreamApiError && e.code === JetStreamApiCodes.NoMessageFound

export const makeProgress = (d: ProgressDeps) => {
  /** Every event stored before this time is acknowledged; monotonic. */
  let evaluatedUpToMs = 0
  /** The ack floor seen by the last consumer info. */
  let floorSeq = 0
  let inFlight: Promise<void> | undefined

  const refresh = async () => {
    const asked = Date.now()
    const c = await d.jsm.consumers.info(Streams.events, Consumers.evaluator)
    floorSeq = c.ack_floor.stream_seq
    let upTo = asked
    if (c.num_pending > 0 || c.num_ack_pending > 0) {
      // The next event after the floor was stored no later than everything after it.
      const next = await d.jsm.streams.getMessage(Streams.events, { seq: floorSeq + 1 }).catch((e) => {
        if (noMessage(e)) return null
        throw e
      })
      if (next !== null) upTo = next.time.getTime()
    }
    evaluatedUpToMs = Math.max(evaluatedUpToMs, upTo)
  }

  /** Whether everything stored up to `atMs` is acknowledged; concurrent callers share one query. */
  const evaluatedBefore = (atMs: number) =>
    atMs <= evaluatedUpToMs
      ? Effect.succeed(true)
      : tryNats(async () => {
          if (inFlight === undefined) inFlight = refresh().finally(() => (inFlight = undefined))
          await inFlight
          // A query that started before this call may predate the due time; ask once more.
          if (atMs > evaluatedUpToMs) await refresh()
          return atMs <= evaluatedUpToMs
        })

  const nextOnSubject = (subject: string, seq: number) =>
    tryNats(async (): Promise<StoredMsg | null> => {
      try {
        // The first message at or after `seq` on the subject (nats.js types omit next_by_subj here).
        return await d.jsm.streams.getMessage(Streams.events, { seq, next_by_subj: subject } as unknown as MsgRequest)
      } catch (e) {
        if (noMessage(e)) return null
        throw e
      }
    })

  /** Whether an unevaluated event on the trigger's subject could still belong to `state`. */
  const nothingPendingFor = (trigger: StoredTrigger, state: WindowState, key: string) =>
    Effect.gen(function* () {
      const subject = listenSubject(trigger)
      const filters = compileFilters(trigger.filters ?? [])
      const periodMs = state.kind === "debounce" && trigger.debounce !== undefined ? (parseDurationMs(trigger.debounce.period) ?? 0) : 0
      // Debounce: an event up to a period before the first one would have joined this window.
      const from = Math.max(state.first_at - periodMs, Date.parse(trigger.updated_at) || 0)
      const counted = new Set(state.kind === "debounce" ? state.recent : state.seqs)
      let done: DoneState | undefined
      let doneRead = false
      let seq = floorSeq + 1
      for (let i = 0; i < SCAN_LIMIT; i++) {
        const m = yield* nextOnSubject(subject, seq)
        if (m === null || m.time.getTime() > state.due_at) return true
        seq = m.seq + 1
        if (m.time.getTime() < from || counted.has(m.seq)) continue
        const headers = new Map<string, string>()
        for (const k of m.header.keys()) headers.set(k.toLowerCase(), m.header.get(k))
        const decoded = decodeEventPayload(m.data, headers.get("content-type"))
        // Undecodable events and events of other windows have their own outcomes.
        if (!decoded.ok || !filters(decoded.payload, (n) => headers.get(n)).matched) continue
        if (d.keyFor(trigger, decoded.payload) !== key) continue
        if (state.kind === "batch" && batchInputBytes(Buffer.byteLength(JSON.stringify(decoded.payload) ?? "null"), 1) > d.maxRunInputBytes) continue
        if (!doneRead) {
          done = yield* d.readDone(state.kind, key)
          doneRead = true
        }
        if (done?.seqs.includes(m.seq) === true) continue
        if (yield* isDead(d.jsm, m.seq)) continue
        return false
      }
      return false
    })

  const mayClose = (state: WindowState, key: string): Effect.Effect<boolean, Unavailable> =>
    Effect.gen(function* () {
      if (yield* evaluatedBefore(state.due_at)) return true
      const trigger = d.table.get(state.trigger)
      // Nothing will join a window of a trigger that is gone or disabled.
      if (trigger === undefined || trigger.enabled === false) return true
      return yield* nothingPendingFor(trigger, state, key)
    })

  return { mayClose }
}
