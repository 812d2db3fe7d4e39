// Proves every example of docs/expressions.md on the payload it names: each `when` gives the result the
// page states, each `input` the JSON it shows, and each compiles under the create-time rules. The
// examples are read from the page itself, so the page and the code cannot drift apart.
import { readFileSync } from "node:fs"
import { describe, expect, test } from "vitest"
import {
  compileExpression,
  evaluateInput,
  evaluateWhen,
  expressionProblem,
  expressionVars,
} from "../../../src/domain/expressions.js"

interface Example {
  readonly title: string
  readonly field: "when" | "input"
  readonly source: string
  readonly payload: unknown
  readonly headers: ReadonlyMap<string, string>
  readonly subject: string
  readonly trigger: string
  readonly expected: unknown
}

const page = readFileSync(new URL("../../../docs/expressions.md", import.meta.url), "utf8")

const examples = (): ReadonlyArray<Example> => {
  const out: Array<Example> = []
  for (const section of page.split("\n#### ").slice(1)) {
    const title = section.slice(0, section.indexOf("\n"))
    const tokens = section.matchAll(
      /```cel (when|input)\n([\s\S]*?)\n```|```json (payload|result)\n([\s\S]*?)\n```|^Result: `(true|false)`$|^Headers: `([^:`]+): ([^`]*)`$|^Subject: `([^`]+)`, trigger: `([^`]+)`$/gm,
    )
    type Pending = { -readonly [K in keyof Example]?: Example[K] } & { headers: Map<string, string> }
    let pending: Pending = { headers: new Map() }
    for (const t of tokens) {
      if (t[1] !== undefined) pending = { ...pending, title, field: t[1] as "when" | "input", source: t[2]! }
      else if (t[3] === "payload") pending.payload = JSON.parse(t[4]!)
      else if (t[6] !== undefined) pending.headers.set(t[6], t[7]!)
      else if (t[8] !== undefined) pending = { ...pending, subject: t[8], trigger: t[9]! }
      else {
        const expected = t[3] === "result" ? JSON.parse(t[4]!) : t[5] === "true"
        out.push({ subject: "event.webhook.docs", trigger: "docs", ...pending, expected } as Example)
        pending = { headers: new Map() }
      }
    }
  }
  return out
}

describe("docs/expressions.md", () => {
  const all = examples()

  test("the page has a dozen examples or more, each with its payload and result", () => {
    expect(all.length).toBeGreaterThanOrEqual(12)
    for (const e of all) expect([e.title, e.source, e.payload !== undefined]).toStrictEqual([e.title, e.source, true])
  })

  for (const e of examples()) {
    test(`example "${e.title}" (${e.field}) gives ${JSON.stringify(e.expected)}`, () => {
      expect(expressionProblem(e.field, e.source)).toBeUndefined()
      const compiled = compileExpression(e.field, e.source)
      if (!compiled.ok) throw new Error(compiled.error)
      const vars = expressionVars(e.payload, e.headers, e.subject)
      if (e.field === "when") {
        const r = evaluateWhen(compiled.program, vars, e.trigger)
        expect(r).toStrictEqual(e.expected === true ? { matched: true } : { matched: false, detail: "when was false" })
      } else {
        expect(evaluateInput(compiled.program, vars, e.trigger)).toStrictEqual({ ok: true, input: e.expected })
      }
    })
  }
})
