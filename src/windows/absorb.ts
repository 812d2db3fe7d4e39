// Absorbing one event into its debounce window or batch: read the state, take the pure step of
// domain/windows.ts, write it with a revision check, and read again (from the leader) on a
// conflict. Late debounce events a whole period before their key's current window meet in the
// key's late slot (`{key}.late`), a window like the current one with its own timer (docs/adr/0004).
import { Effect } from "effect"
import { Headers } from "../protocol/names.js"
import {
  alreadyFired,
  doneKey,
  forgetAcked,
  INLINE_PAYLOAD_BYTES,
  lateKey,
  stepBatch,
  stepDebounce,
  type BatchState,
  type BatchStep,
  type DebounceState,
  type DebounceStep,
  type DoneState,
  type WindowEvent,
  type WindowState,
} from "../domain/windows.js"
import { failed, skipped, type FireRecord } from "../domain/fire-record.js"
import { parseDurationMs } from "../domain/duration.js"
import { Unavailable } from "../domain/errors.js"
import type { StoredTrigger } from "../domain/trigger.js"
import type { AckFloor } from "./ack-floor.js"
import type { Kind, WindowDeps } from "./deps.js"
import type { Firing } from "./fire.js"
import type { WindowedEvent, WindowHandler } from "./handler.js"
import { makeKeyLocks } from "./key-locks.js"
import type { Progress } from "./progress.js"
import type { WindowStore } from "./state.js"
import type { TimerMessages } from "./timer-messages.js"

interface AbsorbParts {
  readonly store: WindowStore
  readonly timers: TimerMessages
  readonly firing: Firing
  readonly progress: Progress
  readonly ackFloor: AckFloor
  readonly keyFor: (t: StoredTrigger, payload: unknown) => string
}

type AnyStep = DebounceStep | BatchStep

/**
 * A first delivery evaluated this long after it was stored may have been delivered before all the
 * same: a consumer's leader (or a lone server) that dies can lose the record of deliveries it had not
 * yet replicated or written, and its successor delivers them again with a delivery count of 1. That
 * takes an election or a restart (seconds), so an event evaluated promptly cannot be one; an older one
 * is looked up like a redelivery (the late slot and `….done` read from the leader, only while the
 * evaluator is behind).
 */
const FIRST_DELIVERY_TRUSTED_MS = 1_000

type StepFor = (key: string, cur: WindowState | undefined) => AnyStep

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

export const makeAbsorb = (d: WindowDeps, { store, timers, firing, progress, ackFloor, keyFor }: AbsorbParts) => {
  /** Step one event into the window held at `slot` (the key itself or its late slot). */
  const absorbAt = Effect.fnUntraced(function* (
    kind: Kind,
    { trigger, event }: WindowedEvent,
    key: string,
    slot: string,
    stepFor: StepFor,
    mayBeLate: boolean,
  ): Effect.fn.Return<FireRecord | "late", Unavailable> {
    const late = slot !== key
    const seenBefore = event.redelivered || event.storedAtMs + FIRST_DELIVERY_TRUSTED_MS <= d.now()
    const base = { trigger: trigger.name, workflow: trigger.workflow, event }
    const absorbed = skipped(base, kind === "debounce" ? "debounced" : "batched")
    let fromLeader = false
    while (true) {
      const cur = yield* store.read<WindowState>(kind, slot, fromLeader)
      const step = stepFor(key, cur.value?.kind === kind ? cur.value : undefined)
      // A decision that writes nothing here (to the late slot, or a window of its own) is not made
      // on a replica's answer; any further read in this loop follows a lost race: ask the leader.
      const readFromLeader = fromLeader
      fromLeader = true
      if (step.type === "alone" && !readFromLeader) continue
      // The late slot's turn: it reads `….done` itself, after reading the slot.
      if (step.type === "alone" && !late) return "late"
      // The key's late window, when it may matter (read from the leader, after the window, before
      // `….done`): a redelivered event may be counted there, still open (its serve died after writing
      // it); and an event evaluated a period or more after it was stored that finds no open window
      // may belong there (the newer window that made the late one is over since). A prompt event
      // cannot: the late window was over a period before that newer window was.
      const opensWindow = step.type === "create" || step.type === "replace"
      if (!late && kind === "debounce" && ((seenBefore && step.type !== "duplicate") || (opensWindow && mayBeLate))) {
        const other = yield* store.read<WindowState>(kind, lateKey(key), true)
        const there = other.value?.kind === kind ? stepFor(key, other.value).type : "create"
        if (there === "duplicate") {
          yield* timers.schedule(other.value!, lateKey(key))
          return absorbed
        }
        // A closed current window is left to its timer, which fires whatever it finds closed.
        if (there === "extend" && opensWindow) return "late"
      }
      // A redelivered event missing from the window read may be in one that fired since. The fired
      // window is remembered before its key is cleared or replaced, so `….done` is read after the
      // window (from the leader), never before: read first, it could miss a fire in between.
      if (seenBefore && step.type !== "duplicate") {
        const done = (yield* store.read<DoneState>(kind, doneKey(key), true)).value
        if (alreadyFired(kind, done, event.seq, event.epoch)) return absorbed
      }
      switch (step.type) {
        case "too_large":
          return failed(
            base,
            `event of ${step.bytes} bytes is larger than a batch run input can be (${step.maxBytes} bytes)`,
          )
        case "duplicate":
          // Redelivered after a crash between storing its window and setting the timer.
          yield* timers.schedule(cur.value!, slot)
          return absorbed
        case "alone":
          // A whole period before the late window too, which is itself over: a window of its own,
          // fired now; both open windows stay.
          yield* firing.fire(step.fire, key)
          return absorbed
        case "close": {
          // A debounce window that this event (stored after its due time) closes must first have
          // all its own events: one held by a dead serve until the ack wait would otherwise come
          // back after the fire and make a window of its own. Until then this event is retried
          // like any evaluation that cannot finish yet (the timer path waits the same way).
          if (kind === "debounce" && !(yield* progress.mayClose(step.next, key)))
            return yield* new Unavailable({ message: `debounce window ${step.next.id} waits for its own events` })
          const timersBefore = kind === "batch" ? yield* timers.lastSeq(kind, slot) : 0
          const rev = yield* store.write(kind, slot, step.next, cur)
          // A batch closed because this event would not fit: fire it now rather than at its timeout.
          if (rev !== undefined && kind === "batch") {
            yield* firing.fireAndClear(step.next, slot, rev)
            yield* timers.drop(timersBefore)
          }
          continue
        }
        default: {
          if (step.type === "replace") yield* firing.fire(step.fire, slot)
          const closesNow = step.next.closed
          const timersBefore = closesNow ? yield* timers.lastSeq(kind, slot) : 0
          const next = forgetAcked(step.next, yield* ackFloor.get(step.next))
          const rev = yield* store.write(kind, slot, next, cur)
          if (rev === undefined) continue
          // The event that fills a batch fires exactly what was written, at the revision the write
          // returned. fire() records the run under the batch's last event, which need not be this
          // one: this event's own outcome is batched.
          if (closesNow) {
            yield* firing.fireAndClear(step.next, slot, rev)
            yield* timers.drop(timersBefore)
            return absorbed
          }
          // The timer only after the window is stored: a due timer that finds no window takes
          // it for fired and drops it. A redelivered event sets it again (the message id makes
          // that a no-op when it exists), in case a crash came between the two. (Only a counted
          // redelivery: an event of a window whose timer may be missing is in that window, so it
          // comes back as a duplicate, which sets the timer; this is the belt to those braces.)
          if (step.type === "create" || step.type === "replace" || event.redelivered)
            yield* timers.schedule(step.next, slot)
          return absorbed
        }
      }
    }
  })

  /** The key's window, then (a debounce event a whole period before it: `late`) the key's late slot. */
  const absorbInto = Effect.fnUntraced(function* (kind: Kind, w: WindowedEvent, stepFor: StepFor, mayBeLate = false) {
    const key = keyFor(w.trigger, w.payload)
    const outcome = yield* absorbAt(kind, w, key, key, stepFor, mayBeLate)
    if (outcome !== "late") return outcome
    const lateOutcome = yield* absorbAt(kind, w, key, lateKey(key), stepFor, false)
    // Never "late" again: stepped on the late slot, an `alone` event fires at once.
    const base = { trigger: w.trigger.name, workflow: w.trigger.workflow, event: w.event }
    return lateOutcome === "late" ? skipped(base, "debounced") : lateOutcome
  })

  const absorbDebounce = (w: WindowedEvent) => {
    const debounce = w.trigger.debounce!
    const cfg = {
      periodMs: parseDurationMs(debounce.period)!,
      timeoutMs: debounce.timeout !== undefined ? parseDurationMs(debounce.timeout) : undefined,
    }
    const ev = debounceEvent(w)
    // Evaluated a period or more after it was stored: it may belong to the key's late window.
    const mayBeLate = ev.atMs + cfg.periodMs <= d.now()
    const stepFor: StepFor = (key, cur) => stepDebounce(w.trigger.name, key, cur as DebounceState | undefined, ev, cfg)
    return absorbInto("debounce", w, stepFor, mayBeLate)
  }

  const absorbBatch = (w: WindowedEvent) => {
    const batch = w.trigger.batch!
    const cfg = { maxSize: batch.max_size, timeoutMs: parseDurationMs(batch.timeout)!, maxBytes: d.maxRunInputBytes }
    const ev = windowEvent(w)
    const stepFor: StepFor = (key, cur) => stepBatch(w.trigger.name, key, cur as BatchState | undefined, ev, cfg)
    return absorbInto("batch", w, stepFor)
  }

  const oneAtATime = makeKeyLocks()
  const debounce: WindowHandler = { absorb: (w) => oneAtATime(keyFor(w.trigger, w.payload), absorbDebounce(w)) }
  const batch: WindowHandler = { absorb: (w) => oneAtATime(keyFor(w.trigger, w.payload), absorbBatch(w)) }
  return { debounce, batch }
}
