// Proves the byte bound of every JetStream pull: the count asked for never lets the server send more
// than the budget at max_payload per message, a message of the largest size still always fits, and
// an unknown max_payload pulls one at a time.
import { describe, expect, test } from "vitest"
import { DELIVERY_OVERHEAD_BYTES, PULL_BUDGET_BYTES, pullBatch } from "../../../src/nats/pull-bound.js"

const MiB = 1024 * 1024

describe("pull bound", () => {
  test("pull bound - a stock 1 MiB max_payload allows 7 messages of the 128 wanted (7 × (1 MiB + 8 KiB) ≤ 8 MiB)", () => {
    expect(pullBatch(MiB, 128)).toBe(7)
    expect(7 * (MiB + DELIVERY_OVERHEAD_BYTES)).toBeLessThanOrEqual(PULL_BUDGET_BYTES)
    expect(8 * (MiB + DELIVERY_OVERHEAD_BYTES)).toBeGreaterThan(PULL_BUDGET_BYTES)
  })

  test("pull bound - for any max_payload the count times the largest message stays within the budget", () => {
    for (const maxPayload of [
      1_024,
      64 * 1024,
      1_000_000,
      MiB,
      2 * MiB,
      3 * MiB + 7,
      4 * MiB - DELIVERY_OVERHEAD_BYTES,
    ]) {
      const n = pullBatch(maxPayload, 10_000)
      expect(n).toBeGreaterThanOrEqual(1)
      expect(n * (maxPayload + DELIVERY_OVERHEAD_BYTES)).toBeLessThanOrEqual(PULL_BUDGET_BYTES)
    }
  })

  test("pull bound - fewer wanted than fit is what is asked for (small max_payload, small reads)", () => {
    expect(pullBatch(1_024, 128)).toBe(128)
    expect(pullBatch(MiB, 3)).toBe(3)
  })

  test("pull bound - a max_payload above the budget still pulls one message, so the largest can be delivered", () => {
    expect(pullBatch(8 * MiB, 128)).toBe(1)
    expect(pullBatch(64 * MiB, 128)).toBe(1)
  })

  test("pull bound - an unknown or nonsense max_payload pulls one at a time; wanted below 1 is 1", () => {
    expect(pullBatch(undefined, 128)).toBe(1)
    expect(pullBatch(0, 128)).toBe(1)
    expect(pullBatch(Number.NaN, 128)).toBe(1)
    expect(pullBatch(MiB, 0)).toBe(1)
  })

  test("pull bound - an explicit budget is honoured (16 MiB at 2 MiB max_payload is 7)", () => {
    expect(pullBatch(2 * MiB, 128, 16 * MiB)).toBe(7)
  })
})
