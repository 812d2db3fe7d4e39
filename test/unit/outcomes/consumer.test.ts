// Proves the outcomes consumer's memory of settled runs is bounded: up to its capacity, the least recently added forgotten first.
import { expect, test } from "vitest"

test("settled runs - remembers up to its capacity and forgets the least recently added first", async () => {
  const { makeSettledRuns } = await import("../../../src/outcomes/consumer.js")
  const settled = makeSettledRuns(2)
  settled.add("a")
  settled.add("b")
  settled.add("a")
  settled.add("c")
  expect(["a", "b", "c"].map(settled.has)).toStrictEqual([true, false, true])
})
