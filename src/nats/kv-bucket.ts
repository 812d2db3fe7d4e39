// A KV bucket through the door: JSON values read (from any replica or from the stream leader),
// created, updated and deleted with revision checks, a lost check as the typed `RevisionMismatch`,
// and `modify`, the one read-step-write loop that retries a revision-checked write on conflict.
// Everything else NATS fails with is `Unavailable`.
import { Effect, Option, Schema } from "effect"
import { Bucket, type KV, type KvEntry } from "@nats-io/kv"
import type { Unavailable } from "../domain/errors.js"
import { parseJsonBytes } from "../domain/json.js"
import { toUnavailable } from "./conditions.js"
import { isRevisionMismatch } from "./errors.js"
import { utf8Bytes } from "../domain/utf8.js"

/** A KV bucket handle as serve's resources hand it out. */
export type KvBucket = KV

/** A create found the key present, or an update or delete found another revision. */
export class RevisionMismatch extends Schema.TaggedError<RevisionMismatch>()("RevisionMismatch", {
  key: Schema.String,
}) {}

/** A key as read: its JSON value (undefined when absent, deleted or not JSON) and its revision. */
export interface KvRead {
  readonly value: unknown
  /** The revision a revision-checked write must name (0 when the key never existed). */
  readonly revision: number
  /** Whether the key has an entry (a delete marker too): a write must update it, not create it. */
  readonly existed: boolean
}

const nats = <A>(f: () => Promise<A>) => Effect.tryPromise({ try: f, catch: toUnavailable })

/** A nats.js call whose revision check may fail: that failure as RevisionMismatch, the rest Unavailable. */
const checked = <A>(key: string, f: () => Promise<A>): Effect.Effect<A, RevisionMismatch | Unavailable> =>
  Effect.tryPromise({
    try: f,
    catch: (e) => (isRevisionMismatch(e) ? new RevisionMismatch({ key }) : toUnavailable(e)),
  })

/** The key's latest entry as the stream leader has it (a KV get may be answered by any replica). */
const leaderEntry = async (kv: KV, key: string): Promise<KvEntry | null> => {
  if (!(kv instanceof Bucket)) return kv.get(key)
  const sm = await kv.jsm.streams.getMessage(kv.bucketName(), { last_by_subj: kv.subjectForKey(kv.encodeKey(key)) })
  if (sm === null) return null
  const entry = kv.smToEntry(sm)
  return entry.key === key ? entry : null
}

const toRead = (entry: KvEntry | null): KvRead => {
  if (entry === null) return { value: undefined, revision: 0, existed: false }
  // Not JSON (someone wrote to the bucket by hand): the key counts as free, at its revision.
  const value = entry.operation === "PUT" ? Option.getOrUndefined(parseJsonBytes(entry.value)) : undefined
  return { value, revision: entry.revision, existed: true }
}

/** The key's JSON value; `fromLeader` for reads that decide something irreversible. */
export const readJson = (kv: KV, key: string, fromLeader = false): Effect.Effect<KvRead, Unavailable> =>
  Effect.map(
    nats(() => (fromLeader ? leaderEntry(kv, key) : kv.get(key))),
    toRead,
  )

/** Write `value` over what `at` read (create when the key did not exist); the revision written. */
export const writeJson = (
  kv: KV,
  key: string,
  value: unknown,
  at: Pick<KvRead, "revision" | "existed">,
): Effect.Effect<number, RevisionMismatch | Unavailable> =>
  checked(key, () => {
    const bytes = utf8Bytes(JSON.stringify(value))
    return at.existed ? kv.update(key, bytes, at.revision) : kv.create(key, bytes)
  })

/** `writeJson`, with a lost revision check as `undefined` (the caller reads again and decides again). */
export const writeJsonIfUnchanged = (
  kv: KV,
  key: string,
  value: unknown,
  at: Pick<KvRead, "revision" | "existed">,
): Effect.Effect<number | undefined, Unavailable> =>
  writeJson(kv, key, value, at).pipe(Effect.catchTag("RevisionMismatch", () => Effect.succeed(undefined)))

/** Delete the key if it is still at `revision`. */
export const deleteAt = (kv: KV, key: string, revision: number): Effect.Effect<void, RevisionMismatch | Unavailable> =>
  checked(key, () => kv.delete(key, { previousSeq: revision }))

/**
 * Read, step, write with a revision check, and on a lost check read again from the leader and step
 * again, until a write wins. `start` is what the caller believes the key holds (skipping the first
 * read); a wrong belief only costs the lost write. Returns the value written and its revision.
 */
export const modify = Effect.fnUntraced(function* <T>(
  kv: KV,
  key: string,
  step: (current: KvRead) => T,
  start?: KvRead,
) {
  let current = start ?? (yield* readJson(kv, key))
  while (true) {
    const value = step(current)
    const revision = yield* writeJsonIfUnchanged(kv, key, value, current)
    if (revision !== undefined) return { value, revision }
    current = yield* readJson(kv, key, true)
  }
})

/** Every key the bucket holds (one ordered consumer over the bucket). */
export const listKeys = (kv: KV): Effect.Effect<ReadonlyArray<string>, Unavailable> =>
  nats(async () => {
    const keys: Array<string> = []
    for await (const k of await kv.keys()) keys.push(k)
    return keys
  })
