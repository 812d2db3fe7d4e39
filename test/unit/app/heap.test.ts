// Proves serve's heap policy takes effect when set at run time (V8 reads it at every full
// collection): with promoted garbage streaming through a heap holding a fixed live set, the old
// generation stays within a small multiple of that live set instead of growing to several times it.
import { getHeapSpaceStatistics } from "node:v8"
import { expect, test } from "vitest"
import { HEAP_GROWING_PERCENT, limitHeapGrowth } from "../../../src/app/heap.js"

const MiB = 1024 * 1024
const oldSpace = () => getHeapSpaceStatistics().find((s) => s.space_name === "old_space")!

test("heap policy - after limitHeapGrowth the old generation peaks near the live set under churn of promoted garbage", async () => {
  expect(HEAP_GROWING_PERCENT).toBe(100)
  limitHeapGrowth()
  const live: Array<{ i: number; s: string }> = []
  for (let i = 0; i < 300_000; i++) live.push({ i, s: `live${i}` })
  let hold: Array<unknown> = []
  let peak = 0
  for (let round = 0; round < 400; round++) {
    // Objects that live across a few young collections, as request state does, then die.
    for (let i = 0; i < 20_000; i++) hold.push({ round, i, s: `g${i}` })
    if (hold.length > 100_000) hold = []
    if (round % 10 === 0) await new Promise((resolve) => setImmediate(resolve))
    peak = Math.max(peak, oldSpace().space_size)
  }
  expect(live).toHaveLength(300_000)
  // Measured: 108–123 MiB with the policy, 218–234 MiB without it (V8's default growth).
  expect(peak / MiB).toBeLessThan(170)
})
