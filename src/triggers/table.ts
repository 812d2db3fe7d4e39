// The in-memory table of trigger definitions that every serve keeps current by watching KV
// `triggers`. Ingest and the evaluator read it on the hot path; a change made anywhere reaches
// every serve within milliseconds, with no restart and no request per event.
import { Context, Effect, Layer } from "effect"
import type { KV, KvWatchEntry } from "../nats/kv-api.js"
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

    const startWatch = async () => {
      const iter = await kv.watch({ resumeFromRevision: revision > 0 ? revision + 1 : 0 })
      return iter
    }

    // The first load completes before serve reports ready, so no request sees an empty table.
    const initialLast = yield* Effect.promise(lastRevision)
    let iter = yield* Effect.promise(startWatch)
    if (initialLast === 0) initialized = true
    let stopped = false
    // Each watcher is iterated once: iterating a finished one again throws ("iterator is already
    // yielding"), which used to escape as an unhandled rejection and end serve when NATS went away.
    const applyAll = async (watcher: typeof iter) => {
      for await (const e of watcher) apply(e)
    }
    const pump = async () => {
      let current: typeof iter | undefined = iter
      while (!stopped) {
        // A watcher that fails ends like one that ends: a new one resumes after what was applied.
        if (current !== undefined) await applyAll(current).catch(() => undefined)
        current = undefined
        if (stopped) return
        // The watcher ends only if its consumer was lost for good; resume after what we applied.
        await new Promise((r) => setTimeout(r, 500))
        if (stopped) return
        // NATS down: no watcher this round, try again.
        const next = await startWatch().catch(() => undefined)
        if (next === undefined) continue
        current = iter = next
        if (stopped) iter.stop()
      }
    }
    void pump().catch((e: unknown) =>
      onCorrupt(`trigger table watcher stopped: ${e instanceof Error ? e.message : String(e)}`),
    )
    yield* Effect.addFinalizer(() =>
      Effect.sync(() => {
        stopped = true
        iter.stop()
      }),
    )

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
