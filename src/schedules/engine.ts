// The schedule engine: arms each enabled schedule trigger's next instant as a durable timer on
// DAGNATS_TIMERS and, when a timer is due, starts the run of that instant (and of missed ones, per
// catch_up). Exactly one run per instant across serves, restarts and clock skew comes from three
// things together: the run id is derived from trigger + instant (a second start finds the run), the
// state in KV is advanced only with revision checks (two serves never both advance it), and a timer
// for an older version of the trigger (updated, disabled, deleted) is recognised and dropped.
import { Effect, Schema } from "effect"
import type { KV } from "@nats-io/kv"
import type { JetStreamClient } from "@nats-io/jetstream"
import { headers as natsHeaders } from "@nats-io/nats-core"
import { Subjects } from "../protocol/names.js"
import {
  MAX_CATCH_UP,
  generationOf,
  instantsBetween,
  nextAfter,
  planFire,
  rfc3339,
  type CatchUp,
  type ScheduleSpec,
} from "../domain/schedule.js"
import { scheduleRunId } from "../domain/run-id.js"
import type { StoredTrigger } from "../domain/trigger.js"
import type { Unavailable } from "../domain/errors.js"
import type { RunStarterShape } from "../runs/index.js"
import type { TriggerTableShape } from "../triggers/index.js"
import { toUnavailable } from "../nats/conditions.js"
import { readState, removeState, writeState, type ScheduleState } from "./state.js"
import { firedRecord, missedRecord, recordSchedule } from "./history.js"

/** The message on `dagnats.timers.schedule.{trigger}`: wake up at `due_at` for this generation. */
const ScheduleTimer = Schema.Struct({
  kind: Schema.Literal("schedule"),
  trigger: Schema.String,
  generation: Schema.String,
  due_at: Schema.Number,
})
type ScheduleTimer = typeof ScheduleTimer.Type
export const decodeScheduleTimer = Schema.decodeUnknownOption(Schema.fromJsonString(ScheduleTimer))

export type TimerVerdict = { readonly ack: true } | { readonly ack: false; readonly delayMs: number }

interface ScheduleDeps {
  readonly kv: KV
  readonly js: JetStreamClient
  readonly starter: RunStarterShape
  readonly table: TriggerTableShape
  readonly now: () => number
  /** Whether a run exists: an instant started just before a crash is not reported missed after it. */
  readonly runExists: (runId: string) => Effect.Effect<boolean, Unavailable>
}

const encoder = new TextEncoder()

/** A timer this much past its instant with the state not advanced was lost, not just slow. */
const OVERDUE_MS = 10_000

/** Whether a stored generation belongs to a later version of the same trigger than `t`. */
const isNewer = (generation: string, t: StoredTrigger): boolean => {
  const [createdAt, revision] = generation.split("#")
  return createdAt === t.created_at && Number(revision) > t.revision
}

const specOf = (t: StoredTrigger): ScheduleSpec => ({ cron: t.cron ?? "", timezone: t.timezone ?? "UTC" })
const catchUpOf = (t: StoredTrigger): CatchUp => t.catch_up ?? "last"
const isSchedule = (t: StoredTrigger | undefined): t is StoredTrigger => t?.type === "schedule"

export const makeScheduleEngine = (d: ScheduleDeps) => {
  const publishTimer = (trigger: string, generation: string, dueAt: number) =>
    Effect.tryPromise({
      try: () => {
        const timer: ScheduleTimer = { kind: "schedule", trigger, generation, due_at: dueAt }
        const h = natsHeaders()
        h.set("Content-Type", "application/json")
        // Every serve arms the same instant of the same version under the same id: one message.
        return d.js.publish(Subjects.scheduleTimer(trigger), encoder.encode(JSON.stringify(timer)), {
          msgID: `schedule.${trigger}.${generation}.${dueAt}`,
          headers: h,
        })
      },
      catch: toUnavailable,
    })

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

  /** A timer is due: fire (and skip) what is due per catch_up, arm the next instant, advance state. */
  const onTimer = (timer: ScheduleTimer): Effect.Effect<TimerVerdict, Unavailable> =>
    Effect.gen(function* () {
      const t = yield* currentTrigger(timer)
      // Updated, disabled or deleted since it was armed: the new version has its own timer.
      if (t === undefined || t.enabled === false) return { ack: true as const }
      const early = timer.due_at - d.now()
      if (early > 0) return { ack: false as const, delayMs: early }
      const spec = specOf(t)
      while (true) {
        // Looking again after a lost revision check: a trigger changed or deleted meanwhile is
        // the new version's business (and a deleted one must not get its state written back).
        const latest = d.table.get(t.name)
        if (latest === undefined || generationOf(latest) !== timer.generation) return { ack: true as const }
        const read = yield* readState(d.kv, t.name)
        const cur = read.value?.generation === timer.generation ? read.value : undefined
        if (cur !== undefined && cur.last_ms !== null && cur.last_ms >= timer.due_at) return { ack: true as const }
        const now = d.now()
        const base = cur !== undefined ? (cur.last_ms ?? cur.base_ms) : timer.due_at - 1
        // The usual case needs no walk back: the state armed exactly this instant after the last
        // one handled, and the next one is still in the future.
        const following = nextAfter(spec, timer.due_at)
        const due =
          cur !== undefined &&
          cur.next_ms === timer.due_at &&
          base < timer.due_at &&
          (following === undefined || following > now)
            ? { instants: [timer.due_at], more: false }
            : instantsBetween(spec, base, now, MAX_CATCH_UP + 1)
        if (due.instants.length === 0) return { ack: true as const }
        const plan = planFire(catchUpOf(t), due.instants, due.more, now)
        for (const [i, instant] of plan.skip.entries()) {
          if (yield* d.runExists(scheduleRunId(t.name, instant))) continue
          const missed = { trigger: t.name, workflow: t.workflow, instantMs: instant, atMs: now }
          yield* recordSchedule(d.js, missedRecord(missed, i === 0 && plan.skippedUncounted))
        }
        const newest = due.instants[due.instants.length - 1]!
        const next = nextAfter(spec, newest) ?? null
        // Runs in order; the next timer meanwhile (both idempotent), one round trip less per fire.
        yield* Effect.all(
          [
            Effect.forEach(plan.fire, (instant) => fireInstant(t, instant), { discard: true }),
            next !== null ? publishTimer(t.name, timer.generation, next) : Effect.void,
          ],
          { concurrency: 2, discard: true },
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
        if (yield* writeState(d.kv, t.name, state, read)) return { ack: true as const }
        // Someone else advanced the state meanwhile; everything above was idempotent, look again.
      }
    })

  const fireInstant = (t: StoredTrigger, instant: number) =>
    Effect.gen(function* () {
      const runId = scheduleRunId(t.name, instant)
      const firedAt = d.now()
      // The record may land a moment before the run: if the run then fails to start, the timer is
      // retried, the run starts, and the record (same message id) is not repeated.
      yield* Effect.all(
        [
          d.starter.start({
            runId,
            workflow: t.workflow,
            input: { scheduled_at: rfc3339(instant), fired_at: rfc3339(firedAt) },
            source: "schedule",
            triggerName: t.name,
            event: null,
            count: 1,
          }),
          recordSchedule(
            d.js,
            firedRecord({ trigger: t.name, workflow: t.workflow, instantMs: instant, atMs: firedAt }, runId),
          ),
        ],
        { concurrency: 2, discard: true },
      )
    })

  /** A deleted trigger's state goes too; its timers are dropped when they come due. */
  const forget = (name: string) => removeState(d.kv, name).pipe(Effect.ignore)

  return { ensureArmed, onTimer, forget }
}
