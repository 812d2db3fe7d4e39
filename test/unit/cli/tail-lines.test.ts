// Proves what `dagnats tail` says about one trigger decision: the run a fire started, the reason a
// skip gives with the condition that failed (as `delivery get` shows it, cut to 200 characters), and
// the error of a failed evaluation.
import { describe, expect, test } from "vitest"
import { decisionText, joinedDecisionLine } from "../../../src/cli/commands/tail.js"
import { failed, fired, skipped } from "../../../src/domain/fire-record.js"

const base = {
  trigger: "big-payments",
  workflow: "review",
  event: { subject: "event.webhook.stripe-payment", seq: 1 },
  at: "2026-12-08T10:00:00.000Z",
}

describe("tail - decision text", () => {
  test("tail - a fired decision names its run", () => {
    expect(decisionText(fired(base, "6f1c", 1))).toBe("fired → run 6f1c")
  })

  test("tail - a filtered decision says which condition failed, in parentheses after the reason", () => {
    const f = skipped(base, "filtered", 'field "type" is "charge.refunded", want "payment_intent.succeeded"')
    expect(joinedDecisionLine(f)).toBe(
      '    ↳ big-payments  skipped: filtered (field "type" is "charge.refunded", want "payment_intent.succeeded")',
    )
  })

  test("tail - a skip without a detail shows its reason alone", () => {
    expect(decisionText(skipped(base, "disabled"))).toBe("skipped: disabled")
  })

  test("tail - a detail longer than 200 characters is cut there, with an ellipsis", () => {
    const text = decisionText(skipped(base, "filtered", `when was false: ${"x".repeat(300)}`))
    expect(text).toBe(`skipped: filtered (${`when was false: ${"x".repeat(300)}`.slice(0, 200)}…)`)
  })

  test("tail - a failed evaluation shows its error", () => {
    expect(decisionText(failed(base, "input: no such key: pr"))).toBe("error: input: no such key: pr")
  })
})
