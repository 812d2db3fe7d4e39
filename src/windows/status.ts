// How many debounce windows and batches are open per trigger, for `trigger list`, which
// marks triggers with open windows or batches. Reads keys only: one ordered consumer per bucket.
import { Effect } from "effect"
import type { KV } from "@nats-io/kv"
import { isWindowKey, triggerOfKey } from "../domain/windows.js"
import { toUnavailable } from "../nats/conditions.js"

export const openWindowCounts = (buckets: ReadonlyArray<KV>) =>
  Effect.tryPromise({
    try: async () => {
      const counts = new Map<string, number>()
      for (const kv of buckets) {
        for await (const k of await kv.keys()) {
          if (isWindowKey(k)) counts.set(triggerOfKey(k), (counts.get(triggerOfKey(k)) ?? 0) + 1)
        }
      }
      return counts
    },
    catch: toUnavailable,
  })
