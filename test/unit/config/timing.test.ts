// Proves the evaluator's timing settings: defaults (4 s ack wait, 500 ms first retry), durations from
// DAGNATS_ACK_WAIT and DAGNATS_RETRY_DELAY, and a clear message naming the variable when one is wrong.
import { describe, expect, test } from "vitest"
import { evaluatorTiming } from "../../../src/config/evaluator-timing.js"

describe("evaluator timing", () => {
  test("timing - defaults: ack wait 4 s, first retry delay 500 ms", () => {
    expect(evaluatorTiming({})).toStrictEqual({ ackWaitMs: 4_000, retryDelayMs: 500 })
  })

  test("timing - DAGNATS_ACK_WAIT and DAGNATS_RETRY_DELAY take durations", () => {
    expect(evaluatorTiming({ DAGNATS_ACK_WAIT: "2s", DAGNATS_RETRY_DELAY: "20ms" })).toStrictEqual({
      ackWaitMs: 2_000,
      retryDelayMs: 20,
    })
  })

  test("timing - an ack wait under 1 s is refused naming the variable", () => {
    expect(evaluatorTiming({ DAGNATS_ACK_WAIT: "500ms" })).toBe(
      'DAGNATS_ACK_WAIT: must be a duration from 1000ms to 300s, such as "4s" (got "500ms")',
    )
  })

  test("timing - a retry delay that is not a duration is refused naming the variable", () => {
    expect(evaluatorTiming({ DAGNATS_RETRY_DELAY: "soon" })).toBe(
      'DAGNATS_RETRY_DELAY: must be a duration from 1ms to 30s, such as "4s" (got "soon")',
    )
  })
})
