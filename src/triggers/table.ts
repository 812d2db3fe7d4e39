// The in-memory table of trigger definitions that every serve keeps current by watching KV
// `triggers`. Ingest and the evaluator read it on the hot path; a change made anywhere reaches
// every serve within milliseconds, with no restart and no request per event.
import { Context, Effect, Layer, Stream } from "effect"
import type { KV, KvWatchEntry } from "../nats/kv-api.js"
import { watchResuming } from "../nats/kv-watch.js"
import { NatsBuckets } from "../nats/buckets.js"
import { Boundary } from "../runtime/index.js"
import type { StoredTrigger } from "../domain/trigger.js"
import { decodeStoredTrigger } from "./store.js"

export type TableChange =
  | { readonly kind: "put"; readonly trigger: StoredTrigger; readonly previous: StoredTrigger | undefined }
  | { readonly kind: "delete"; readonly name: string; readonly previous: StoredTrigger | undefined }

export interface TriggerTableShape {
  readonly get: (name: string) => StoredTrigger | undefined
  readonly all: () => ReadonlyArray<StoredTrigger>
  /** Called for every change after the initial load; returns an unsubscribe function. */
  readonly subscribe: (listener: (change: TableChange) => void) => () => void
  /** Wait until every write already acknowledged by KV is in the table (read-your-writes). */
  readonly sync: Effect.Effect<void>
  readonly ready: () => boolean
}

export class TriggerTable extends Context.Service<TriggerTable, TriggerTableShape>()("dagnats/triggers/TriggerTable") {}

/** How long sync waits for the watcher before answering from what it has. */
const SYNC_TIMEOUT_MS = 2_000

export const make = (kv: KV, onCorrupt: (message: string) => void) =>
  Effect.gen(function* () {
    const triggers = new Map<string, StoredTrigger>()
    const listeners = new Set<(change: TableChange) => void>()
    let revision = 0
    let initialized = false
    const waiters: Array<{ revision: number; resolve: () => void }> = []

    const apply = (e: KvWatchEntry) => {
      revision = Math.max(revision, e.revision)
      const previous = triggers.get(e.key)
      if (e.operation === "PUT") {
        const decoded = decodeStoredTrigger(e.key, e.value)
        if (typeof decoded === "string") {
          onCorrupt(decoded)
          triggers.delete(e.key)
        } else {
          triggers.set(e.key, decoded)
          if (initialized) for (const l of listeners) l({ kind: "put", trigger: decoded, previous })
        }
      } else {
        triggers.delete(e.key)
        if (initialized) for (const l of listeners) l({ kind: "delete", name: e.key, previous })
      }
      if (e.delta === 0) initialized = true
      for (let i = waiters.length - 1; i >= 0; i--) {
        if (waiters[i]!.revision <= revision) waiters.splice(i, 1)[0]!.resolve()
      }
    }

    const lastRevision = () => kv.status().then((s) => s.streamInfo.state.last_seq)

    // The first load completes before serve reports ready, so no request sees an empty table.
    const initialLast = yield* Effect.promise(lastRevision)
    if (initialLast === 0) initialized = true
    const changes = yield* Effect.orDie(watchResuming(kv))
    // A listener that throws must not end the watch: the table would silently stop following KV.
    const applyOne = (e: KvWatchEntry) =>
      Effect.try({ try: () => apply(e), catch: String }).pipe(
        Effect.catch((why) => Effect.sync(() => onCorrupt(`trigger table change ${e.key} not applied: ${why}`))),
      )
    yield* Effect.forkScoped(Stream.runForEach(changes, applyOne))

    const waitForRevision = (target: number) =>
      Effect.promise(
        () =>
          new Promise<void>((resolve) => {
            if (revision >= target) return resolve()
            const w = { revision: target, resolve }
            waiters.push(w)
            setTimeout(() => {
              const i = waiters.indexOf(w)
              if (i >= 0) waiters.splice(i, 1)
              resolve()
            }, SYNC_TIMEOUT_MS)
          }),
      )

    yield* waitForRevision(initialLast)
    initialized = true

    const sync = Effect.promise(() => lastRevision().catch(() => 0)).pipe(Effect.flatMap(waitForRevision))

    const table: TriggerTableShape = {
      get: (name) => triggers.get(name),
      all: () => [...triggers.values()],
      subscribe: (listener) => {
        listeners.add(listener)
        return () => listeners.delete(listener)
      },
      sync,
      ready: () => initialized,
    }
    return table
  })

/** serve's table over the triggers bucket: a definition that no longer decodes is dropped with a warning in the log. */
export const layer = Layer.effect(
  TriggerTable,
  Effect.gen(function* () {
    const { triggers } = yield* NatsBuckets
    const boundary = yield* Boundary
    const loaded = yield* make(triggers, (message) => void boundary.fork(Effect.logWarning(message)))
    yield* Effect.log(`trigger table loaded: ${loaded.all().length} triggers`)
    return loaded
  }),
)
