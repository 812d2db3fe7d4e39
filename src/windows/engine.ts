// Debounce windows and batches on NATS: state in KV `dagnats_debounce` / `dagnats_batch` written only
// with revision checks, timers on DAGNATS_TIMERS, and firing through the run starter. The decisions
// are the pure steps of domain/windows.ts; this file reads, writes and retries.
//
// Reads that decide something irreversible (a timer giving up on its window, clearing a fired
// window) go to the stream leader: a replica may answer with an older revision. A window fires
// exactly the state that was written (with the revision that write returned), never a re-read.
// A window waits only for events that could belong to it (see progress.ts), never for the whole
// evaluator, and a window whose run cannot be stored fails alone: dead letters, an `error` record.
// Under a burst of due windows a timer's fire starts the run first: it reads before the due time,
// its debounce payload is in the state, and its bookkeeping waits for the other timers' runs.
// Late debounce events a whole period before their key's current window meet in the key's late slot
// (`{key}.late`), a window like the current one with its own timer (docs/adr/0004).
import { Effect } from "effect"
import { Bucket, type KV, type KvEntry } from "@nats-io/kv"
import type { JetStreamClient, JetStreamManager, StoredMsg } from "@nats-io/jetstream"
import { headers as natsHeaders } from "@nats-io/nats-core"
import { Consumers, Headers, Streams, Subjects } from "../protocol/names.js"
import {
  alreadyFired,
  countedSeqs,
  coverage,
  forgetAcked,
  INLINE_PAYLOAD_BYTES,
  doneKey,
  lateKey,
  recordFired,
  slotOwner,
  stepBatch,
  stepDebounce,
  stepTimer,
  windowKey,
  type DoneState,
  type DebounceState,
  type BatchState,
  type DebounceStep,
  type BatchStep,
  type TimerMessage,
  type WindowEvent,
  type WindowState,
} from "../domain/windows.js"
import { failed, fired, skipped, type FireRecord } from "../domain/fire-record.js"
import { runIdFor } from "../domain/run-id.js"
import { compilePath } from "../domain/json-path.js"
import { decodeEventPayload } from "../domain/event-payload.js"
import { parseDurationMs } from "../domain/duration.js"
import type { StoredTrigger } from "../domain/trigger.js"
import { toUnavailable } from "../nats/conditions.js"
import { isNoMessageFound, isRevisionMismatch } from "../nats/errors.js"
import { Unavailable } from "../domain/errors.js"
import type { RunStarterShape } from "../runs/index.js"
import type { TriggerTableShape } from "../triggers/index.js"
import type { WindowedEvent, WindowHandler } from "./handler.js"
import { publishDead } from "../dead/index.js"
import { makeProgress } from "./progress.js"

const encoder = new TextEncoder()
const decoder = new TextDecoder()

/** How soon a due timer looks again while events that may belong to its window are unevaluated. */
const CATCH_UP_POLL_MS = 100
/**
 * A timer comes back this long before its window is due: it reads the window then, waits in
 * process, and at the due time only writes the close (revision-checked against what it read) and
 * starts the run. Reads and timer deliveries of a burst of windows happen before the burst.
 */
const EARLY_MS = 250
/**
 * The longest a timer's fire defers its bookkeeping (done state, history record, clearing the key)
 * while other timers in this process are still on their way to starting their runs.
 */
const MAX_DEFER_MS = 1_000

interface WindowDeps {
  readonly debounceKv: KV
  readonly batchKv: KV
  readonly js: JetStreamClient
  readonly jsm: JetStreamManager
  readonly starter: RunStarterShape
  readonly table: TriggerTableShape
  readonly record: (r: FireRecord) => Effect.Effect<unknown, Unavailable>
  readonly now: () => number
  /** The largest run input that can be stored; a window above it fails (and batches close before). */
  readonly maxRunInputBytes: number
  /** The NATS max payload, for dead letters (0: unknown). */
  readonly maxPayload: number
  /** The events stream's epoch (creation time), for dead-letter ids of window events. */
  readonly epoch: () => string
}

type Kind = WindowState["kind"]

const tryNats = <A>(f: () => Promise<A>) => Effect.tryPromise({ try: f, catch: toUnavailable })

const parse = <T>(entry: KvEntry | null): { value: T | undefined; revision: number } => {
  if (entry === null || entry.operation !== "PUT") return { value: undefined, revision: entry?.revision ?? 0 }
  try {
    return { value: JSON.parse(decoder.decode(entry.value)) as T, revision: entry.revision }
  } catch {
    // Not ours (someone wrote to the bucket by hand): treat the key as free.
    return { value: undefined, revision: entry.revision }
  }
}

/** The key's latest entry as the stream leader has it (KV get may be answered by any replica). */
const leaderGet = async (kv: KV, key: string): Promise<KvEntry | null> => {
  if (!(kv instanceof Bucket)) return kv.get(key)
  const sm = await kv.jsm.streams.getMessage(kv.bucketName(), { last_by_subj: kv.subjectForKey(kv.encodeKey(key)) })
  if (sm === null) return null
  const entry = kv.smToEntry(sm)
  return entry.key === key ? entry : null
}

/** A write that loses to a concurrent writer returns undefined; else the revision it wrote. */
const write = (kv: KV, key: string, value: unknown, revision: number, existed: boolean) =>
  tryNats(async () => {
    try {
      const bytes = encoder.encode(JSON.stringify(value))
      return existed ? await kv.update(key, bytes, revision) : await kv.create(key, bytes)
    } catch (e) {
      if (isRevisionMismatch(e)) return undefined
      throw e
    }
  })

export const makeWindowEngine = (d: WindowDeps) => {
  const kvOf = (kind: Kind) => (kind === "debounce" ? d.debounceKv : d.batchKv)

  const read = <T>(kind: Kind, key: string, fromLeader = false) =>
    Effect.map(
      tryNats(() => (fromLeader ? leaderGet(kvOf(kind), key) : kvOf(kind).get(key))),
      (e) => ({ ...parse<T>(e), existed: e !== null }),
    )

  const scheduleTimer = (state: WindowState, key: string) =>
    tryNats(() => {
      const timer: TimerMessage = { kind: state.kind, key, id: state.id, due_at: state.due_at }
      const h = natsHeaders()
      h.set("Content-Type", "application/json")
      return d.js.publish(Subjects.timer(state.kind, key), encoder.encode(JSON.stringify(timer)), {
        msgID: `${state.kind}.${state.id}`,
        headers: h,
      })
    })

  const storedAt = (seq: number) =>
    tryNats(async (): Promise<StoredMsg | null> => {
      try {
        return await d.jsm.streams.getMessage(Streams.events, { seq })
      } catch (e) {
        // Aged out of EVENTS (14 days) or purged by an operator.
        if (isNoMessageFound(e)) return null
        throw e
      }
    })

  /** An event's payload and trace context, as a window's run takes them. */
  interface EventRead {
    readonly payload: unknown
    readonly traceParent: string | undefined
  }
  const payloadAt = (seq: number) =>
    Effect.map(storedAt(seq), (m): EventRead => {
      // Aged out or purged: the run still starts, with null.
      if (m === null) return { payload: null, traceParent: undefined }
      const decoded = decodeEventPayload(m.data, m.header.get("Content-Type") || undefined)
      return {
        payload: decoded.ok ? decoded.payload : null,
        traceParent: m.header.get(Headers.traceparent) || undefined,
      }
    })

  /**
   * The done state this process last wrote or read per key, with its revision: the next window
   * fired at the key writes on top of it without reading first, and a key this process never saw is
   * created blindly (a first fire at a key is the common case under a burst). Both writes are
   * revision-checked, so a stale guess only loses the write; then the leader is asked, as before.
   */
  const doneSeen = new Map<string, { readonly value: DoneState | undefined; revision: number; existed: boolean }>()
  const DONE_SEEN_KEYS = 10_000
  const rememberFired = (state: WindowState, key: string) =>
    Effect.gen(function* () {
      // A late window's fires are remembered with the key's others: one record answers a redelivery.
      const dk = doneKey(slotOwner(key))
      const seenKey = `${state.kind} ${dk}`
      let done = doneSeen.get(seenKey) ?? { value: undefined, revision: 0, existed: false }
      while (true) {
        const next = recordFired(done.value, state, ackFloor.get())
        const rev = yield* write(kvOf(state.kind), dk, next, done.revision, done.existed)
        if (rev !== undefined) {
          // Oldest first out: a Map iterates in insertion order.
          doneSeen.delete(seenKey)
          if (doneSeen.size >= DONE_SEEN_KEYS) doneSeen.delete(doneSeen.keys().next().value!)
          doneSeen.set(seenKey, { value: next, revision: rev, existed: true })
          return
        }
        done = yield* read<DoneState>(state.kind, dk, true)
      }
    })

  /**
   * The window's run cannot be stored: every event it counted goes to DAGNATS_DEAD with the reason,
   * its history says `error`, and it counts as fired so a redelivered event does not reopen it.
   */
  const failWindow = (state: WindowState, key: string, error: string) =>
    Effect.gen(function* () {
      const cov = coverage(state)
      const counted = countedSeqs(state)
      const message = `${state.kind} window ${state.id}: ${error}`
      yield* Effect.forEach(
        counted,
        (seq) =>
          Effect.gen(function* () {
            const m = yield* storedAt(seq)
            if (m === null) return
            const headers: Array<[string, string]> = []
            for (const k of m.header.keys()) for (const v of m.header.values(k)) headers.push([k, v])
            const epoch = state.epoch ?? d.epoch()
            yield* publishDead(d.js, d.maxPayload, {
              subject: m.subject,
              seq,
              epoch,
              error: message,
              headers,
              data: m.data,
            })
          }),
        { concurrency: 8, discard: true },
      )
      const trigger = d.table.get(state.trigger)
      const event = { subject: cov.lastSubject, seq: cov.lastSeq }
      const record = failed({ trigger: state.trigger, workflow: trigger?.workflow ?? "", event }, message)
      yield* d.record(record)
      yield* rememberFired(state, key)
      return record
    })

  type Payloads = ReadonlyArray<EventRead>
  /** The events a window's run takes: the last one for debounce, every one for a batch. */
  const payloadsOf = (state: WindowState): Effect.Effect<Payloads, Unavailable> =>
    state.kind === "debounce" && state.last_event !== undefined
      ? Effect.succeed([{ payload: state.last_event.payload, traceParent: state.last_event.traceparent }])
      : Effect.forEach(coverage(state).seqs, payloadAt, { concurrency: 32 })

  /**
   * Start the window's run (idempotent by its id), remember what it covered, and record it. The
   * window stays in KV (closed) until the caller clears it, so a crash anywhere in here is healed by
   * the timer coming back: remembering before the run exists is safe, and lets the writes go out
   * together (fire lateness under a burst is round trips): the record follows the run (`fired`
   * only once the run exists) while the done state is written. A timer's fire passes `started`:
   * it is called once the run exists, and the record and done state then wait for the other
   * timers' runs (startsDone).
   */
  const fire = (state: WindowState, key: string, prefetched?: Payloads, started?: () => void) =>
    Effect.gen(function* () {
      const trigger = d.table.get(state.trigger)
      const cov = coverage(state)
      const event = { subject: cov.lastSubject, seq: cov.lastSeq }
      const base = { trigger: state.trigger, workflow: trigger?.workflow ?? "", event }
      if (trigger === undefined) return skipped(base, state.kind === "debounce" ? "debounced" : "batched")
      // A trigger disabled while its window was open starts no run; the window is dropped and its
      // history says why.
      if (trigger.enabled === false) {
        const record = skipped(base, "disabled")
        yield* d.record(record)
        yield* rememberFired(state, key)
        return record
      }
      const events = prefetched ?? (yield* payloadsOf(state))
      const payloads = events.map((e) => e.payload)
      // A window's run continues the trace of the event that closed it: the last one it covers.
      const traceParent = events[events.length - 1]?.traceParent
      const input = state.kind === "debounce" ? payloads[0] : payloads
      const inputBytes = Buffer.byteLength(JSON.stringify(input) ?? "null")
      if (inputBytes > d.maxRunInputBytes) {
        const why = `run input of ${inputBytes} bytes is larger than can be stored (${d.maxRunInputBytes} bytes)`
        return yield* failWindow(state, key, why)
      }
      const runId = runIdFor(state.trigger, { kind: "window", windowId: state.id })
      const start = d.starter.start({
        runId,
        workflow: trigger.workflow,
        input,
        source: trigger.type,
        triggerName: trigger.name,
        event: { ...event, delivery_id: null },
        count: cov.count,
        traceParent,
      })
      const record = fired(base, runId, cov.count)
      if (started !== undefined) {
        // A timer's fire: the run first, the bookkeeping once no other timer waits to start its run.
        yield* start
        started()
        yield* startsDone
        yield* Effect.all([d.record(record), rememberFired(state, key)], { concurrency: 2, discard: true })
        return record
      }
      yield* Effect.all([Effect.andThen(start, d.record(record)), rememberFired(state, key)], {
        concurrency: 2,
        discard: true,
      })
      return record
    })

  /**
   * Clear a fired window's key. A revision mismatch is not swallowed: if the key still holds this
   * window (our revision was stale), delete again at the leader's revision; if it holds another
   * window, that one is someone else's to fire.
   */
  const clear = (state: WindowState, key: string, revision: number) =>
    Effect.gen(function* () {
      let rev = revision
      while (true) {
        const deleted = yield* tryNats(async () => {
          try {
            await kvOf(state.kind).delete(key, { previousSeq: rev })
            return true
          } catch (e) {
            if (isRevisionMismatch(e)) return false
            throw e
          }
        })
        if (deleted) return
        const now = yield* read<WindowState>(state.kind, key, true)
        if (now.value?.id !== state.id) return
        rev = now.revision
      }
    })

  /** Fire a window found (or written) closed at `revision`, then clear its key. */
  const fireAndClear = (
    state: WindowState,
    key: string,
    revision: number,
    prefetched?: Payloads,
    started?: () => void,
  ) =>
    Effect.gen(function* () {
      const record = yield* fire(state, key, prefetched, started)
      yield* clear(state, key, revision)
      return record
    })

  /**
   * A full batch fired at once: delete its timer, which would otherwise stay pending until the
   * batch's timeout. `timerSeq` is the key's last timer as read before the batch was closed, so it
   * is this batch's timer (or an older, stale one), never the timer of a batch opened after it.
   * One message is deleted by sequence: a purge would also move the timer consumer's ack floor
   * past every other key's timers stored before it.
   */
  const dropTimer = (timerSeq: number) =>
    timerSeq <= 0
      ? Effect.void
      : tryNats(() =>
          d.jsm.streams.deleteMessage(Streams.timers, timerSeq, false).catch((e) => {
            // Already acked (work queue) or deleted by another serve.
            if (isNoMessageFound(e)) return false
            throw e
          }),
        ).pipe(Effect.asVoid)

  const lastTimerSeq = (kind: Kind, key: string) =>
    tryNats(async () => {
      try {
        return (await d.jsm.streams.getMessage(Streams.timers, { last_by_subj: Subjects.timer(kind, key) }))?.seq ?? 0
      } catch (e) {
        if (isNoMessageFound(e)) return 0
        throw e
      }
    })

  /**
   * The evaluator's ack floor as last seen (monotonic), refreshed in the background at most once a
   * second: sequences at or below it can never be delivered again, so windows need not keep them.
   */
  const ackFloor = (() => {
    let floor = 0
    let askedAt = 0
    const refresh = () => {
      askedAt = Date.now()
      d.jsm.consumers.info(Streams.events, Consumers.evaluator).then(
        (c) => void (floor = Math.max(floor, c.ack_floor.stream_seq)),
        () => undefined,
      )
    }
    return {
      get: () => {
        if (Date.now() - askedAt >= 1_000) refresh()
        return floor
      },
    }
  })()

  const keyFor = (t: StoredTrigger, payload: unknown) => {
    const path = t.debounce?.key ?? t.batch?.key
    return windowKey(t.name, path === undefined ? { found: false } : compilePath(path)(payload))
  }

  const progress = makeProgress({
    jsm: d.jsm,
    table: d.table,
    keyFor,
    readDone: (kind, key) => Effect.map(read<DoneState>(kind, doneKey(key), true), (r) => r.value),
    readCounted: (kind, key) =>
      Effect.map(
        // Only debounce keys have a late slot.
        Effect.forEach(kind === "debounce" ? [key, lateKey(key)] : [key], (k) => read<WindowState>(kind, k), {
          concurrency: 2,
        }),
        (slots) => new Set(slots.flatMap((r) => (r.value === undefined ? [] : countedSeqs(r.value)))),
      ),
    maxRunInputBytes: d.maxRunInputBytes,
    now: d.now,
  })

  /**
   * Events of one window key are absorbed one at a time in this process: concurrent absorbs of a
   * hot key (a trigger-wide window under a burst) only lose revision checks to each other and
   * retry, which measured ~140 events/s. Other serves still meet at the revision check.
   */
  const keyQueues = new Map<string, Promise<void>>()
  const oneAtATime = <A, E>(key: string, work: Effect.Effect<A, E>): Effect.Effect<A, E> =>
    Effect.suspend(() => {
      const before = keyQueues.get(key) ?? Promise.resolve()
      let release!: () => void
      const done = new Promise<void>((r) => (release = r))
      const tail = before.then(() => done)
      keyQueues.set(key, tail)
      return Effect.promise(() => before).pipe(
        Effect.andThen(work),
        Effect.ensuring(
          Effect.sync(() => {
            release()
            if (keyQueues.get(key) === tail) keyQueues.delete(key)
          }),
        ),
      )
    })

  type AnyStep = DebounceStep | BatchStep

  /**
   * Put one event into its debounce window or batch: read the state, take the pure step, write it
   * with a revision check, and read again (from the leader) on a conflict. A debounce event a whole
   * period before the key's current window (`alone`) goes to the key's late slot, stepped the same way.
   */
  const absorbInto = (
    kind: Kind,
    w: WindowedEvent,
    ev: WindowEvent,
    stepFor: (key: string, cur: WindowState | undefined) => AnyStep,
    mayBeLate = false,
  ) =>
    Effect.gen(function* () {
      const key = keyFor(w.trigger, w.payload)
      const outcome = yield* absorbAt(kind, w, ev, key, key, stepFor, mayBeLate)
      if (outcome !== "late") return outcome
      const lateOutcome = yield* absorbAt(kind, w, ev, key, lateKey(key), stepFor, false)
      // Never "late" again: stepped on the late slot, an `alone` event fires at once.
      const base = { trigger: w.trigger.name, workflow: w.trigger.workflow, event: w.event }
      return lateOutcome === "late" ? skipped(base, "debounced") : lateOutcome
    })

  /** Step one event into the window held at `slot` (the key itself or its late slot). */
  const absorbAt = (
    kind: Kind,
    { trigger, event }: WindowedEvent,
    ev: WindowEvent,
    key: string,
    slot: string,
    stepFor: (key: string, cur: WindowState | undefined) => AnyStep,
    mayBeLate: boolean,
  ) =>
    Effect.gen(function* () {
      const late = slot !== key
      const base = { trigger: trigger.name, workflow: trigger.workflow, event }
      const absorbed = skipped(base, kind === "debounce" ? "debounced" : "batched")
      let fromLeader = false
      while (true) {
        const cur = yield* read<WindowState>(kind, slot, fromLeader)
        const step = stepFor(key, cur.value?.kind === kind ? cur.value : undefined)
        // A decision that writes nothing here (to the late slot, or a window of its own) is not made
        // on a replica's answer; any further read in this loop follows a lost race: ask the leader.
        const readFromLeader = fromLeader
        fromLeader = true
        if (step.type === "alone" && !readFromLeader) continue
        // The late slot's turn: it reads `….done` itself, after reading the slot.
        if (step.type === "alone" && !late) return "late" as const
        // The key's late window, when it may matter (read from the leader, after the window, before
        // `….done`): a redelivered event may be counted there, still open (its serve died after writing
        // it); and an event evaluated a period or more after it was stored that finds no open window
        // may belong there (the newer window that made the late one is over since). A prompt event
        // cannot: the late window was over a period before that newer window was.
        const opensWindow = step.type === "create" || step.type === "replace"
        if (
          !late &&
          kind === "debounce" &&
          ((event.redelivered && step.type !== "duplicate") || (opensWindow && mayBeLate))
        ) {
          const other = yield* read<WindowState>(kind, lateKey(key), true)
          const there = other.value?.kind === kind ? stepFor(key, other.value).type : "create"
          if (there === "duplicate") {
            yield* scheduleTimer(other.value!, lateKey(key))
            return absorbed
          }
          // A closed current window is left to its timer, which fires whatever it finds closed.
          if (there === "extend" && opensWindow) return "late" as const
        }
        // A redelivered event missing from the window read may be in one that fired since. The fired
        // window is remembered before its key is cleared or replaced, so `….done` is read after the
        // window (from the leader), never before: read first, it could miss a fire in between.
        if (event.redelivered && step.type !== "duplicate") {
          const done = (yield* read<DoneState>(kind, doneKey(key), true)).value
          if (alreadyFired(kind, done, event.seq, ev.epoch)) return absorbed
        }
        switch (step.type) {
          case "too_large":
            return failed(
              base,
              `event of ${step.bytes} bytes is larger than a batch run input can be (${step.maxBytes} bytes)`,
            )
          case "duplicate":
            // Redelivered after a crash between storing its window and setting the timer.
            yield* scheduleTimer(cur.value!, slot)
            return absorbed
          case "alone":
            // A whole period before the late window too, which is itself over: a window of its own,
            // fired now; both open windows stay.
            yield* fire(step.fire, key)
            return absorbed
          case "close": {
            // A debounce window that this event (stored after its due time) closes must first have
            // all its own events: one held by a dead serve until the ack wait would otherwise come
            // back after the fire and make a window of its own. Until then this event is retried
            // like any evaluation that cannot finish yet (the timer path waits the same way).
            if (kind === "debounce" && !(yield* progress.mayClose(step.next, key)))
              return yield* new Unavailable({ message: `debounce window ${step.next.id} waits for its own events` })
            const timersBefore = kind === "batch" ? yield* lastTimerSeq(kind, slot) : 0
            const rev = yield* write(kvOf(kind), slot, step.next, cur.revision, cur.existed)
            // A batch closed because this event would not fit: fire it now rather than at its timeout.
            if (rev !== undefined && kind === "batch") {
              yield* fireAndClear(step.next, slot, rev)
              yield* dropTimer(timersBefore)
            }
            continue
          }
          default: {
            if (step.type === "replace") yield* fire(step.fire, slot)
            const closesNow = step.next.closed
            const timersBefore = closesNow ? yield* lastTimerSeq(kind, slot) : 0
            const next = forgetAcked(step.next, ackFloor.get())
            const rev = yield* write(kvOf(kind), slot, next, cur.revision, cur.existed)
            if (rev === undefined) continue
            // The event that fills a batch fires exactly what was written, at the revision the write
            // returned. fire() records the run under the batch's last event, which need not be this
            // one: this event's own outcome is batched.
            if (closesNow) {
              yield* fireAndClear(step.next, slot, rev)
              yield* dropTimer(timersBefore)
              return absorbed
            }
            // The timer only after the window is stored: a due timer that finds no window takes
            // it for fired and drops it. A redelivered event sets it again (the message id makes
            // that a no-op when it exists), in case a crash came between the two.
            if (step.type === "create" || step.type === "replace" || event.redelivered)
              yield* scheduleTimer(step.next, slot)
            return absorbed
          }
        }
      }
    })

  const windowEvent = (w: WindowedEvent): WindowEvent => ({
    seq: w.event.seq,
    subject: w.event.subject,
    atMs: w.event.storedAtMs,
    ...(w.event.epoch !== undefined ? { epoch: w.event.epoch } : {}),
    bytes: Buffer.byteLength(JSON.stringify(w.payload) ?? "null"),
  })

  /** A debounce event keeps its payload (and trace context) in the window when it is small. */
  const debounceEvent = (w: WindowedEvent): WindowEvent => {
    const ev = windowEvent(w)
    if ((ev.bytes ?? Infinity) > INLINE_PAYLOAD_BYTES) return ev
    const traceparent = w.event.header(Headers.traceparent)
    return { ...ev, inline: { payload: w.payload, ...(traceparent !== undefined ? { traceparent } : {}) } }
  }

  const absorbDebounce = (w: WindowedEvent) => {
    const debounce = w.trigger.debounce!
    const cfg = {
      periodMs: parseDurationMs(debounce.period)!,
      timeoutMs: debounce.timeout !== undefined ? parseDurationMs(debounce.timeout) : undefined,
    }
    const ev = debounceEvent(w)
    // Evaluated a period or more after it was stored: it may belong to the key's late window.
    const mayBeLate = ev.atMs + cfg.periodMs <= d.now()
    return absorbInto(
      "debounce",
      w,
      ev,
      (key, cur) => stepDebounce(w.trigger.name, key, cur as DebounceState | undefined, ev, cfg),
      mayBeLate,
    )
  }

  const absorbBatch = (w: WindowedEvent) => {
    const batch = w.trigger.batch!
    const cfg = { maxSize: batch.max_size, timeoutMs: parseDurationMs(batch.timeout)!, maxBytes: d.maxRunInputBytes }
    const ev = windowEvent(w)
    return absorbInto("batch", w, ev, (key, cur) =>
      stepBatch(w.trigger.name, key, cur as BatchState | undefined, ev, cfg),
    )
  }

  const windowKeyOf = (w: WindowedEvent) => keyFor(w.trigger, w.payload)
  const debounceHandler: WindowHandler = { absorb: (w) => oneAtATime(windowKeyOf(w), absorbDebounce(w)) }
  const batchHandler: WindowHandler = { absorb: (w) => oneAtATime(windowKeyOf(w), absorbBatch(w)) }

  /**
   * Timers in this process on their way to starting a run (from delivery until the run exists or
   * they find nothing to start). Under a burst of due windows, each fire's bookkeeping waits until
   * none is left (or MAX_DEFER_MS), so every run starts before the writes that only tidy up.
   * Deferring them is safe: the window stays in KV, closed, until its key is cleared last.
   */
  let starting = 0
  let allStarted: { readonly promise: Promise<void>; readonly resolve: () => void } | undefined
  /** One timer's membership in `starting`: entered on delivery and after waiting, left once. */
  const startingMember = () => {
    let inside = false
    return {
      enter: () => {
        if (inside) return
        inside = true
        starting++
      },
      leave: () => {
        if (!inside) return
        inside = false
        starting--
        if (starting === 0 && allStarted !== undefined) {
          allStarted.resolve()
          allStarted = undefined
        }
      },
    }
  }
  const startsDone = Effect.suspend(() => {
    if (starting === 0) return Effect.void
    if (allStarted === undefined) {
      let resolve!: () => void
      const promise = new Promise<void>((r) => (resolve = r))
      allStarted = { promise, resolve }
    }
    const { promise } = allStarted
    return Effect.promise(() => promise).pipe(Effect.timeoutOption(MAX_DEFER_MS), Effect.asVoid)
  })

  /** A due timer: fire the window if it is over, or say how long to wait. */
  const onTimer = (timer: TimerMessage) =>
    Effect.suspend(() => {
      const member = startingMember()
      member.enter()
      return Effect.ensuring(onTimerWith(timer, member), Effect.sync(member.leave))
    })

  const onTimerWith = (timer: TimerMessage, member: ReturnType<typeof startingMember>) =>
    Effect.gen(function* () {
      let fromLeader = false
      let waited = false
      while (true) {
        const cur = yield* read<WindowState>(timer.kind, timer.key, fromLeader)
        let step = stepTimer(timer, cur.value, d.now())
        // Close to due: wait here with what was read, once; the close write's revision check
        // still catches any change made meanwhile. Further off: come back EARLY_MS before due.
        if (step.type === "wait" && !waited && step.ms <= EARLY_MS) {
          waited = true
          member.leave()
          yield* Effect.sleep(step.ms)
          member.enter()
          step = stepTimer(timer, cur.value, d.now())
        }
        switch (step.type) {
          case "stale":
            // Giving up on a window is irreversible: a replica's "nothing here" or older window
            // must not make the timer drop a window that is open at the leader.
            if (!fromLeader) {
              fromLeader = true
              continue
            }
            return { ack: true as const }
          case "wait":
            return { ack: false as const, delayMs: step.ms > EARLY_MS ? step.ms - EARLY_MS : step.ms }
          case "close": {
            const mayClose = yield* progress.mayClose(step.next, slotOwner(timer.key))
            if (!mayClose) return { ack: false as const, delayMs: CATCH_UP_POLL_MS }
            // The payloads are read while the close is written: one round trip fewer per window.
            const [rev, payloads] = yield* Effect.all(
              [write(kvOf(timer.kind), timer.key, step.next, cur.revision, cur.existed), payloadsOf(step.next)],
              { concurrency: 2 },
            )
            if (rev === undefined) {
              fromLeader = true
              continue
            }
            yield* fireAndClear(step.next, timer.key, rev, payloads, member.leave)
            return { ack: true as const }
          }
          case "fire":
            yield* fireAndClear(step.state, timer.key, cur.revision, undefined, member.leave)
            return { ack: true as const }
        }
      }
    })

  /** Give up on a timer's window after it failed again and again: dead letters, history `error`. */
  const failTimer = (timer: TimerMessage, error: string) =>
    Effect.gen(function* () {
      const cur = yield* read<WindowState>(timer.kind, timer.key, true)
      if (cur.value === undefined || cur.value.id !== timer.id) return
      yield* failWindow(cur.value, timer.key, `gave up after repeated failures: ${error}`)
      yield* clear(cur.value, timer.key, cur.revision)
    })

  return { debounce: debounceHandler, batch: batchHandler, onTimer, failTimer }
}

export type WindowEngine = ReturnType<typeof makeWindowEngine>
