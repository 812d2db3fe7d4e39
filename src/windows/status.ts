// How many debounce windows and batches are open per trigger, for `trigger list`, which
// marks triggers with open windows or batches. Reads keys only: one ordered consumer per bucket.
import { Effect } from "effect"
import { isWindowKey, triggerOfKey } from "../domain/windows.js"
import { listKeys, type KvBucket } from "../nats/kv-bucket.js"

export const openWindowCounts = Effect.fnUntraced(function* (buckets: ReadonlyArray<KvBucket>) {
  const counts = new Map<string, number>()
  for (const kv of buckets) {
    for (const k of yield* listKeys(kv)) {
      if (isWindowKey(k)) counts.set(triggerOfKey(k), (counts.get(triggerOfKey(k)) ?? 0) + 1)
    }
  }
  return counts
})
