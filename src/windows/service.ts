// The window engine as a service: one per serve, over the debounce and batch buckets, handing fired
// windows to the run starter. The evaluator, replay and the timer worker all use this one engine.
import { Context, Effect, Layer } from "effect"
import { Nats } from "../nats/connection.js"
import { NatsBuckets } from "../nats/buckets.js"
import { eventsEpoch } from "../nats/events-epoch.js"
import { RunStarter } from "../runs/index.js"
import { TriggerTable } from "../triggers/index.js"
import { recordOutcome } from "../history/index.js"
import { makeWindowEngine, type WindowEngine } from "./engine.js"

export class Windows extends Context.Service<Windows, WindowEngine>()("dagnats/windows/Windows") {}

/**
 * Room in a NATS message beyond a run's input: the run record's other fields and the
 * `workflow.started` envelope (ids, trigger, timestamps, trace context) and their headers.
 */
const RUN_RECORD_HEADROOM_BYTES = 16 * 1024

export const make = Effect.fnUntraced(function* () {
  const handles = yield* Nats
  const buckets = yield* NatsBuckets
  // Read once: deleting EVENTS deletes the evaluator's consumer too, so a recreated stream is only
  // consumed after serve restarts and reads the new epoch.
  const epoch = yield* eventsEpoch(handles)
  const maxPayload = handles.nc.info?.max_payload ?? 0
  return makeWindowEngine({
    debounceKv: buckets.debounceState,
    batchKv: buckets.batchState,
    js: handles.js,
    jsm: handles.jsm,
    publisher: handles.publisher,
    starter: yield* RunStarter,
    table: yield* TriggerTable,
    record: (r) => recordOutcome(handles.publisher, r),
    now: Date.now,
    maxRunInputBytes: maxPayload > 0 ? Math.max(1, maxPayload - RUN_RECORD_HEADROOM_BYTES) : Number.MAX_SAFE_INTEGER,
    maxPayload,
    epoch: () => epoch,
  })
})

export const layer = Layer.effect(Windows, make())
