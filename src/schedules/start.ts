// Schedules inside serve, as a service: the engine, kept in step with the trigger table (a stream of
// its changes re-arms or stops a schedule), a watchdog that re-arms a timer lost in a crash, and the
// route that hands `dagnats.timers.schedule.*` timers from the shared timer consumer to the engine.
import { Context, Effect, Layer, Queue, Stream } from "effect"
import type { JsMsg } from "../nats/jetstream-api.js"
import { Subjects } from "../protocol/names.js"
import { toUnavailable } from "../nats/conditions.js"
import { Nats } from "../nats/connection.js"
import { NatsBuckets } from "../nats/buckets.js"
import type { Verdict } from "../nats/worker.js"
import { RunStarter } from "../runs/index.js"
import { TriggerTable, type TableChange } from "../triggers/index.js"
import type { TimerRoute } from "../windows/index.js"
import { decodeScheduleTimer, makeScheduleEngine } from "./engine.js"

/** How often each serve checks that every enabled schedule has a live timer. */
const WATCHDOG_INTERVAL = "30 seconds"
/** Retry a timer whose instant could not be handled (NATS trouble) after this long. */
const RETRY_DELAY_MS = 1_000
/** Trigger changes applied at once (each arms or forgets one schedule: a few NATS round trips). */
const CHANGE_CONCURRENCY = 16

/** What the schedules part gives serve: the route for its timers on the shared timer consumer. */
export class Schedules extends Context.Service<Schedules, { readonly route: TimerRoute }>()(
  "dagnats/schedules/Schedules",
) {}

const decoder = new TextDecoder()

const warnOnFailure = (what: string, work: Effect.Effect<unknown, { readonly message: string }>) =>
  work.pipe(Effect.catch((e) => Effect.logWarning(`schedule ${what}: ${e.message}`)))

export const make = Effect.gen(function* () {
  const handles = yield* Nats
  const buckets = yield* NatsBuckets
  const table = yield* TriggerTable
  const engine = makeScheduleEngine({
    kv: buckets.schedules,
    publisher: handles.publisher,
    starter: yield* RunStarter,
    table,
    now: Date.now,
    runExists: (runId) =>
      Effect.tryPromise({
        try: async () => {
          const e = await buckets.runs.get(runId)
          return e !== null && e.operation === "PUT"
        },
        catch: toUnavailable,
      }),
  })
  const armAll = Effect.suspend(() =>
    Effect.forEach(
      table.all().filter((t) => t.type === "schedule"),
      (t) => warnOnFailure(`${t.name}: arming failed`, engine.ensureArmed(t)),
      { concurrency: 16, discard: true },
    ),
  )
  // Subscribed before the first arming, so no change made meanwhile is missed.
  const changes = yield* Queue.unbounded<TableChange>()
  const unsubscribe = table.subscribe((change) => void Queue.offerUnsafe(changes, change))
  yield* Effect.addFinalizer(() => Effect.sync(unsubscribe))
  yield* Stream.fromQueue(changes).pipe(
    Stream.mapEffect(
      (change) => {
        if (change.kind === "put" && change.trigger.type === "schedule") {
          return warnOnFailure(change.trigger.name, engine.ensureArmed(change.trigger))
        }
        if (change.kind === "delete" && change.previous?.type === "schedule") {
          return warnOnFailure(change.name, engine.forget(change.name))
        }
        return Effect.void
      },
      { concurrency: CHANGE_CONCURRENCY, unordered: true },
    ),
    Stream.runDrain,
    Effect.forkScoped,
  )
  yield* armAll
  yield* Effect.forkScoped(Effect.forever(Effect.sleep(WATCHDOG_INTERVAL).pipe(Effect.andThen(armAll))))
  const route: TimerRoute = {
    prefix: Subjects.scheduleTimersPrefix,
    handle: (m: JsMsg): Effect.Effect<Verdict> => {
      const timer = decodeScheduleTimer(decoder.decode(m.data))
      // Not a timer of ours: drop it rather than redeliver it forever.
      if (timer._tag === "None") return Effect.succeed({ ack: true })
      return engine
        .onTimer(timer.value)
        .pipe(
          Effect.catchCause((cause) =>
            Effect.logWarning(`schedule ${timer.value.trigger} timer failed, will retry: ${String(cause)}`).pipe(
              Effect.as<Verdict>({ ack: false, delayMs: RETRY_DELAY_MS }),
            ),
          ),
        )
    },
  }
  return { route }
})

export const layer = Layer.effect(Schedules, make)
