// Proves the direct evaluator of common `when` conditions answers exactly as the CEL library does:
// for every expression and payload of a corpus (hand-made edge cases, and every `when` of
// docs/expressions.md on every payload of that page), a program with the direct evaluator gives the
// same outcome (result, or the library's error detail) as one without it; and that it decides the
// shapes triggers are made of, and leaves the rest to the library.
import { readFileSync } from "node:fs"
import { describe, expect, test } from "vitest"
import { compileExpression, evaluateWhen, expressionVars, lib } from "../../../src/domain/expressions.js"
import { fastConditionOf } from "../../../src/domain/expression-fast.js"

const hand = [
  'body.action == "opened"',
  'body.action != "opened"',
  'body.action == "opened" && body.number > 1000',
  "body.number > 1000",
  "body.number >= 1347",
  "body.number < 1347.5",
  "body.number <= -1",
  "body.amount > 9.5",
  "body.amount == 4200",
  "body.amount == 4200.0",
  "body.n == 1",
  "body.n != 1.0",
  "1 == body.n",
  'body.action in ["opened", "synchronize"]',
  "body.number in [1, 2, 1347]",
  "body.number in [1.5, 1347.0]",
  "body.t in [true]",
  "!body.pull_request.draft",
  'body.pull_request.base.ref == "main" && !body.pull_request.draft',
  "has(body.pull_request)",
  "has(body.pull_request.merged_at)",
  '!has(body.x) || body.x == "y"',
  'has(body.x) && body.x == "y"',
  'headers["x-github-event"] == "push"',
  '"x-github-event" in headers',
  "has(headers.x)",
  'headers.x == "1"',
  'subject == "event.t"',
  'trigger == "t"',
  'body.missing == "a"',
  'body.missing == "a" || true',
  'true || body.missing == "a"',
  "false && body.missing",
  "body.missing && false",
  "body.missing || false",
  "body.action == 1",
  'body.number == "1347"',
  "body.nested == null",
  "body.nullish == null",
  "body.nullish != null",
  "body.arr == null",
  'body.obj.k == "v"',
  'body.obj["k"] == "v"',
  'body["action"] == "opened"',
  "body.draft",
  "body.action",
  "!body.action",
  'body.number > 1000 || body.action == "closed"',
  "body.big > 1000",
  "body.big == 1e300",
  "body.neg < 0",
  "body.float == 0.1",
  "body.zero == -0.0",
  "body.zero == 0",
  "body.t == true",
  "body.t != false",
  'body.s in ["a", "b"]',
  "body.s in []",
  'body.s in ["a", 1]',
  'body.action.startsWith("op")',
  "size(body.arr) > 1",
  "body.arr.exists(x, x == 1)",
  "body.n == 9007199254740993",
  'body.obj == {"k": "v"}',
  "body.arr == [1, 2]",
  "body == null",
  'body.s < "b"',
]

const payloads: ReadonlyArray<unknown> = [
  {
    action: "opened",
    number: 1347,
    pull_request: { draft: false, base: { ref: "main" }, merged_at: null },
    amount: 4200,
    n: 1,
    obj: { k: "v" },
    nullish: null,
    arr: [1, 2],
    t: true,
    s: "a",
    big: 1e300,
    neg: -5,
    float: 0.1,
    zero: 0,
    draft: true,
    x: "y",
  },
  {
    action: "closed",
    number: 12,
    amount: 4200.5,
    n: 1.5,
    obj: {},
    pull_request: { draft: true, base: { ref: "dev" } },
    s: "c",
    t: false,
    draft: false,
    zero: -0.5,
    x: 3,
  },
  { action: 7, number: "1347", pull_request: null, obj: "str", nested: {}, arr: [], draft: "yes", n: "1" },
  { number: 9007199254740993, amount: -0, s: "b", nullish: "no" },
  {},
  null,
  "a string body",
  [1, 2],
]

const page = readFileSync(new URL("../../../docs/expressions.md", import.meta.url), "utf8")
const docsWhens = [...page.matchAll(/```cel when\n([\s\S]*?)\n```/g)].map((m) => m[1]!)
const docsPayloads = [...page.matchAll(/```json payload\n([\s\S]*?)\n```/g)].map((m) => JSON.parse(m[1]!))

const headerSets: ReadonlyArray<ReadonlyMap<string, string>> = [
  new Map([
    ["x-github-event", "push"],
    ["x", "1"],
  ]),
  new Map(),
]

const outcomes = (source: string, fast: boolean, payload: unknown, headers: ReadonlyMap<string, string>) => {
  const c = compileExpression("when", source, { fast })
  if (!c.ok) return { compiled: false, error: c.error }
  return ["event.t", "event.other"].map((subject) =>
    evaluateWhen(c.program, expressionVars(payload, headers, subject), "t"),
  )
}

const fastOf = (source: string) => fastConditionOf(lib().cel.parse(source).expr)

describe("expression fast path", () => {
  test("fast path - docs/expressions.md has its `when` examples and payloads to check against", () => {
    expect([docsWhens.length >= 10, docsPayloads.length >= 10]).toStrictEqual([true, true])
  })

  test("fast path - every corpus `when` on every corpus payload, headers and subject: the same outcome with the direct evaluator as without it", () => {
    let decided = 0
    const differing: Array<unknown> = []
    for (const source of [...hand, ...docsWhens]) {
      const fast = fastOf(source)
      for (const payload of [...payloads, ...docsPayloads]) {
        for (const headers of headerSets) {
          const withFast = outcomes(source, true, payload, headers)
          const library = outcomes(source, false, payload, headers)
          if (JSON.stringify(withFast) !== JSON.stringify(library))
            differing.push({ source, payload, withFast, library })
          if (fast?.(expressionVars(payload, headers, "event.t"), "t") !== undefined) decided++
        }
      }
    }
    expect(differing).toStrictEqual([])
    // The comparison above is only worth something if the direct evaluator decided a good part of it.
    expect(decided).toBeGreaterThan(600)
  })

  test("fast path - the shapes triggers are made of have a direct evaluator; macros, functions, list and map values do not", () => {
    const has = (s: string) => fastOf(s) !== undefined
    expect(
      [
        'body.action == "opened" && body.number > 983',
        'body.action in ["opened", "synchronize"] && body.pull_request.base.ref == "main" && !body.pull_request.draft',
        'has(body.x) && headers["x-github-event"] == "push" || subject == "event.a"',
      ].map(has),
    ).toStrictEqual([true, true, true])
    expect(
      [
        'body.action.startsWith("op")',
        "size(body.arr) > 1",
        "body.arr.exists(x, x == 1)",
        "body.n == 9007199254740993",
        "body.arr == [1, 2]",
        'body.s in ["a", 1]',
        "body.x ? true : false",
      ].map(has),
    ).toStrictEqual([false, false, false, false, false, false, false])
  })

  test("fast path - a missing key, a type it does not compare, and a non-bool result are left to the library (undefined)", () => {
    const vars = expressionVars({ action: 7, s: "a" }, new Map(), "event.t")
    expect(
      ['body.missing == "a"', 'body.action == "opened"', "body.s > 1", "body.s"].map((s) => fastOf(s)!(vars, "t")),
    ).toStrictEqual([undefined, undefined, undefined, undefined])
  })
})
