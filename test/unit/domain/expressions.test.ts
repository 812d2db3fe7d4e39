// Proves trigger expressions (CEL `when` and `input`): create-time checks with line:column, the JSON
// number mapping, errors as non-matches with their text, JSON results, and the cost bound.
import { describe, expect, test } from "vitest"
import {
  MAX_EXPRESSION_LENGTH,
  compileExpression,
  evaluateInput,
  evaluateWhen,
  expressionProblem,
  expressionVars,
  type CompiledExpression,
} from "../../../src/domain/expressions.js"
import { mapInput } from "../../../src/domain/trigger-expressions.js"
import { explainFalseWhen } from "../../../src/domain/when-explain.js"

const compiled = (field: "when" | "input", source: string): CompiledExpression => {
  const c = compileExpression(field, source)
  if (!c.ok) throw new Error(c.error)
  return c.program
}
const when = (source: string, payload: unknown, headers: Record<string, string> = {}, subject = "event.webhook.t") =>
  evaluateWhen(compiled("when", source), expressionVars(payload, new Map(Object.entries(headers)), subject), "t")
const input = (source: string, payload: unknown) =>
  evaluateInput(compiled("input", source), expressionVars(payload, new Map(), "event.webhook.t"), "t")

describe("compile-time checks", () => {
  test("a parse error names line and column", () => {
    expect(expressionProblem("when", "body.a ==")).toBe("1:8: found = but expecting end of input")
    expect(expressionProblem("when", "body.a == 1 &&\n  body.b === 2")).toBe("2:10: found = but expecting end of input")
  })
  test("a when known not to be a bool is refused with its position and kind", () => {
    expect(expressionProblem("when", '"yes"')).toBe("1:1: must be a bool condition, but this is a string")
    expect(expressionProblem("when", "  body.amount + 1")).toBe(
      "1:15: must be a bool condition, but this is the result of +",
    )
    expect(expressionProblem("when", "[1, 2]")).toMatch(/this is a list$/)
    expect(expressionProblem("when", '{"a": 1}')).toMatch(/this is a map$/)
    expect(expressionProblem("when", "size(body.items)")).toMatch(/result of size$/)
    expect(expressionProblem("when", "body.items.map(i, i.id)")).toMatch(/this is a list$/)
    expect(expressionProblem("when", 'body.a ? "x" : "y"')).toMatch(/this is a string$/)
  })
  test("a when whose type is only known at run time is accepted", () => {
    for (const s of ["body.draft", "body.items[0]", "body.a ? true : body.b", "body.items.all(i, i.ok)", "true"]) {
      expect(expressionProblem("when", s), s).toBeUndefined()
    }
  })
  test("an input may be of any type", () => {
    expect(expressionProblem("input", '{"pr": body.number}')).toBeUndefined()
    expect(expressionProblem("input", '"text"')).toBeUndefined()
  })
  test("at most 4096 characters, and not empty", () => {
    const long = "true" + " && true".repeat(600)
    expect(long.length).toBeGreaterThan(MAX_EXPRESSION_LENGTH)
    expect(expressionProblem("when", long)).toBe(`must be at most 4096 characters (got ${long.length})`)
    expect(expressionProblem("when", "true".padEnd(MAX_EXPRESSION_LENGTH, " "))).toBeUndefined()
    expect(expressionProblem("when", "   ")).toBe("must be a CEL expression, not empty")
  })
})

describe("JSON numbers", () => {
  test("a JSON integer compares with int and double literals", () => {
    expect(when("body.amount > 1000", { amount: 4200 })).toEqual({ matched: true })
    expect(when("body.amount > 1000.5", { amount: 4200 })).toEqual({ matched: true })
    expect(when("body.amount == 4200", { amount: 4200 })).toEqual({ matched: true })
    expect(when("body.amount == 4200.0", { amount: 4200 })).toEqual({ matched: true })
    expect(when("body.amount < 1000", { amount: 4200 })).toEqual({ matched: false, detail: "when was false" })
  })
  test("a JSON fraction compares with int and double literals", () => {
    expect(when("body.amount > 1000", { amount: 4200.5 })).toEqual({ matched: true })
    expect(when("body.amount > 4200.25", { amount: 4200.5 })).toEqual({ matched: true })
    expect(when("body.amount != 4200", { amount: 4200.5 })).toEqual({ matched: true })
  })
  test("a JSON integer is an int: integer arithmetic and indexes work", () => {
    expect(when("body.n % 2 == 0 && body.n + 1 == 43", { n: 42 })).toEqual({ matched: true })
    expect(when("body.items[body.i] == 'b'", { i: 1, items: ["a", "b"] })).toEqual({ matched: true })
    expect(when("size(body.items) == body.count", { count: 2, items: ["a", "b"] })).toEqual({ matched: true })
  })
  test("an integer beyond 2^53 is a double, still comparable", () => {
    expect(when("body.id > 1000", { id: 2 ** 60 })).toEqual({ matched: true })
  })
  test("an input keeps numbers as JSON numbers", () => {
    expect(input('{"n": body.n, "x": body.x, "s": size(body.l)}', { n: 42, x: 1.5, l: [1] })).toEqual({
      ok: true,
      input: { n: 42, x: 1.5, s: 1 },
    })
  })
})

describe("evaluation errors are non-matches with their text", () => {
  test("a missing key without has()", () => {
    expect(when("body.missing == 1", { a: 1 })).toEqual({
      matched: false,
      detail: "when failed: field not found: missing",
    })
    expect(when("has(body.missing) && body.missing == 1", { a: 1 })).toEqual({
      matched: false,
      detail: "when was false",
    })
  })
  test("wrong types", () => {
    const r = when('body.a == 1 && body.a.startsWith("x")', { a: 1 })
    expect(r.matched).toBe(false)
    expect(r).toMatchObject({ detail: expect.stringMatching(/^when failed: .*startsWith/) })
  })
  test("a non-JSON payload is null", () => {
    expect(when("body == null", null)).toEqual({ matched: true })
    expect(when("body.a == 1", null).matched).toBe(false)
  })
  test("a result that is not a bool", () => {
    expect(when("body.a", { a: "yes" })).toEqual({ matched: false, detail: "when gave a string, not a bool" })
    expect(when("body.a", { a: 3 })).toEqual({ matched: false, detail: "when gave an int, not a bool" })
  })
  test("an input that errors says so", () => {
    expect(input("body.nope", {})).toEqual({ ok: false, error: "input failed: field not found: nope" })
  })
})

describe("variables", () => {
  test("headers by lowercase name, subject and trigger", () => {
    expect(when('headers["x-github-event"] == "push"', {}, { "x-github-event": "push" })).toEqual({ matched: true })
    expect(when('subject == "event.webhook.t" && trigger == "t"', {})).toEqual({ matched: true })
    expect(when('"x-a" in headers', {})).toEqual({ matched: false, detail: "when was false" })
  })
  test("a payload key named like an Object prototype member is plain data", () => {
    const payload = JSON.parse('{"__proto__": {"x": 1}, "constructor": 2}') as unknown
    expect(when('body.__proto__.x == 1 && body["constructor"] == 2', payload)).toEqual({ matched: true })
    expect(input("body", payload)).toEqual({ ok: true, input: payload })
  })
})

describe("input results as JSON", () => {
  test("the whole body round-trips", () => {
    const payload = { a: [1, { b: null, c: true }], d: "x", e: 0.25 }
    expect(input("body", payload)).toEqual({ ok: true, input: payload })
  })
  test("a value JSON cannot hold is an error", () => {
    expect(input("timestamp('2024-01-01T00:00:00Z')", {})).toMatchObject({ ok: false })
    expect(input("b'x'", {})).toMatchObject({ ok: false })
  })
  test("mapInput is the identity without a mapping, and maps each payload with one", () => {
    expect(mapInput(undefined, { a: 1 }, "event.x", "t")).toEqual({ ok: true, input: { a: 1 } })
    expect(mapInput(compiled("input", "body.a"), { a: 1 }, "event.x", "t")).toEqual({ ok: true, input: 1 })
  })
})

describe("the cost bound", () => {
  test("a catastrophic regex runs in linear time (RE2): the answer comes back", () => {
    const hostile = "a".repeat(100_000) + "!"
    expect(when('body.s.matches("(a+)+$")', { s: hostile })).toEqual({ matched: false, detail: "when was false" })
  })
  test("nested comprehensions over a wide payload are refused before running", () => {
    const items = Array.from({ length: 2_000 }, (_, i) => i)
    const r = when("body.items.all(a, body.items.all(b, body.items.all(c, a + b + c >= 0)))", { items })
    expect(r.matched).toBe(false)
    expect(r).toMatchObject({ detail: expect.stringMatching(/^when failed: too costly for this payload: 3 nested/) })
  })
  test("one comprehension over the same payload runs", () => {
    const items = Array.from({ length: 2_000 }, (_, i) => i)
    expect(when("body.items.all(a, a >= 0)", { items })).toEqual({ matched: true })
  })
})

describe("only the parts of body an expression reads are converted, with the same results", () => {
  const payload = { a: { b: 1, c: [1, 2, 3] }, d: "x", e: { f: null } }
  test("selected fields, has() and missing keys behave as on the whole payload", () => {
    expect(when("body.a.b == 1 && has(body.a.c) && !has(body.a.z)", payload)).toEqual({ matched: true })
    // The library treats a key present with null as absent for has() and `in` (cel-spec would say present).
    expect(when('!has(body.e.f) && !("f" in body.e) && body.e.f == null', payload)).toEqual({ matched: true })
    expect(when("body.a.z == 1", payload)).toEqual({ matched: false, detail: "when failed: field not found: z" })
  })
  test("a use of body itself or of a sub-map (size, iteration, in, equality) sees every key", () => {
    expect(when('size(body) == 3 && "d" in body && body.all(k, k != "z")', payload)).toEqual({ matched: true })
    expect(when('size(body.a) == 2 && body.e == {"f": null}', payload)).toEqual({ matched: true })
    expect(input("body.a", payload)).toEqual({ ok: true, input: payload.a })
  })
  test("a comprehension variable named body is the element, not the payload", () => {
    expect(when("body.a.c.exists(body, body == 3)", payload)).toEqual({ matched: true })
  })
})

describe("explainFalseWhen (trigger test)", () => {
  const vars = expressionVars({ amount: 4200, currency: "eur" }, new Map(), "event.x")
  test("names the first part of an && chain that was false, with its position", () => {
    expect(explainFalseWhen('body.amount > 1000 &&\n  body.currency == "usd"', vars, "t")).toBe(
      'body.currency == "usd" (at 2:17) was false',
    )
  })
  test("names a part that failed, and says nothing for a single condition", () => {
    expect(explainFalseWhen("body.amount > 1000 && body.x == 1", vars, "t")).toBe(
      "body.x == 1 (at 1:30) failed: field not found: x",
    )
    expect(explainFalseWhen('body.currency == "usd"', vars, "t")).toBeUndefined()
  })
})

describe("body null (a payload that is not JSON)", () => {
  test("body == null holds, has(body.x) is false, and reading body.x is an error (a non-match), never a throw", () => {
    expect(when("body == null", null)).toStrictEqual({ matched: true })
    expect(when("has(body.x)", null)).toStrictEqual({ matched: false, detail: "when was false" })
    expect(when("!has(body.x) && body == null", null)).toStrictEqual({ matched: true })
    const read = when("body.x == 1", null)
    expect(read.matched).toBe(false)
    expect(!read.matched && read.detail).toMatch(/^when failed: /)
  })
})
