// Schedule state in KV `dagnats_schedules`, one key per trigger: which version of the trigger the
// schedule is armed for, the newest instant already handled and the instant armed next. Written
// only with revision checks, so concurrent serves agree on what was handled; decoded with Schema,
// since an operator may have written anything there.
import { Effect, Schema } from "effect"
import type { KV } from "../nats/kv-api.js"
import { toUnavailable } from "../nats/conditions.js"
import { isRevisionMismatch, recoverWhen } from "../nats/errors.js"
import { utf8Bytes } from "../domain/utf8.js"

export const ScheduleState = Schema.Struct({
  /** generationOf(trigger) this state was armed for. */
  generation: Schema.String,
  cron: Schema.String,
  timezone: Schema.String,
  enabled: Schema.Boolean,
  /** Instants at or before this were never due for this generation (it was armed after them). */
  base_ms: Schema.Number,
  /** The newest instant handled (fired or skipped); null until the first one. */
  last_ms: Schema.NullOr(Schema.Number),
  /** The instant the timer is armed for; null when disabled or the schedule never fires again. */
  next_ms: Schema.NullOr(Schema.Number),
})
export type ScheduleState = typeof ScheduleState.Type

const decodeState = Schema.decodeUnknownOption(Schema.fromJsonString(ScheduleState))
const decoder = new TextDecoder()

export interface StateEntry {
  readonly value: ScheduleState | undefined
  /** KV revision to update against; 0 when the key does not exist. */
  readonly revision: number
  readonly exists: boolean
}

export const readState = (kv: KV, trigger: string) =>
  Effect.tryPromise({
    try: async (): Promise<StateEntry> => {
      const e = await kv.get(trigger)
      if (e === null) return { value: undefined, revision: 0, exists: false }
      if (e.operation !== "PUT") return { value: undefined, revision: e.revision, exists: true }
      const v = decodeState(decoder.decode(e.value))
      // Not ours (written by hand): treated as absent, and overwritten at the next arming.
      return { value: v._tag === "Some" ? v.value : undefined, revision: e.revision, exists: true }
    },
    catch: toUnavailable,
  })

/** Write against the revision read; false when another writer got there first (read again). */
export const writeState = (kv: KV, trigger: string, value: ScheduleState, read: StateEntry) =>
  Effect.tryPromise({
    try: () => {
      const bytes = utf8Bytes(JSON.stringify(value))
      const written = read.exists ? kv.update(trigger, bytes, read.revision) : kv.create(trigger, bytes)
      return recoverWhen(
        written.then(() => true),
        isRevisionMismatch,
        false,
      )
    },
    catch: toUnavailable,
  })

export const removeState = (kv: KV, trigger: string) =>
  Effect.tryPromise({ try: () => kv.delete(trigger), catch: toUnavailable })
