// Schedules inside serve: the engine, kept in step with the trigger table (every change re-arms or
// stops a schedule), a watchdog that re-arms a timer lost in a crash, and the route that hands
// `dagnats.timers.schedule.*` timers from the shared timer consumer to the engine.
import { Effect, type Scope } from "effect"
import type { JsMsg } from "@nats-io/jetstream"
import { Subjects } from "../protocol/names.js"
import { toUnavailable } from "../nats/conditions.js"
import type { ServeContext } from "../app-context/index.js"
import type { RunStarterShape } from "../runs/index.js"
import { decodeScheduleTimer, makeScheduleEngine, type TimerVerdict } from "./engine.js"

/** How often each serve checks that every enabled schedule has a live timer. */
const WATCHDOG_INTERVAL = "30 seconds"
/** Retry a timer whose instant could not be handled (NATS trouble) after this long. */
const RETRY_DELAY_MS = 1_000

export interface TimerRoute {
  /** Timers whose subject starts with this go to `handle`. */
  readonly prefix: string
  readonly handle: (m: JsMsg) => Promise<TimerVerdict>
}

const decoder = new TextDecoder()

export const startSchedules = (
  ctx: ServeContext,
  starter: RunStarterShape,
): Effect.Effect<TimerRoute, never, Scope.Scope> =>
  Effect.gen(function* () {
    const engine = makeScheduleEngine({
      kv: ctx.buckets.schedules,
      js: ctx.handles.js,
      starter,
      table: ctx.table,
      now: Date.now,
      runExists: (runId) =>
        Effect.tryPromise({
          try: async () => {
            const e = await ctx.buckets.runs.get(runId)
            return e !== null && e.operation === "PUT"
          },
          catch: toUnavailable,
        }),
    })
    const runtime = yield* Effect.context<never>()
    const run = (what: string, work: Effect.Effect<unknown, { readonly message: string }>) =>
      void Effect.runForkWith(runtime)(
        work.pipe(Effect.catch((e) => Effect.sync(() => ctx.log.warn(`schedule ${what}: ${e.message}`)))),
      )
    const armAll = Effect.forEach(
      ctx.table.all().filter((t) => t.type === "schedule"),
      (t) =>
        engine
          .ensureArmed(t)
          .pipe(
            Effect.catch((e) => Effect.sync(() => ctx.log.warn(`schedule ${t.name}: arming failed: ${e.message}`))),
          ),
      { concurrency: 16, discard: true },
    )
    const unsubscribe = ctx.table.subscribe((change) => {
      if (change.kind === "put" && change.trigger.type === "schedule") {
        run(change.trigger.name, engine.ensureArmed(change.trigger))
      } else if (change.kind === "delete" && change.previous?.type === "schedule") {
        run(change.name, engine.forget(change.name))
      }
    })
    yield* Effect.addFinalizer(() => Effect.sync(unsubscribe))
    yield* armAll
    yield* Effect.forkScoped(Effect.forever(Effect.sleep(WATCHDOG_INTERVAL).pipe(Effect.andThen(armAll))))
    return {
      prefix: Subjects.scheduleTimersPrefix,
      handle: (m: JsMsg): Promise<TimerVerdict> => {
        const timer = decodeScheduleTimer(decoder.decode(m.data))
        // Not a timer of ours: drop it rather than redeliver it forever.
        if (timer._tag === "None") return Promise.resolve({ ack: true })
        return Effect.runPromiseExit(engine.onTimer(timer.value)).then((exit): TimerVerdict => {
          if (exit._tag === "Success") return exit.value
          ctx.log.warn(`schedule ${timer.value.trigger} timer failed, will retry: ${String(exit.cause)}`)
          return { ack: false, delayMs: RETRY_DELAY_MS }
        })
      },
    }
  })
