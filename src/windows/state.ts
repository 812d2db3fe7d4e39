// Window state in KV `dagnats_debounce` / `dagnats_batch`: open windows at their keys, and per key
// the done state that remembers what fired there. Every write is revision-checked; a clear that
// loses its check looks again at the leader rather than giving up.
import { Effect } from "effect"
import { doneKey, recordFired, slotOwner, type DoneState, type WindowState } from "../domain/windows.js"
import type { Unavailable } from "../domain/errors.js"
import { deleteAt, modify, readJson, writeJsonIfUnchanged, type KvBucket, type KvRead } from "../nats/kv-bucket.js"
import type { AckFloor } from "./ack-floor.js"
import type { Kind } from "./deps.js"

/** A key as read, its value taken for what the key holds (the engine is the only writer). */
export interface Slot<T> extends KvRead {
  readonly value: T | undefined
}

/** Done states remembered in this process, oldest dropped first. */
const DONE_SEEN_KEYS = 10_000

export const makeWindowState = (buckets: Record<Kind, KvBucket>, ackFloor: AckFloor) => {
  const read = <T>(kind: Kind, key: string, fromLeader = false): Effect.Effect<Slot<T>, Unavailable> =>
    readJson(buckets[kind], key, fromLeader) as Effect.Effect<Slot<T>, Unavailable>

  /** A write that loses to a concurrent writer returns undefined; else the revision it wrote. */
  const write = (kind: Kind, key: string, value: unknown, at: KvRead) =>
    writeJsonIfUnchanged(buckets[kind], key, value, at)

  /**
   * The done state this process last wrote or read per key, with its revision: the next window
   * fired at the key writes on top of it without reading first, and a key this process never saw is
   * created blindly (a first fire at a key is the common case under a burst). Both writes are
   * revision-checked, so a stale guess only loses the write; then the leader is asked.
   */
  const doneSeen = new Map<string, Slot<DoneState>>()

  const rememberFired = Effect.fnUntraced(function* (state: WindowState, key: string) {
    // A late window's fires are remembered with the key's others: one record answers a redelivery.
    const dk = doneKey(slotOwner(key))
    const seenKey = `${state.kind} ${dk}`
    const floor = yield* ackFloor.get(state)
    const start = doneSeen.get(seenKey) ?? { value: undefined, revision: 0, existed: false }
    const done = yield* modify(
      buckets[state.kind],
      dk,
      (cur) => recordFired(cur.value as DoneState | undefined, state, floor),
      start,
    )
    // Oldest first out: a Map iterates in insertion order.
    doneSeen.delete(seenKey)
    if (doneSeen.size >= DONE_SEEN_KEYS) doneSeen.delete(doneSeen.keys().next().value!)
    doneSeen.set(seenKey, { value: done.value, revision: done.revision, existed: true })
  })

  /**
   * Clear a fired window's key. A revision mismatch is not swallowed: if the key still holds this
   * window (our revision was stale), delete again at the leader's revision; if it holds another
   * window, that one is someone else's to fire.
   */
  const clear = Effect.fnUntraced(function* (state: WindowState, key: string, revision: number) {
    let rev = revision
    while (true) {
      const deleted = yield* deleteAt(buckets[state.kind], key, rev).pipe(
        Effect.as(true),
        Effect.catchTag("RevisionMismatch", () => Effect.succeed(false)),
      )
      if (deleted) return
      const now = yield* read<WindowState>(state.kind, key, true)
      if (now.value?.id !== state.id) return
      rev = now.revision
    }
  })

  return { read, write, rememberFired, clear }
}

export type WindowStore = ReturnType<typeof makeWindowState>
