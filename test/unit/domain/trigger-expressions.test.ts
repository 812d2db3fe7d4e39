// Proves that triggers whose expressions read the same share one compiled program, and that a shared
// program still evaluates with each trigger's own name bound; a different source or field compiles its own.
import { expect, test } from "vitest"
import { compileTriggerExpressions } from "../../../src/domain/trigger-expressions.js"
import { evaluateWhen, expressionVars } from "../../../src/domain/expressions.js"

test("trigger expressions - two triggers with the same when share one program, each evaluated with its own name", () => {
  const a = compileTriggerExpressions({ when: 'trigger == "deploy-a" && body.n > 1' })
  const b = compileTriggerExpressions({ when: 'trigger == "deploy-a" && body.n > 1' })
  if (!a.ok || !b.ok) throw new Error("should compile")
  expect(a.when).toBe(b.when)
  const vars = expressionVars({ n: 2 }, new Map(), "event.x")
  expect(evaluateWhen(a.when!, vars, "deploy-a")).toStrictEqual({ matched: true })
  expect(evaluateWhen(b.when!, vars, "deploy-b")).toStrictEqual({ matched: false, detail: "when was false" })
})

test("trigger expressions - another source, or the same text as input instead of when, compiles a program of its own", () => {
  const when = compileTriggerExpressions({ when: "body.n > 1" })
  const other = compileTriggerExpressions({ when: "body.n > 2" })
  const input = compileTriggerExpressions({ input: "body.n > 1" })
  if (!when.ok || !other.ok || !input.ok) throw new Error("should compile")
  expect(when.when).not.toBe(other.when)
  expect(input.input?.field).toBe("input")
  expect(when.when?.field).toBe("when")
})
