import { decodeTime, isValid, monotonicFactory } from "ulid"
import { describe, expect, test } from "vitest"
import { pooledPrng, pooledRandomBytes } from "../../../src/domain/random-pool.js"

describe("random pool", () => {
  test("pooledRandomBytes returns arrays of the asked length that are never the same bytes, across pool refills", () => {
    const seen = new Set<string>()
    // 1,000 draws of 16 bytes use the 4 KiB pool about four times over.
    for (let i = 0; i < 1_000; i++) {
      const b = pooledRandomBytes(16)
      expect(b).toHaveLength(16)
      seen.add(Buffer.from(b).toString("hex"))
    }
    expect(seen.size).toBe(1_000)
  })

  test("a drawn array is the caller's own: writing to it changes no later draw", () => {
    const a = pooledRandomBytes(8)
    a.fill(0)
    expect(Buffer.from(pooledRandomBytes(8)).toString("hex")).not.toBe("0000000000000000")
  })

  test("pooledPrng stays in [0, 1) and reaches all 32 ULID characters' values", () => {
    const buckets = new Set<number>()
    for (let i = 0; i < 10_000; i++) {
      const x = pooledPrng()
      expect(x).toBeGreaterThanOrEqual(0)
      expect(x).toBeLessThan(1)
      buckets.add(Math.floor(x * 32))
    }
    expect(buckets.size).toBe(32)
  })

  test("a monotonic ULID factory on pooledPrng gives valid, strictly increasing ids with the given time", () => {
    const next = monotonicFactory(pooledPrng)
    const ids = Array.from({ length: 500 }, () => next(1_765_000_000_000))
    expect(ids.every(isValid)).toBe(true)
    expect([...ids].sort()).toStrictEqual(ids)
    expect(new Set(ids).size).toBe(500)
    expect(decodeTime(ids[0]!)).toBe(1_765_000_000_000)
  })
})
