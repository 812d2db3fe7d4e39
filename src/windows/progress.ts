// Whether a due window may close: no event that belongs to it is still waiting to be evaluated.
// Windows are timed from stored times, so an event stored before the due time but evaluated after
// the close would miss its window. The answer is per window, never "has the whole evaluator caught
// up": one event that keeps failing must not hold every window everywhere (docs/adr/0004).
//
// 1. Fast path: every event stored up to the due time is acknowledged (the consumer's ack floor
//    is past it). Cached, since it only moves forward.
// 2. While the floor moves, wait: the evaluator is catching up. Once it stands still (an event
//    being retried, or a dead serve's events until the ack wait), look at the events above it on
//    this trigger's own subject, stored up to the due time: an event that passes the trigger's
//    filters, has this window's key and is not yet counted (in this window, in the key's other open
//    window — its current one or its late one —, in a fired one, or given up on as a dead letter)
//    is still to come, so the window waits. Anything else cannot
//    change the window. Waiting is always safe; the look is only how a window stops waiting for
//    events that are not its own.
import { Deferred, Effect } from "effect"
import { batchInputBytes, countedSeqs, type DoneState, type WindowState } from "../domain/windows.js"
import { compileFilters } from "../domain/filters.js"
import type { StoredTrigger } from "../domain/trigger.js"
import { parseDurationMs } from "../domain/duration.js"
import type { Unavailable } from "../domain/errors.js"
import { consumerPosition, getMessage, type StoredMessage, type StreamManager } from "../nats/stream-messages.js"
import type { TriggerTableShape } from "../triggers/index.js"
import { isDead } from "../dead/index.js"
import { placeOfWindow, placeSubject, type EventPlace } from "./place.js"

/** Events looked at per check; a window with more unacknowledged events of its trigger waits. */
const SCAN_LIMIT = 500

interface ProgressDeps {
  readonly jsm: StreamManager
  readonly table: TriggerTableShape
  readonly keyFor: (t: StoredTrigger, payload: unknown) => string
  readonly readDone: (kind: WindowState["kind"], key: string) => Effect.Effect<DoneState | undefined, Unavailable>
  /** The sequences counted in the key's open windows (its current one and its late one). */
  readonly readCounted: (kind: WindowState["kind"], key: string) => Effect.Effect<ReadonlySet<number>, Unavailable>
  readonly maxRunInputBytes: number
  /** The engine's clock: "everything is evaluated" means evaluated up to now. */
  readonly now: () => number
}

/**
 * How long the ack floor must stand still before a window looks past it. A floor that moves is an
 * evaluator catching up (every window waits for it, cheaply); one that stands still is held by an
 * event being retried or by a dead serve's events (until the ack wait), and then each window asks
 * only about its own events.
 */
const STALL_MS = 500
/** Cached "next message on subject" answers; events never change, so only the size is bounded. */
const CACHE_ENTRIES = 20_000

/** One consumer-info look at the evaluator's progress, shared by every caller that may take it. */
interface Refresh {
  /** Wall-clock time it was asked (ms). */
  readonly startedAt: number
  readonly done: Deferred.Deferred<void, Unavailable>
}

/**
 * The progress of one consumer (the evaluator's on EVENTS, or dagnats's on a source stream), shared
 * by every trigger whose events it evaluates; how a stored message reads as an event is each
 * window's own (two triggers on one KV bucket may take different operations).
 */
const makeConsumerProgress = (d: ProgressDeps, at: Pick<EventPlace, "stream" | "consumer">) => {
  /** Every event stored before this time is acknowledged; monotonic. */
  let evaluatedUpToMs = 0
  /** The ack floor seen by the last consumer info, and since when it stands there. */
  let floorSeq = -1
  let floorSince = 0
  let stalled = false
  let current: Refresh | undefined
  let queued: Deferred.Deferred<void, Unavailable> | undefined

  const refresh = Effect.gen(function* () {
    const asked = d.now()
    // How long the floor stands still is wall-clock time, whatever clock windows are timed by.
    const wall = Date.now()
    const c = yield* consumerPosition(d.jsm, at.stream, at.consumer)
    if (c.ackFloorSeq !== floorSeq) {
      floorSeq = c.ackFloorSeq
      floorSince = wall
    }
    let upTo = asked
    const behind = c.numPending > 0 || c.numAckPending > 0
    if (behind) {
      // The next event after the floor was stored no later than everything after it.
      const next = yield* getMessage(d.jsm, at.stream, { seq: floorSeq + 1 })
      if (next !== null) upTo = next.storedAtMs
    }
    stalled = behind && wall - floorSince >= STALL_MS
    evaluatedUpToMs = Math.max(evaluatedUpToMs, upTo)
  })

  /** Start a look in the background; it is `current` until it ends. */
  const startRefresh = Effect.suspend(() => {
    const r: Refresh = { startedAt: Date.now(), done: Deferred.makeUnsafe() }
    current = r
    return refresh.pipe(
      Effect.exit,
      Effect.flatMap((exit) =>
        Effect.suspend(() => {
          if (current === r) current = undefined
          return Deferred.done(r.done, exit)
        }),
      ),
      Effect.forkDetach,
      Effect.as(r.done),
    )
  })

  /** After the look `before` (however it ended): the one running then, or a new one. */
  const followUp = (before: Deferred.Deferred<void, Unavailable>, q: Deferred.Deferred<void, Unavailable>) =>
    Deferred.await(before).pipe(
      Effect.ignore,
      Effect.andThen(
        Effect.suspend(() => {
          queued = undefined
          return current !== undefined ? Effect.succeed(current.done) : startRefresh
        }),
      ),
      Effect.flatMap(Deferred.await),
      Effect.exit,
      Effect.flatMap((exit) => Deferred.done(q, exit)),
      Effect.forkDetach,
    )

  /**
   * A consumer info taken no earlier than `since`; concurrent callers share one request. A caller
   * that finds one running that began too early waits for it and shares the next one: it starts
   * after every such caller asked. A burst of windows falling due together then asks once or
   * twice, not once per window.
   */
  const infoSince = (since: number): Effect.Effect<void, Unavailable> =>
    Effect.suspend(() => {
      if (current === undefined) return startRefresh
      if (current.startedAt >= since) return Effect.succeed(current.done)
      if (queued !== undefined) return Effect.succeed(queued)
      const q = Deferred.makeUnsafe<void, Unavailable>()
      queued = q
      return Effect.as(followUp(current.done, q), q)
    }).pipe(Effect.flatMap(Deferred.await))

  /** Whether everything stored up to `atMs` is acknowledged. */
  const evaluatedBefore = (atMs: number): Effect.Effect<boolean, Unavailable> =>
    atMs <= evaluatedUpToMs
      ? Effect.succeed(true)
      : Effect.suspend(() => infoSince(Date.now())).pipe(Effect.map(() => atMs <= evaluatedUpToMs))

  const cache = new Map<string, StoredMessage>()
  /** The first message at or after `seq` on the subject. */
  const nextOnSubject = (subject: string, seq: number): Effect.Effect<StoredMessage | null, Unavailable> => {
    const k = `${seq} ${subject}`
    const hit = cache.get(k)
    if (hit !== undefined) return Effect.succeed(hit)
    return Effect.map(getMessage(d.jsm, at.stream, { seq, nextBySubject: subject }), (m) => {
      // "Nothing yet" can change as events arrive; a message found cannot.
      if (m !== null) {
        if (cache.size >= CACHE_ENTRIES) cache.clear()
        cache.set(k, m)
      }
      return m
    })
  }

  /** Whether an unevaluated event on the trigger's subject could still belong to `state`. */
  const nothingPendingFor = Effect.fnUntraced(function* (
    trigger: StoredTrigger,
    place: EventPlace,
    state: WindowState,
    key: string,
  ) {
    const subject = placeSubject(trigger)
    const filters = compileFilters(trigger.filters ?? [])
    const debounce = state.kind === "debounce" ? trigger.debounce : undefined
    const periodMs = debounce !== undefined ? (parseDurationMs(debounce.period) ?? 0) : 0
    // Debounce: an event up to a period before the first one would have joined this window.
    // Events stored before the trigger's last change were evaluated against another definition.
    const from = Math.max(state.first_at - periodMs, Date.parse(trigger.updated_at) || 0)
    const counted = new Set(countedSeqs(state))
    let done: DoneState | undefined
    let doneRead = false
    let inOpen: ReadonlySet<number> | undefined
    let seq = floorSeq + 1
    for (let i = 0; i < SCAN_LIMIT; i++) {
      const m = yield* nextOnSubject(subject, seq)
      if (m === null || m.storedAtMs > state.due_at) return true
      seq = m.seq + 1
      if (m.storedAtMs < from || counted.has(m.seq)) continue
      const headers = new Map<string, string>()
      for (const [k, values] of m.headers()) headers.set(k.toLowerCase(), values[0] ?? "")
      const decoded = place.decode(m)
      // Undecodable events and events of other windows have their own outcomes.
      if (!decoded.ok || !filters(decoded.payload, (n) => headers.get(n)).matched) continue
      if (d.keyFor(trigger, decoded.payload) !== key) continue
      const bytes = Buffer.byteLength(JSON.stringify(decoded.payload) ?? "null")
      if (state.kind === "batch" && batchInputBytes(bytes, 1) > d.maxRunInputBytes) continue
      if (!doneRead) {
        done = yield* d.readDone(state.kind, key)
        doneRead = true
      }
      if (done?.seqs.includes(m.seq) === true) continue
      // Counted in the key's other open window: it can never join this one. (Without this, a late
      // window and a current window whose start moved back to it could each wait for the other.)
      inOpen ??= yield* d.readCounted(state.kind, key)
      if (inOpen.has(m.seq)) continue
      if (yield* isDead(d.jsm, m.seq, state.epoch)) continue
      return false
    }
    return false
  })

  const mayClose = Effect.fnUntraced(function* (
    state: WindowState,
    key: string,
    trigger: StoredTrigger | undefined,
    place: EventPlace,
  ): Effect.fn.Return<boolean, Unavailable> {
    if (yield* evaluatedBefore(state.due_at)) return true
    // The evaluator is catching up: what belongs to this window is on its way.
    if (!stalled) return false
    // Nothing will join a window of a trigger that is gone or disabled.
    if (trigger === undefined || trigger.enabled === false) return true
    return yield* nothingPendingFor(trigger, place, state, key)
  })

  return { mayClose }
}

export const makeProgress = (d: ProgressDeps) => {
  const byStream = new Map<string, ReturnType<typeof makeConsumerProgress>>()
  const mayClose = (state: WindowState, key: string): Effect.Effect<boolean, Unavailable> =>
    Effect.suspend(() => {
      const trigger = d.table.get(state.trigger)
      // The consumer that evaluates the window's own events, even if its trigger has moved since.
      const place = placeOfWindow(state.epoch, trigger)
      let p = byStream.get(place.stream)
      if (p === undefined) {
        p = makeConsumerProgress(d, place)
        byStream.set(place.stream, p)
      }
      return p.mayClose(state, key, trigger, place)
    })
  return { mayClose }
}

export type Progress = ReturnType<typeof makeProgress>
