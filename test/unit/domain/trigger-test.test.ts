// Proves what `trigger test` answers for one event: every condition is checked even after one fails,
// the verdict is the first that failed in the evaluator's order, a long seen value is cut, and a stored
// expression that does not compile is shown on its own check.
import { describe, expect, test } from "vitest"
import { compileTriggerExpressions } from "../../../src/domain/trigger-expressions.js"
import { testTrigger } from "../../../src/domain/trigger-test.js"

const base = { name: "t", windowed: false, pattern: "event.t" }
const event = (payload: unknown) => ({ payload, headers: new Map<string, string>(), subject: "event.t" })

describe("trigger test - checks", () => {
  test("trigger test - a failing filter does not stop the when and input checks; the verdict names the filter", () => {
    const t = { ...base, filters: [{ field: "a", value: "1" }], when: "body.a == 2", input: "body.a + 1" }
    expect(testTrigger(t, compileTriggerExpressions(t), event({ a: 2 }))).toStrictEqual({
      matched: false,
      reason: 'field "a" is 2, want 1',
      checks: [
        { check: "subject", pass: true, want: "event.t", seen: "event.t" },
        { check: "filter", pass: false, field: "a", want: 1, seen: 2 },
        { check: "when", pass: true, source: "body.a == 2" },
        { check: "input", pass: true, source: "body.a + 1", input: 3 },
      ],
    })
  })

  test("trigger test - a seen value past 200 characters of JSON is its text cut, marked seen_cut", () => {
    const t = { ...base, filters: [{ field: "big", value: "x" }] }
    const big = "y".repeat(300)
    const [, filter] = testTrigger(t, compileTriggerExpressions({}), event({ big })).checks
    expect(filter).toStrictEqual({
      check: "filter",
      pass: false,
      field: "big",
      want: "x",
      seen: JSON.stringify(big).slice(0, 200) + "…",
      seen_cut: true,
    })
  })

  test("trigger test - a stored input that does not compile is a failed input check and the verdict", () => {
    const t = { ...base, input: "body.(" }
    const r = testTrigger(t, compileTriggerExpressions(t), event({}))
    expect(r.matched).toBe(false)
    expect(r.reason).toMatch(/^stored expression does not compile: input: 1:\d+: /)
    expect(r.checks[1]).toStrictEqual({
      check: "input",
      pass: false,
      source: "body.(",
      error: expect.stringMatching(/^does not compile: 1:\d+: /),
    })
  })

  test("trigger test - a disabled trigger that matches says no run would start, with the mapped input", () => {
    const t = { ...base, enabled: false, input: '{"k": subject}' }
    expect(testTrigger(t, compileTriggerExpressions(t), event({}))).toStrictEqual({
      matched: true,
      reason: "trigger is disabled: no run would start",
      input: { k: "event.t" },
      checks: [
        { check: "subject", pass: true, want: "event.t", seen: "event.t" },
        { check: "input", pass: true, source: '{"k": subject}', input: { k: "event.t" } },
      ],
    })
  })
})
