// The schedule engine: arms each enabled schedule trigger's next instant as a durable timer on
// DAGNATS_TIMERS and, when the timer is handed out shortly before its instant, prepares the fire,
// waits for the instant and starts the run of that instant (and of missed ones, per catch_up).
// Exactly one run per instant across serves, restarts and clock skew comes from three things
// together: the run id is derived from trigger + instant (a second start finds the run), the state
// in KV is advanced only with revision checks (two serves never both advance it), and a timer for an
// older version of the trigger (updated, disabled, deleted) is recognised and dropped.
import { Effect, Schema } from "effect"
import type { KV } from "../nats/kv-api.js"
import { publishJson, type StreamClient } from "../nats/publish-json.js"
import { Subjects } from "../protocol/names.js"
import {
  MAX_CATCH_UP,
  generationOf,
  instantsBetween,
  nextAfter,
  planFire,
  rfc3339,
  type CatchUp,
  type FirePlan,
  type ScheduleSpec,
} from "../domain/schedule.js"
import { scheduleRunId } from "../domain/run-id.js"
import type { StoredTrigger } from "../domain/trigger.js"
import type { Unavailable } from "../domain/errors.js"
import type { RunStarterShape } from "../runs/index.js"
import type { TriggerTableShape } from "../triggers/index.js"
import type { Verdict } from "../nats/worker.js"
import { readState, removeState, writeState, type ScheduleState, type StateEntry } from "./state.js"
import { firedRecord, missedRecord, recordSchedule } from "./history.js"
import { specOf } from "./view.js"

/** The message on `dagnats.timers.schedule.{trigger}`: wake up at `due_at` for this generation. */
const ScheduleTimer = Schema.Struct({
  kind: Schema.Literal("schedule"),
  trigger: Schema.String,
  generation: Schema.String,
  due_at: Schema.Number,
})
type ScheduleTimer = typeof ScheduleTimer.Type
export const decodeScheduleTimer = Schema.decodeUnknownOption(Schema.fromJsonString(ScheduleTimer))

interface ScheduleDeps {
  readonly kv: KV
  /** Where the schedule's outcome records are published. */
  readonly publisher: StreamClient
  readonly starter: RunStarterShape
  readonly table: TriggerTableShape
  readonly now: () => number
  /** Whether a run exists: an instant started just before a crash is not reported missed after it. */
  readonly runExists: (runId: string) => Effect.Effect<boolean, Unavailable>
}

/**
 * A timer is handed to the engine this long before its instant. Reading the state and planning
 * happen before the instant, so when a thousand schedules are due at one second the instant itself
 * costs only the run starts. Held timers are in flight on the timer consumer (its heartbeat keeps
 * them), which is why the consumer's in-flight window is wider than a burst of due timers.
 */
export const ARM_AHEAD_MS = 1_500

/**
 * One wake-up per instant, shared by every fire waiting for it: the fires of a thousand schedules
 * due at one second then run in one turn of the event loop (their NATS requests leave in one
 * write) instead of a thousand timer callbacks with a socket write each. One per engine.
 */
const makeInstantWaiter = (now: () => number) => {
  const gates = new Map<number, Promise<void>>()
  const gate = (dueAt: number, delayMs: number): Promise<void> => {
    let g = gates.get(dueAt)
    if (g === undefined) {
      g = new Promise<void>((resolve) =>
        setTimeout(() => {
          gates.delete(dueAt)
          resolve()
        }, delayMs),
      )
      gates.set(dueAt, g)
    }
    return g
  }
  /** Wait (in process) until `dueAt` by this clock; whether there was anything to wait for. */
  return (dueAt: number) =>
    Effect.gen(function* () {
      let waited = false
      // A timer may wake a millisecond before the wall clock reaches the instant: wait again.
      for (let left = dueAt - now(); left > 0; left = dueAt - now()) {
        waited = true
        yield* Effect.promise(() => gate(dueAt, left))
      }
      return waited
    })
}

/** A timer this much past its instant with the state not advanced was lost, not just slow. */
const OVERDUE_MS = 10_000

/** Whether a stored generation belongs to a later version of the same trigger than `t`. */
const isNewer = (generation: string, t: StoredTrigger): boolean => {
  const [createdAt, revision] = generation.split("#")
  return createdAt === t.created_at && Number(revision) > t.revision
}

const catchUpOf = (t: StoredTrigger): CatchUp => t.catch_up ?? "last"
const isSchedule = (t: StoredTrigger | undefined): t is StoredTrigger => t?.type === "schedule"

export const makeScheduleEngine = (d: ScheduleDeps) => {
  const untilInstant = makeInstantWaiter(d.now)
  // Every serve arms the same instant of the same version under the same id: one message.
  const publishTimer = (trigger: string, generation: string, dueAt: number) =>
    publishJson(
      d.publisher,
      Subjects.scheduleTimer(trigger),
      { kind: "schedule", trigger, generation, due_at: dueAt } satisfies ScheduleTimer,
      { msgId: `schedule.${trigger}.${generation}.${dueAt}` },
    )

  /**
   * Bring the state in line with the trigger as it is now, and make sure its next instant is armed.
   * Called for every trigger change a serve sees, at start, and by the watchdog; any number of
   * serves may call it at once. A new version resumes from the last instant handled when only the
   * workflow changed; from now when it was just enabled or its expression or zone changed.
   */
  const ensureArmed = (t: StoredTrigger): Effect.Effect<void, Unavailable> =>
    Effect.gen(function* () {
      const generation = generationOf(t)
      const spec = specOf(t)
      while (true) {
        const read = yield* readState(d.kv, t.name)
        const cur = read.value
        const now = d.now()
        if (cur !== undefined && cur.generation === generation) {
          // Armed already (by this or another serve). A timer long overdue was lost (a crash
          // between storing the state and publishing it): publish it again; a duplicate of one
          // that still exists is dropped by the state check when it comes due.
          if (cur.enabled && cur.next_ms !== null && now - cur.next_ms > OVERDUE_MS) {
            yield* publishTimer(t.name, generation, cur.next_ms)
          }
          // Armed with no next instant: none was within the horizon then (a rare expression stored
          // before such were refused). Once one comes within it, arm it.
          if (cur.enabled && cur.next_ms === null) {
            const later = nextAfter(spec, Math.max(now, cur.last_ms ?? cur.base_ms))
            if (later === undefined) return
            if (!(yield* writeState(d.kv, t.name, { ...cur, next_ms: later }, read))) continue
            yield* publishTimer(t.name, generation, later)
          }
          return
        }
        // A serve that is behind must not put an older version back over a newer one.
        const latest = d.table.get(t.name)
        if (latest === undefined || generationOf(latest) !== generation) return
        if (cur !== undefined && isNewer(cur.generation, t)) return
        const enabled = t.enabled !== false
        const carry =
          enabled &&
          cur !== undefined &&
          cur.enabled &&
          cur.cron === spec.cron &&
          cur.timezone === spec.timezone &&
          cur.generation.split("#")[0] === t.created_at
        const base = carry ? (cur.last_ms ?? cur.base_ms) : now
        const next = enabled ? (nextAfter(spec, base) ?? null) : null
        const state: ScheduleState = {
          generation,
          cron: spec.cron,
          timezone: spec.timezone,
          enabled,
          base_ms: base,
          last_ms: carry ? cur.last_ms : null,
          next_ms: next,
        }
        if (!(yield* writeState(d.kv, t.name, state, read))) continue
        // The timer only after the state: a timer that finds no state of its version still fires
        // its own instant, but a state without a timer is re-armed by the watchdog.
        if (next !== null) yield* publishTimer(t.name, generation, next)
        return
      }
    })

  /** The trigger a timer belongs to, if the timer is for its current version. */
  const currentTrigger = (timer: ScheduleTimer) =>
    Effect.gen(function* () {
      const known = d.table.get(timer.trigger)
      if (isSchedule(known) && generationOf(known) === timer.generation) return known
      // This serve may not have seen the latest change yet: catch up with KV, then decide.
      yield* d.table.sync
      const t = d.table.get(timer.trigger)
      return isSchedule(t) && generationOf(t) === timer.generation ? t : undefined
    })

  /**
   * A timer is handed out: until ARM_AHEAD_MS before its instant it is put back to wait; from then
   * on the state is read and the instant prepared ahead, the fire waits in process for the instant
   * (never before it: fired_at is not earlier than scheduled_at), and then starts the run and arms
   * the next instant at once. The state is advanced last, against the revision read: a serve that
   * crashes while waiting leaves the timer unacknowledged, and it is handed out again.
   */
  const onTimer = (timer: ScheduleTimer): Effect.Effect<Verdict, Unavailable> =>
    Effect.gen(function* () {
      const t = yield* currentTrigger(timer)
      // Updated, disabled or deleted since it was armed: the new version has its own timer.
      if (t === undefined || t.enabled === false) return { ack: true as const }
      const early = timer.due_at - d.now()
      if (early > ARM_AHEAD_MS) return { ack: false as const, delayMs: early - ARM_AHEAD_MS }
      const spec = specOf(t)
      // Read before the instant when the timer came early: at the instant only the fire is left.
      let read: StateEntry | undefined = yield* readState(d.kv, t.name)
      let waited = false
      while (true) {
        // Looking again after a lost revision check or the wait: a trigger changed or deleted
        // meanwhile is the new version's business (and a deleted one must not get its state
        // written back).
        const latest = d.table.get(t.name)
        if (latest === undefined || generationOf(latest) !== timer.generation) return { ack: true as const }
        if (read === undefined) read = yield* readState(d.kv, t.name)
        // A later version's state: this serve's table has not seen the update yet. Writing this
        // version's state over it would undo the update's arming; the later version fires instead.
        if (read.value !== undefined && isNewer(read.value.generation, t)) return { ack: true as const }
        const cur = read.value?.generation === timer.generation ? read.value : undefined
        if (cur !== undefined && cur.last_ms !== null && cur.last_ms >= timer.due_at) return { ack: true as const }
        const base = cur !== undefined ? (cur.last_ms ?? cur.base_ms) : timer.due_at - 1
        // The state armed exactly this instant after the last one handled: the usual case.
        const armed = cur !== undefined && cur.next_ms === timer.due_at && base < timer.due_at
        if (!waited) {
          waited = true
          if (yield* untilInstant(timer.due_at)) {
            // Anything but the usual case is decided on a state read after the instant, since the
            // state may have moved on while this serve waited.
            if (!armed) read = undefined
            continue
          }
        }
        const now = d.now()
        const following = nextAfter(spec, timer.due_at)
        // The usual case needs no walk back when the next instant is still in the future.
        const usual = armed && (following === undefined || following > now)
        const due = usual
          ? { instants: [timer.due_at], more: false }
          : instantsBetween(spec, base, now, MAX_CATCH_UP + 1)
        if (due.instants.length === 0) return { ack: true as const }
        const plan = planFire(catchUpOf(t), due.instants, due.more, now)
        // A catch-up starts runs only from the state as it is now: another serve back at the same
        // time may have planned from the same old state, later, and advanced it meanwhile; a run,
        // unlike a record, cannot be taken back. (The revision check below still decides.)
        if (!usual && plan.fire.length > 0) {
          const again = yield* readState(d.kv, t.name)
          if (again.revision !== read.revision) {
            read = again
            continue
          }
        }
        const newest = due.instants[due.instants.length - 1]!
        const next = nextAfter(spec, newest) ?? null
        // The runs first, in order: nothing else stands between the instant and its run. Then the
        // bookkeeping together: history records and the next timer (all idempotent, so a crash
        // before the state is advanced repeats them harmlessly).
        const fired = yield* Effect.forEach(plan.fire, (instant) => startRun(t, instant))
        yield* Effect.all(
          [
            ...fired.map((r) => recordSchedule(d.publisher, r)),
            next !== null ? publishTimer(t.name, timer.generation, next) : Effect.void,
          ],
          { concurrency: "unbounded", discard: true },
        )
        const state: ScheduleState = {
          generation: timer.generation,
          cron: spec.cron,
          timezone: spec.timezone,
          enabled: true,
          base_ms: cur?.base_ms ?? base,
          last_ms: newest,
          next_ms: next,
        }
        if (yield* writeState(d.kv, t.name, state, read)) {
          // Missed instants are recorded only by the serve whose state write decided them: a serve
          // that planned from an older state may count an instant as missed that the serve which
          // advanced the state fires on time. (A crash between the write and these records loses
          // them; it never loses or repeats a run.)
          yield* recordMissed(t, plan, now)
          return { ack: true as const }
        }
        // Someone else advanced the state meanwhile; everything above was idempotent, look again.
        read = undefined
      }
    })

  /** Missed instants (per catch_up) get a skipped record, unless a run shows one was started. */
  const recordMissed = (t: StoredTrigger, plan: FirePlan, now: number) =>
    Effect.forEach(
      plan.skip,
      (instant, i) =>
        Effect.gen(function* () {
          if (yield* d.runExists(scheduleRunId(t.name, instant))) return
          const missed = { trigger: t.name, workflow: t.workflow, instantMs: instant, atMs: now }
          yield* recordSchedule(d.publisher, missedRecord(missed, i === 0 && plan.skippedUncounted))
        }),
      { discard: true },
    )

  /** Start the run of one instant; the moment it was started goes into its input and its record. */
  const startRun = (t: StoredTrigger, instant: number) =>
    Effect.gen(function* () {
      const runId = scheduleRunId(t.name, instant)
      const firedAt = d.now()
      yield* d.starter.start({
        runId,
        workflow: t.workflow,
        input: { scheduled_at: rfc3339(instant), fired_at: rfc3339(firedAt) },
        source: "schedule",
        triggerName: t.name,
        event: null,
        count: 1,
      })
      return firedRecord({ trigger: t.name, workflow: t.workflow, instantMs: instant, atMs: firedAt }, runId)
    })

  /** A deleted trigger's state goes too; its timers are dropped when they come due. */
  const forget = (name: string) => removeState(d.kv, name).pipe(Effect.ignore)

  return { ensureArmed, onTimer, forget }
}
