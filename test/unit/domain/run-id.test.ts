// Proves run ids (SPEC §6) are 32 lowercase hex characters, the same for the same trigger and event identity, and different when either differs; a stored event's identity is its delivery id, else its sequence within its epoch.
import { describe, expect, test } from "vitest"
import { createHash } from "node:crypto"
import { freshRequestId, isRunId, runIdFor, storedEventIdentity } from "../../../src/domain/run-id.js"

test("run id - is 32 lowercase hex characters", () => {
  for (const id of [
    runIdFor("gh", { kind: "delivery", deliveryId: "72d3162e-cc78-11e3-81ab-4c9367dc0958" }),
    runIdFor("gh", { kind: "sequence", seq: 1 }),
    runIdFor("deploys", { kind: "window", windowId: "w-1" }),
    runIdFor("deploys", { kind: "manual", requestId: "k" }),
  ]) {
    expect(id).toMatch(/^[0-9a-f]{32}$/)
    expect(isRunId(id)).toBe(true)
  }
})

test("run id - the same trigger and delivery id always give the same run id", () => {
  const a = runIdFor("gh", { kind: "delivery", deliveryId: "d-1" })
  const b = runIdFor("gh", { kind: "delivery", deliveryId: "d-1" })
  expect(a).toBe(b)
  // Pinned: a change of derivation would start second runs for events replayed across an upgrade.
  expect(a).toBe(createHash("sha256").update("gh\ndelivery:d-1").digest("hex").slice(0, 32))
})

test("run id - the same trigger and stream sequence always give the same run id", () => {
  expect(runIdFor("deploys", { kind: "sequence", seq: 42 })).toBe(runIdFor("deploys", { kind: "sequence", seq: 42 }))
})

test("run id - another trigger, delivery id, sequence or identity kind gives another run id", () => {
  const ids = [
    runIdFor("gh", { kind: "delivery", deliveryId: "1" }),
    runIdFor("gh2", { kind: "delivery", deliveryId: "1" }),
    runIdFor("gh", { kind: "delivery", deliveryId: "2" }),
    runIdFor("gh", { kind: "sequence", seq: 1 }),
    runIdFor("gh", { kind: "sequence", seq: 2 }),
    runIdFor("gh", { kind: "window", windowId: "1" }),
    runIdFor("gh", { kind: "manual", requestId: "1" }),
  ]
  expect(new Set(ids).size).toBe(ids.length)
})

test("run id - isRunId rejects uppercase, short, long and non-hex strings", () => {
  expect(isRunId("0123456789abcdef0123456789abcdef")).toBe(true)
  expect(isRunId("0123456789ABCDEF0123456789ABCDEF")).toBe(false)
  expect(isRunId("0123456789abcdef0123456789abcde")).toBe(false)
  expect(isRunId("0123456789abcdef0123456789abcdef0")).toBe(false)
  expect(isRunId("g123456789abcdef0123456789abcdef")).toBe(false)
  expect(isRunId("")).toBe(false)
})

test("run id - fresh request ids differ, so manual starts without a key are distinct runs", () => {
  const ids = new Set(Array.from({ length: 100 }, freshRequestId))
  expect(ids.size).toBe(100)
})

describe("run ids - stream epoch", () => {
  test("run ids - the same sequence in a recreated stream (another epoch) gives another run id", () => {
    const a = runIdFor("t", { kind: "sequence", seq: 5, epoch: "20261129000000" })
    const b = runIdFor("t", { kind: "sequence", seq: 5, epoch: "20261130000000" })
    expect([a === b, a === runIdFor("t", { kind: "sequence", seq: 5, epoch: "20261129000000" })]).toStrictEqual([
      false,
      true,
    ])
  })
})

describe("run ids - the identity of a stored event", () => {
  test("stored event identity - the delivery id when there is one, else the sequence within its epoch", () => {
    expect(storedEventIdentity({ deliveryId: "d-1", seq: 7, epoch: "20261129000000" })).toStrictEqual({
      kind: "delivery",
      deliveryId: "d-1",
    })
    expect(storedEventIdentity({ deliveryId: undefined, seq: 7, epoch: "20261129000000" })).toStrictEqual({
      kind: "sequence",
      seq: 7,
      epoch: "20261129000000",
    })
  })
})
