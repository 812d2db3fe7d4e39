// Proves an ack floor counts only once it has been seen for the settling time, and never goes back.
import { describe, expect, test } from "vitest"
import { makeSettledFloor } from "../../../src/domain/settled-floor.js"

describe("settled floor", () => {
  test("settled floor - 0 before any look-up, and 0 until the first floor seen has stood 5 s", () => {
    const f = makeSettledFloor(5_000)
    expect(f.settled(0)).toBe(0)
    f.observe(1_000, 40)
    expect([f.settled(1_000), f.settled(5_999), f.settled(6_000)]).toStrictEqual([0, 0, 40])
  })

  test("settled floor - floors seen one a second settle in turn, each 5 s after it was seen", () => {
    const f = makeSettledFloor(5_000)
    for (let s = 0; s < 4; s++) f.observe(s * 1_000, 10 * (s + 1))
    expect([5_000, 6_000, 7_000, 8_000, 60_000].map((t) => f.settled(t))).toStrictEqual([10, 20, 30, 40, 40])
  })

  test("settled floor - a lower floor seen later (a new leader's) never lowers the settled one", () => {
    const f = makeSettledFloor(5_000)
    f.observe(0, 50)
    expect(f.settled(5_000)).toBe(50)
    f.observe(6_000, 30)
    expect(f.settled(20_000)).toBe(50)
    f.observe(21_000, 70)
    expect([f.settled(25_999), f.settled(26_000)]).toStrictEqual([50, 70])
  })

  test("settled floor - a settling time of 0 trusts a floor as soon as it is seen", () => {
    const f = makeSettledFloor(0)
    f.observe(7, 3)
    expect(f.settled(7)).toBe(3)
  })
})
