// Trigger definitions in KV `dagnats_triggers`: create-only writes, revision-checked updates, and decoding
// of whatever is stored (an operator may have put anything there with `nats kv put`).
import { Context, Effect, Layer, Schema } from "effect"
import type { KV } from "../nats/kv-api.js"
import { NatsBuckets } from "../nats/buckets.js"
import { Conflict, InvalidInput, NotFound, type Unavailable } from "../domain/errors.js"
import { StoredTrigger, TriggerDefinition, UPDATABLE_FIELDS, describeIssue, withDefaults } from "../domain/trigger.js"
import { conflictOr, toUnavailable } from "../nats/conditions.js"
import { isRevisionMismatch } from "../nats/errors.js"
import { parseJsonBytes } from "../domain/json.js"
import { utf8Bytes } from "../domain/utf8.js"

export interface TriggerStoreShape {
  readonly create: (input: unknown) => Effect.Effect<StoredTrigger, InvalidInput | Conflict | Unavailable>
  readonly get: (name: string) => Effect.Effect<StoredTrigger, NotFound | Unavailable>
  /** `patch` fields replace the stored ones; `null` removes an optional field. */
  readonly update: (
    name: string,
    patch: Record<string, unknown>,
  ) => Effect.Effect<StoredTrigger, InvalidInput | NotFound | Conflict | Unavailable>
  readonly delete: (name: string) => Effect.Effect<void, NotFound | Unavailable>
}

export class TriggerStore extends Context.Service<TriggerStore, TriggerStoreShape>()("dagnats/triggers/TriggerStore") {}

const decodeDefinition = Schema.decodeUnknownExit(TriggerDefinition, { onExcessProperty: "error", errors: "all" })
const decodeStored = Schema.decodeUnknownExit(StoredTrigger)

export const parseDefinition = (input: unknown): Effect.Effect<TriggerDefinition, InvalidInput> => {
  const exit = decodeDefinition(input)
  return exit._tag === "Success"
    ? Effect.succeed(withDefaults(exit.value))
    : Effect.fail(new InvalidInput({ message: issueMessage(exit.cause) }))
}

const issueMessage = (cause: unknown): string => {
  const error = (cause as { reasons?: ReadonlyArray<{ error?: { issue?: unknown } }> }).reasons?.[0]?.error
  return error?.issue !== undefined ? describeIssue(error.issue as never) : "invalid trigger definition"
}

/** Decode a stored value; a corrupt entry is reported by name, never crashes a reader. */
export const decodeStoredTrigger = (key: string, bytes: Uint8Array): StoredTrigger | string => {
  const json = parseJsonBytes(bytes)
  if (json._tag === "None") return `trigger ${key}: stored value is not JSON`
  const exit = decodeStored(json.value)
  return exit._tag === "Success" ? exit.value : `trigger ${key}: stored value is invalid: ${issueMessage(exit.cause)}`
}

const now = () => new Date().toISOString()
const MAX_UPDATE_ATTEMPTS = 5

export const make = (kv: KV): TriggerStoreShape => {
  const read = (name: string) =>
    Effect.gen(function* () {
      const entry = yield* Effect.tryPromise({ try: () => kv.get(name), catch: toUnavailable })
      if (entry === null || entry.operation !== "PUT") return yield* new NotFound({ kind: "trigger", name })
      const decoded = decodeStoredTrigger(name, entry.value)
      if (typeof decoded === "string") return yield* Effect.die(new Error(decoded))
      return { trigger: decoded, revision: entry.revision }
    })

  const create: TriggerStoreShape["create"] = (input) =>
    Effect.gen(function* () {
      const def = yield* parseDefinition(input)
      const at = now()
      const stored: StoredTrigger = { ...def, created_at: at, updated_at: at, revision: 1 }
      yield* Effect.tryPromise({
        try: () => kv.create(def.name, utf8Bytes(JSON.stringify(stored))),
        catch: conflictOr(`trigger "${def.name}" already exists`),
      })
      return stored
    })

  const updateOnce = (name: string, patch: Record<string, unknown>) =>
    Effect.gen(function* () {
      const { trigger, revision } = yield* read(name)
      const { created_at, updated_at: _u, revision: rev, ...current } = trigger
      const merged: Record<string, unknown> = { ...current }
      for (const [field, value] of Object.entries(patch)) {
        if (field === "name") continue
        if (field === "type" && value !== trigger.type) {
          return yield* new InvalidInput({ message: "type: cannot be changed; delete the trigger and create it again" })
        }
        if (!(UPDATABLE_FIELDS as ReadonlyArray<string>).includes(field)) {
          if (field !== "type") return yield* new InvalidInput({ message: `${field}: unknown field or not updatable` })
          continue
        }
        if (value === null) delete merged[field]
        else merged[field] = value
      }
      const def = yield* parseDefinition(merged)
      const stored: StoredTrigger = { ...def, created_at, updated_at: now(), revision: rev + 1 }
      yield* Effect.tryPromise({
        try: () => kv.update(name, utf8Bytes(JSON.stringify(stored)), revision),
        catch: conflictOr(`trigger "${name}" changed while updating`),
      })
      return stored
    })

  // A concurrent writer makes the revision check fail; re-read and apply the patch again.
  const update: TriggerStoreShape["update"] = (name, patch) =>
    updateOnce(name, patch).pipe(Effect.retry({ times: MAX_UPDATE_ATTEMPTS - 1, while: (e) => e._tag === "Conflict" }))

  const remove: TriggerStoreShape["delete"] = (name) =>
    Effect.gen(function* () {
      const { revision } = yield* read(name)
      yield* Effect.tryPromise({
        try: () => kv.delete(name, { previousSeq: revision }),
        catch: (e) => (isRevisionMismatch(e) ? new NotFound({ kind: "trigger", name }) : toUnavailable(e)),
      })
    })

  return { create, get: (name) => Effect.map(read(name), (r) => r.trigger), update, delete: remove }
}

/** serve's store over the triggers bucket. */
export const layer = Layer.effect(
  TriggerStore,
  Effect.map(NatsBuckets, ({ triggers }) => make(triggers)),
)
