// Firing a window: start its run (idempotent by the window's id), remember what it covered, record
// it, and clear its key; or, when its run cannot be stored, fail it alone (dead letters, an `error`
// record) so a redelivered event does not reopen it. A window fires exactly the state that was
// written (with the revision that write returned), never a re-read.
import { Effect } from "effect"
import { countedSeqs, coverage, type WindowState } from "../domain/windows.js"
import { failed, fired, skipped, type FireRecord } from "../domain/fire-record.js"
import { runIdFor } from "../domain/run-id.js"
import { makeExpressionCache, mapInput } from "../domain/trigger-expressions.js"
import type { Unavailable } from "../domain/errors.js"
import { publishDead } from "../dead/index.js"
import type { WindowDeps } from "./deps.js"
import type { Events, Payloads } from "./events.js"
import type { Starting } from "./starting.js"
import type { WindowStore } from "./state.js"

interface FireParts {
  readonly store: WindowStore
  readonly events: Events
  readonly starting: Starting
}

/** A timer's fire: the payloads read while the close was written, and the call once the run exists. */
export interface TimerFire {
  readonly prefetched?: Payloads
  readonly started?: Effect.Effect<void>
}

export const makeFiring = (d: WindowDeps, { store, events, starting }: FireParts) => {
  // A trigger's `input` mapping applies per event when its window fires (the evaluator checked it on
  // each event as it was absorbed; a trigger edited since then may map differently or fail).
  const expressions = makeExpressionCache()

  const recordBase = (state: WindowState) => {
    const cov = coverage(state)
    const event = { subject: cov.lastSubject, seq: cov.lastSeq }
    return { trigger: state.trigger, workflow: d.table.get(state.trigger)?.workflow ?? "", event }
  }

  /** Copy one counted event to DAGNATS_DEAD with the window's reason (gone from its stream: nothing to copy). */
  const deadLetter = Effect.fnUntraced(function* (state: WindowState, seq: number, message: string) {
    const m = yield* events.storedAt(state, seq)
    if (m === null) return
    const headers: Array<[string, string]> = []
    for (const [k, vs] of m.headers()) for (const v of vs) headers.push([k, v])
    const epoch = state.epoch ?? d.epoch()
    yield* publishDead(d.js, d.maxPayload, { subject: m.subject, seq, epoch, error: message, headers, data: m.data })
  })

  /**
   * The window's run cannot be stored: every event it counted goes to DAGNATS_DEAD with the reason,
   * its history says `error`, and it counts as fired so a redelivered event does not reopen it.
   */
  const failWindow = Effect.fnUntraced(function* (state: WindowState, key: string, error: string) {
    const message = `${state.kind} window ${state.id}: ${error}`
    yield* Effect.forEach(countedSeqs(state), (seq) => deadLetter(state, seq, message), {
      concurrency: 8,
      discard: true,
    })
    const record = failed(recordBase(state), message)
    yield* d.record(record)
    yield* store.rememberFired(state, key)
    return record
  })

  /**
   * Start the window's run, remember what it covered, and record it. The window stays in KV
   * (closed) until the caller clears it, so a crash anywhere in here is healed by the timer coming
   * back: remembering before the run exists is safe, and lets the writes go out together (fire
   * lateness under a burst is round trips): the record follows the run (`fired` only once the run
   * exists) while the done state is written. A timer's fire passes `started`: it is called once the
   * run exists, and the record and done state then wait for the other timers' runs (startsDone).
   */
  const fire = Effect.fnUntraced(function* (
    state: WindowState,
    key: string,
    timer: TimerFire = {},
  ): Effect.fn.Return<FireRecord, Unavailable> {
    const trigger = d.table.get(state.trigger)
    const base = recordBase(state)
    if (trigger === undefined) return skipped(base, state.kind === "debounce" ? "debounced" : "batched")
    // A trigger disabled while its window was open starts no run; the window is dropped and its
    // history says why.
    if (trigger.enabled === false) {
      const record = skipped(base, "disabled")
      yield* d.record(record)
      yield* store.rememberFired(state, key)
      return record
    }
    const read = timer.prefetched ?? (yield* events.payloadsOf(state))
    const compiled = expressions.get(trigger)
    if (!compiled.ok) return yield* failWindow(state, key, `stored expression does not compile: ${compiled.error}`)
    const mapped = read.map((e) => mapInput(compiled.input, e.payload, e.subject ?? base.event.subject, trigger.name))
    const payloads: Array<unknown> = []
    for (const m of mapped) {
      if (!m.ok) return yield* failWindow(state, key, m.error)
      payloads.push(m.input)
    }
    // A window's run continues the trace of the event that closed it: the last one it covers.
    const traceParent = read[read.length - 1]?.traceParent
    const input = state.kind === "debounce" ? payloads[0] : payloads
    const inputBytes = Buffer.byteLength(JSON.stringify(input) ?? "null")
    if (inputBytes > d.maxRunInputBytes) {
      const why = `run input of ${inputBytes} bytes is larger than can be stored (${d.maxRunInputBytes} bytes)`
      return yield* failWindow(state, key, why)
    }
    const count = coverage(state).count
    const runId = runIdFor(state.trigger, { kind: "window", windowId: state.id })
    const start = d.starter.start({
      runId,
      workflow: trigger.workflow,
      input,
      source: trigger.type,
      triggerName: trigger.name,
      event: { ...base.event, delivery_id: null },
      count,
      traceParent,
    })
    const record = fired(base, runId, count)
    if (timer.started !== undefined) {
      // A timer's fire: the run first, the bookkeeping once no other timer waits to start its run.
      yield* start
      yield* timer.started
      yield* starting.startsDone
      yield* Effect.all([d.record(record), store.rememberFired(state, key)], { concurrency: 2, discard: true })
      return record
    }
    yield* Effect.all([Effect.andThen(start, d.record(record)), store.rememberFired(state, key)], {
      concurrency: 2,
      discard: true,
    })
    return record
  })

  /** Fire a window found (or written) closed at `revision`, then clear its key. */
  const fireAndClear = Effect.fnUntraced(function* (
    state: WindowState,
    key: string,
    revision: number,
    timer: TimerFire = {},
  ) {
    const record = yield* fire(state, key, timer)
    yield* store.clear(state, key, revision)
    return record
  })

  return { fire, failWindow, fireAndClear }
}

export type Firing = ReturnType<typeof makeFiring>
