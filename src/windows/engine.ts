// Debounce windows and batches on NATS (SPEC §6): state in KV `dagnats_debounce` / `dagnats_batch`
// written only with revision checks, timers on DAGNATS_TIMERS, and firing through the run starter.
// The decisions are the pure steps of domain/windows.ts; this file reads, writes and retries.
import { Effect } from "effect"
import type { KV, KvEntry } from "@nats-io/kv"
import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream"
import { JetStreamApiCodes, JetStreamApiError } from "@nats-io/jetstream"
import { headers as natsHeaders } from "@nats-io/nats-core"
import { Consumers, Headers, Streams, Subjects } from "../protocol/names.js"
import {
  alreadyFired,
  coverage,
  doneKey,
  recordFired,
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
import { fired, skipped, type FireRecord } from "../domain/fire-record.js"
import { runIdFor } from "../domain/run-id.js"
import { compilePath } from "../domain/json-path.js"
import { decodeEventPayload } from "../domain/event-payload.js"
import { parseDurationMs } from "../domain/duration.js"
import type { StoredTrigger } from "../domain/trigger.js"
import { isRevisionMismatch, toUnavailable } from "../nats/errors.js"
import type { Unavailable } from "../domain/errors.js"
import type { RunStarterShape } from "../runs/starter.js"
import type { TriggerTableShape } from "../triggers/table.js"
import type { WindowedEvent, WindowHandler } from "../evaluator/evaluate.js"

const encoder = new TextEncoder()
const decoder = new TextDecoder()

/** How soon a due timer looks again while the evaluator catches up on events stored before it. */
const CATCH_UP_POLL_MS = 100

export interface WindowDeps {
  readonly debounceKv: KV
  readonly batchKv: KV
  readonly js: JetStreamClient
  readonly jsm: JetStreamManager
  readonly starter: RunStarterShape
  readonly table: TriggerTableShape
  readonly record: (r: FireRecord) => Effect.Effect<unknown, Unavailable>
  readonly now: () => number
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

/** A write that loses to a concurrent writer returns false; the caller reads again. */
const write = (kv: KV, key: string, value: unknown, revision: number, existed: boolean) =>
  tryNats(async () => {
    try {
      const bytes = encoder.encode(JSON.stringify(value))
      if (existed) await kv.update(key, bytes, revision)
      else await kv.create(key, bytes)
      return true
    } catch (e) {
      if (isRevisionMismatch(e)) return false
      throw e
    }
  })

const remove = (kv: KV, key: string, revision: number) =>
  tryNats(async () => {
    try {
      await kv.delete(key, { previousSeq: revision })
    } catch (e) {
      if (!isRevisionMismatch(e)) throw e
    }
  })

export const makeWindowEngine = (d: WindowDeps) => {
  const kvOf = (kind: Kind) => (kind === "debounce" ? d.debounceKv : d.batchKv)

  const read = <T>(kind: Kind, key: string) => Effect.map(tryNats(() => kvOf(kind).get(key)), (e) => ({ ...parse<T>(e), existed: e !== null }))

  const scheduleTimer = (state: WindowState, key: string) =>
    tryNats(() => {
      const timer: TimerMessage = { kind: state.kind, key, id: state.id, due_at: state.due_at }
      const h = natsHeaders()
      h.set("Content-Type", "application/json")
      return d.js.publish(Subjects.timer(state.kind, key), encoder.encode(JSON.stringify(timer)), { msgID: `${state.kind}.${state.id}`, headers: h })
    })

  const noEvent = { payload: null, traceParent: undefined }
  const payloadAt = (seq: number) =>
    tryNats(async () => {
      try {
        const m = await d.jsm.streams.getMessage(Streams.events, { seq })
        if (m === null) return noEvent
        const decoded = decodeEventPayload(m.data, m.header.get("Content-Type") || undefined)
        const traceParent = m.header.get(Headers.traceparent) || undefined
        return { payload: decoded.ok ? decoded.payload : null, traceParent }
      } catch (e) {
        // Aged out of EVENTS (14 days) or purged by an operator: the run still starts, with null.
        if (e instanceof JetStreamApiError && e.code === JetStreamApiCodes.NoMessageFound) return noEvent
        throw e
      }
    })

  /** Start the window's run (idempotent by its id) and record it; then remember what it covered. */
  const fire = (state: WindowState, key: string) =>
    Effect.gen(function* () {
      const trigger = d.table.get(state.trigger)
      const cov = coverage(state)
      const base = { trigger: state.trigger, workflow: trigger?.workflow ?? "", event: { subject: cov.lastSubject, seq: cov.lastSeq } }
      if (trigger === undefined) return skipped(base, state.kind === "debounce" ? "debounced" : "batched")
      // A trigger disabled while its window was open starts no run (SPEC §5); the window is dropped
      // and its history says why.
      if (trigger.enabled === false) {
        const record = skipped(base, "disabled")
        yield* d.record(record)
        yield* rememberFired(state, key)
        return record
      }
      const events = yield* Effect.forEach(cov.seqs, payloadAt, { concurrency: 32 })
      const payloads = events.map((e) => e.payload)
      // A window's run continues the trace of the event that closed it: the last one it covers.
      const traceParent = events[events.length - 1]?.traceParent
      const runId = runIdFor(state.trigger, { kind: "window", windowId: state.id })
      yield* d.starter.start({
        runId,
        workflow: trigger.workflow,
        input: state.kind === "debounce" ? payloads[0] : payloads,
        source: trigger.type,
        triggerName: trigger.name,
        event: { subject: cov.lastSubject, seq: cov.lastSeq, delivery_id: null },
        count: cov.count,
        traceParent,
      })
      const record = fired(base, runId, cov.count)
      yield* d.record(record)
      yield* rememberFired(state, key)
      return record
    })

  const rememberFired = (state: WindowState, key: string) =>
    Effect.gen(function* () {
      while (true) {
        const done = yield* read<DoneState>(state.kind, doneKey(key))
        const ok = yield* write(kvOf(state.kind), doneKey(key), recordFired(done.value, state), done.revision, done.existed)
        if (ok) return
      }
    })

  /** Fire a window found closed, then clear its key (unless someone already replaced it). */
  const fireAndClear = (state: WindowState, key: string, revision: number) =>
    Effect.gen(function* () {
      const record = yield* fire(state, key)
      yield* remove(kvOf(state.kind), key, revision)
      return record
    })

  const keyFor = (t: StoredTrigger, payload: unknown) => {
    const path = t.debounce?.key ?? t.batch?.key
    return windowKey(t.name, path === undefined ? { found: false } : compilePath(path)(payload))
  }

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

  /**
   * Put one event into its debounce window or batch: read the state, take the pure step, write it
   * with a revision check, and read again on a conflict.
   */
  const absorbInto = (kind: Kind, { trigger, event, payload }: WindowedEvent, stepFor: (key: string, cur: WindowState | undefined, ev: WindowEvent) => DebounceStep | BatchStep) =>
    Effect.gen(function* () {
      const key = keyFor(trigger, payload)
      const ev: WindowEvent = { seq: event.seq, subject: event.subject, atMs: event.storedAtMs }
      const base = { trigger: trigger.name, workflow: trigger.workflow, event }
      const absorbed = skipped(base, kind === "debounce" ? "debounced" : "batched")
      if (event.redelivered && alreadyFired(kind, (yield* read<DoneState>(kind, doneKey(key))).value, event.seq)) return absorbed
      while (true) {
        const cur = yield* read<WindowState>(kind, key)
        const step = stepFor(key, cur.value?.kind === kind ? cur.value : undefined, ev)
        switch (step.type) {
          case "duplicate":
            // Redelivered after a crash between storing its window and setting the timer.
            yield* scheduleTimer(cur.value!, key)
            return absorbed
          case "close":
            yield* write(kvOf(kind), key, step.next, cur.revision, cur.existed)
            continue
          default: {
            if (step.type === "replace") yield* fire(step.fire, key)
            if (!(yield* write(kvOf(kind), key, step.next, cur.revision, cur.existed))) continue
            // The timer only after the window is stored: a due timer that finds no window takes
            // it for fired and drops it. A redelivered event sets it again (the message id makes
            // that a no-op when it exists), in case a crash came between the two.
            if (step.type === "create" || step.type === "replace" || event.redelivered) yield* scheduleTimer(step.next, key)
            // The event that fills a batch fires it at once. fire() records the run under the
            // batch's last event, which need not be this one: this event's own outcome is batched.
            if (step.next.closed) {
              const after = yield* read<WindowState>(kind, key)
              if (after.value?.id === step.next.id) yield* fireAndClear(after.value, key, after.revision)
            }
            return absorbed
          }
        }
      }
    })

  const absorbDebounce = (w: WindowedEvent) => {
    const debounce = w.trigger.debounce!
    const cfg = { periodMs: parseDurationMs(debounce.period)!, timeoutMs: debounce.timeout !== undefined ? parseDurationMs(debounce.timeout) : undefined }
    return absorbInto("debounce", w, (key, cur, ev) => stepDebounce(w.trigger.name, key, cur as DebounceState | undefined, ev, cfg))
  }

  const absorbBatch = (w: WindowedEvent) => {
    const cfg = { maxSize: w.trigger.batch!.max_size, timeoutMs: parseDurationMs(w.trigger.batch!.timeout)! }
    return absorbInto("batch", w, (key, cur, ev) => stepBatch(w.trigger.name, key, cur as BatchState | undefined, ev, cfg))
  }

  const windowKeyOf = (w: WindowedEvent) => keyFor(w.trigger, w.payload)
  const debounceHandler: WindowHandler = { absorb: (w) => oneAtATime(windowKeyOf(w), absorbDebounce(w)) }
  const batchHandler: WindowHandler = { absorb: (w) => oneAtATime(windowKeyOf(w), absorbBatch(w)) }

  /**
   * Whether every event stored before `atMs` has been evaluated (acknowledged by the evaluator).
   * Windows are timed from stored times, so a timer must not close a window while the evaluator
   * still holds events stored before its due time (a backlog after a restart, or lag under load):
   * they belong in it, and would otherwise open a second window. Monotonic, so it is cached.
   */
  let evaluatedUpToMs = 0
  const evaluatedBefore = (atMs: number) =>
    atMs <= evaluatedUpToMs
      ? Effect.succeed(true)
      : tryNats(async () => {
          const asked = d.now()
          const c = await d.jsm.consumers.info(Streams.events, Consumers.evaluator)
          let upTo = asked
          if (c.num_pending > 0 || c.num_ack_pending > 0) {
            // Everything up to the ack floor is evaluated; the next event was stored no earlier
            // than every event after it, so its stored time bounds what is still to come.
            const next = await d.jsm.streams.getMessage(Streams.events, { seq: c.ack_floor.stream_seq + 1 }).catch((e) => {
              if (e instanceof JetStreamApiError && e.code === JetStreamApiCodes.NoMessageFound) return null
              throw e
            })
            if (next !== null) upTo = next.time.getTime()
          }
          evaluatedUpToMs = Math.max(evaluatedUpToMs, upTo)
          return atMs <= evaluatedUpToMs
        })

  /** A due timer: fire the window if it is over, or say how long to wait. */
  const onTimer = (timer: TimerMessage) =>
    Effect.gen(function* () {
      while (true) {
        const cur = yield* read<WindowState>(timer.kind, timer.key)
        const step = stepTimer(timer, cur.value, d.now())
        switch (step.type) {
          case "stale":
            return { ack: true as const }
          case "wait":
            return { ack: false as const, delayMs: step.ms }
          case "close":
            if (!(yield* evaluatedBefore(step.next.due_at))) return { ack: false as const, delayMs: CATCH_UP_POLL_MS }
            yield* write(kvOf(timer.kind), timer.key, step.next, cur.revision, cur.existed)
            continue
          case "fire":
            yield* fireAndClear(step.state, timer.key, cur.revision)
            return { ack: true as const }
        }
      }
    })

  return { debounce: debounceHandler, batch: batchHandler, onTimer }
}

export type WindowEngine = ReturnType<typeof makeWindowEngine>
