// Debounce windows and batches on NATS, put together from their parts: state in KV written only
// with revision checks (state.ts), timers on DAGNATS_TIMERS (timer-messages.ts, due.ts), absorbing
// events (absorb.ts), firing through the run starter (fire.ts), and waiting only for the events
// that could belong to a window (progress.ts). The decisions are the pure steps of
// domain/windows.ts; the parts read, write and retry.
import { Effect } from "effect"
import { doneKey, lateKey, countedSeqs, windowKey, type DoneState, type WindowState } from "../domain/windows.js"
import { compilePath } from "../domain/json-path.js"
import type { StoredTrigger } from "../domain/trigger.js"
import { makeAbsorb } from "./absorb.js"
import { makeAckFloor } from "./ack-floor.js"
import type { WindowDeps } from "./deps.js"
import { makeDue } from "./due.js"
import { makeEvents } from "./events.js"
import { makeFiring } from "./fire.js"
import { makeProgress } from "./progress.js"
import { makeStarting } from "./starting.js"
import { makeWindowState } from "./state.js"
import { makeTimerMessages } from "./timer-messages.js"

export type { WindowDeps } from "./deps.js"

/** A window's key: the trigger's name and the value at its `key` path in the event's payload. */
const keyFor = (t: StoredTrigger, payload: unknown) => {
  const path = t.debounce?.key ?? t.batch?.key
  return windowKey(t.name, path === undefined ? { found: false } : compilePath(path)(payload))
}

export const makeWindowEngine = (d: WindowDeps) => {
  const ackFloor = makeAckFloor(d.jsm, d.table)
  const store = makeWindowState({ debounce: d.debounceKv, batch: d.batchKv }, ackFloor)
  const events = makeEvents(d.jsm, d.table)
  const timers = makeTimerMessages(d.publisher, d.jsm)
  const starting = makeStarting()
  const firing = makeFiring(d, { store, events, starting })
  const progress = makeProgress({
    jsm: d.jsm,
    table: d.table,
    keyFor,
    readDone: (kind, key) => Effect.map(store.read<DoneState>(kind, doneKey(key), true), (r) => r.value),
    readCounted: (kind, key) =>
      Effect.map(
        // Only debounce keys have a late slot.
        Effect.forEach(kind === "debounce" ? [key, lateKey(key)] : [key], (k) => store.read<WindowState>(kind, k), {
          concurrency: 2,
        }),
        (slots) => new Set(slots.flatMap((r) => (r.value === undefined ? [] : countedSeqs(r.value)))),
      ),
    maxRunInputBytes: d.maxRunInputBytes,
    now: d.now,
  })
  const { debounce, batch } = makeAbsorb(d, { store, timers, firing, progress, ackFloor, keyFor })
  const { onTimer, failTimer } = makeDue(d, { store, events, firing, progress, starting })
  return { debounce, batch, onTimer, failTimer }
}

export type WindowEngine = ReturnType<typeof makeWindowEngine>
