// A KV bucket's changes as Streams. `watchEntries`: one watcher's entries, the watcher stopped however
// the stream ends (done, failed, interrupted). `watchResuming`: a bucket's changes for as long as it
// is read: a watcher that ends or fails (its consumer lost for good, NATS away) is replaced after a
// pause, resuming after the last revision delivered, so no change is applied twice or skipped. Its
// first watcher is opened before it is returned: a bucket that cannot be watched at all fails there.
import { Duration, Effect, Stream } from "effect"
import type { KV, KvWatchEntry } from "./kv-api.js"
import { toUnavailable } from "./conditions.js"
import type { Unavailable } from "../domain/errors.js"

type Watcher = Awaited<ReturnType<KV["watch"]>>
type WatchOptions = Parameters<KV["watch"]>[0]

const entriesOf = (w: Watcher) =>
  Stream.fromAsyncIterable(w, toUnavailable).pipe(Stream.ensuring(Effect.sync(() => w.stop())))

const open = (kv: KV, o: WatchOptions) => Effect.tryPromise({ try: () => kv.watch(o), catch: toUnavailable })

export const watchEntries = (kv: KV, o: WatchOptions = {}): Stream.Stream<KvWatchEntry, Unavailable> =>
  Stream.unwrap(Effect.map(open(kv, o), entriesOf))

/** How long a replaced watcher waits before the next is opened. */
const RESUME_PAUSE = Duration.millis(500)

export const watchResuming = (kv: KV, afterRevision = 0) =>
  Effect.gen(function* () {
    let last = afterRevision
    const from = () => ({ resumeFromRevision: last > 0 ? last + 1 : 0 })
    const track = (s: Stream.Stream<KvWatchEntry, Unavailable>) =>
      s.pipe(
        Stream.tap((e) => Effect.sync(() => void (last = Math.max(last, e.revision)))),
        // A watcher that fails ends like one that ends: the next resumes after what was delivered.
        Stream.ignore,
      )
    const first = yield* open(kv, from())
    const next = Stream.fromEffect(Effect.sleep(RESUME_PAUSE)).pipe(
      Stream.drain,
      Stream.concat(track(Stream.suspend(() => watchEntries(kv, from())))),
      Stream.forever,
    )
    return track(entriesOf(first)).pipe(Stream.concat(next))
  })
