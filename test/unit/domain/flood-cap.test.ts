import { describe, expect, test } from "vitest"
import { makeFloodCap } from "../../../src/domain/flood-cap.js"

describe("flood cap", () => {
  test("flood cap - 300 rejections of one name in one second: 100 admitted, 200 counted once when the second is over", () => {
    const cap = makeFloodCap(100)
    const base = 1_700_000_000_000
    const admitted = Array.from({ length: 300 }, (_, i) => cap.admit("t", base + i)).filter(Boolean).length
    expect(admitted).toBe(100)
    expect(cap.drain(base + 999)).toEqual([])
    expect(cap.drain(base + 1000)).toEqual([{ key: "t", count: 200, fromMs: base }])
    expect(cap.drain(base + 2000)).toEqual([])
  })

  test("flood cap - each name has its own 100 per second, and a new second starts a new budget", () => {
    const cap = makeFloodCap(100)
    const base = 1_700_000_000_000
    for (let i = 0; i < 150; i++) cap.admit("a", base)
    for (let i = 0; i < 100; i++) expect(cap.admit("b", base)).toBe(true)
    expect(cap.admit("a", base + 1000)).toBe(true)
    expect(cap.drain(base + 1000)).toEqual([{ key: "a", count: 50, fromMs: base }])
  })
})

test("flood cap - with a grace second, a late admission for the previous second counts against it: never more than the cap in any second", () => {
  const cap = makeFloodCap(100, 1)
  const T = 1_000_000
  let admitted = 0
  for (let i = 0; i < 60; i++) if (cap.admit("k", T + 900)) admitted++
  // The next second's answers come first, then the rest of the first second's.
  for (let i = 0; i < 150; i++) if (cap.admit("k", T + 1_100)) admitted++
  for (let i = 0; i < 60; i++) if (cap.admit("k", T + 950)) admitted++
  expect(admitted).toBe(200)
  expect(cap.drain(T + 1_500)).toStrictEqual([])
  expect(cap.drain(T + 2_100)).toStrictEqual([{ key: "k", count: 20, fromMs: T }])
  expect(cap.drain(T + 3_100)).toStrictEqual([{ key: "k", count: 50, fromMs: T + 1_000 }])
})
