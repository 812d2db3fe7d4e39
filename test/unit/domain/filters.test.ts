// Proves trigger filters (SPEC §4): JSON value equality on payload paths, case-insensitive headers, all must hold, first failure reported.
import { expect, test } from "vitest"
import { compileFilters, evaluateFilters, type Filter, type HeaderLookup } from "../../../src/domain/filters.js"

const payload = {
  action: "opened",
  number: 42,
  id_string: "42",
  draft: false,
  flag_string: "true",
  merged_at: null,
  null_string: "null",
  pull_request: { head: { ref: "feature/x" }, labels: [{ name: "bug" }, { name: "urgent" }] },
  commits: ["a1", "b2"],
  meta: { a: 1, b: [1, 2], c: { d: "e" } },
  title: "x".repeat(100),
}

/** Headers as Node delivers them: lowercase names. */
const headersOf =
  (headers: Record<string, string>): HeaderLookup =>
  (name) =>
    headers[name]

const noHeaders: HeaderLookup = () => undefined
const githubHeaders = headersOf({ "x-github-event": "pull_request", "content-type": "application/json" })

const field = (path: string, value: string): Filter => ({ field: path, value })
const header = (name: string, value: string): Filter => ({ header: name, value })

test("filters - no filters always match", () => {
  expect(evaluateFilters([], payload, noHeaders)).toEqual({ matched: true })
  expect(evaluateFilters([], undefined, noHeaders)).toEqual({ matched: true })
})

test.each([
  ["action", "opened", "a plain string value that is not JSON"],
  ["action", '"opened"', "a JSON string"],
  ["number", "42", "a JSON number"],
  ["number", "42.0", "a JSON number written differently"],
  ["number", " 42 ", "JSON with surrounding whitespace"],
  ["id_string", '"42"', "a JSON string of digits"],
  ["draft", "false", "a JSON boolean"],
  ["merged_at", "null", "JSON null"],
  ["pull_request.head.ref", "feature/x", "a nested path"],
  ["pull_request.labels.1.name", "urgent", "an array index inside a path"],
  ["commits.0", "a1", "an array element"],
  ["commits", '["a1","b2"]', "a whole array"],
  ["meta", '{"c":{"d":"e"},"b":[1,2],"a":1}', "an object, key order irrelevant"],
  ["meta.c", '{ "d" : "e" }', "an object with whitespace"],
])("filters - field %j matches filter value %j (%s)", (path, value) => {
  expect(evaluateFilters([field(path, value)], payload, noHeaders)).toEqual({ matched: true })
})

test.each([
  ["action", "closed", `field "action" is "opened", want "closed"`],
  ["action", "Opened", `field "action" is "opened", want "Opened"`],
  ["number", "43", `field "number" is 42, want 43`],
  // A value that parses as JSON is compared as JSON: the number 42 is not the string "42".
  ["id_string", "42", `field "id_string" is "42", want 42`],
  ["number", '"42"', `field "number" is 42, want "42"`],
  ["flag_string", "true", `field "flag_string" is "true", want true`],
  ["null_string", "null", `field "null_string" is "null", want null`],
  ["draft", "true", `field "draft" is false, want true`],
  ["draft", "0", `field "draft" is false, want 0`],
  ["merged_at", "false", `field "merged_at" is null, want false`],
  ["merged_at", "", `field "merged_at" is null, want ""`],
  ["commits", '["b2","a1"]', `field "commits" is ["a1","b2"], want ["b2","a1"]`],
  ["commits", '["a1"]', `field "commits" is ["a1","b2"], want ["a1"]`],
  ["meta", '{"a":1,"b":[1,2]}', `field "meta" is {"a":1,"b":[1,2],"c":{"d":"e"}}, want {"a":1,"b":[1,2]}`],
  ["meta.c", '{"d":"e","f":1}', `field "meta.c" is {"d":"e"}, want {"d":"e","f":1}`],
  ["meta.b", '{"0":1,"1":2}', `field "meta.b" is [1,2], want {"0":1,"1":2}`],
  ["pull_request.labels.0.name", "urgent", `field "pull_request.labels.0.name" is "bug", want "urgent"`],
])("filters - field %j does not match filter value %j", (path, value, reason) => {
  const filter = field(path, value)
  expect(evaluateFilters([filter], payload, noHeaders)).toEqual({ matched: false, failed: filter, reason })
})

test.each([
  ["pull_request.head.sha", "abc"],
  ["pull_request.labels.5.name", "bug"],
  ["action.length", "6"],
  ["missing", "null"],
  ["missing", ""],
  ["commits.x", "a1"],
  ["", "x"],
])("filters - a missing field %j never matches, not even %j", (path, value) => {
  const filter = field(path, value)
  expect(evaluateFilters([filter], payload, noHeaders)).toEqual({
    matched: false,
    failed: filter,
    reason: `field ${JSON.stringify(path)} is missing`,
  })
})

test("filters - a field filter on a payload that is not an object reports the field missing", () => {
  const filter = field("action", "opened")
  for (const body of [undefined, null, "opened", 42, ["opened"]]) {
    expect(evaluateFilters([filter], body, noHeaders)).toEqual({
      matched: false,
      failed: filter,
      reason: 'field "action" is missing',
    })
  }
})

test("filters - header names match case-insensitively", () => {
  for (const name of ["X-GitHub-Event", "x-github-event", "X-GITHUB-EVENT"]) {
    expect(evaluateFilters([header(name, "pull_request")], {}, githubHeaders)).toEqual({ matched: true })
  }
})

test("filters - the header lookup is called with the lowercase name", () => {
  const asked: Array<string> = []
  evaluateFilters([header("X-GitHub-Event", "push")], {}, (name) => {
    asked.push(name)
    return undefined
  })
  expect(asked).toEqual(["x-github-event"])
})

test.each([
  ["Pull_Request", `header "x-github-event" is "pull_request", want "Pull_Request"`],
  ["push", `header "x-github-event" is "pull_request", want "push"`],
  ["pull_request ", `header "x-github-event" is "pull_request", want "pull_request "`],
  ['"pull_request"', `header "x-github-event" is "pull_request", want "\\"pull_request\\""`],
])("filters - header values compare exactly as strings: %j does not match", (value, reason) => {
  const filter = header("X-GitHub-Event", value)
  expect(evaluateFilters([filter], {}, githubHeaders)).toEqual({ matched: false, failed: filter, reason })
})

test("filters - a header value is never parsed as JSON", () => {
  const headers = headersOf({ "x-count": "42" })
  expect(evaluateFilters([header("X-Count", "42")], {}, headers)).toEqual({ matched: true })
  expect(evaluateFilters([header("X-Count", "42.0")], {}, headers).matched).toBe(false)
})

test("filters - a missing header fails naming it", () => {
  const filter = header("X-GitHub-Event", "push")
  expect(evaluateFilters([filter], payload, noHeaders)).toEqual({
    matched: false,
    failed: filter,
    reason: 'header "x-github-event" is missing',
  })
})

test("filters - an empty header value matches an empty filter value and is not missing", () => {
  const headers = headersOf({ "x-empty": "" })
  expect(evaluateFilters([header("X-Empty", "")], {}, headers)).toEqual({ matched: true })
  expect(evaluateFilters([header("X-Empty", "x")], {}, headers)).toMatchObject({
    reason: 'header "x-empty" is "", want "x"',
  })
})

test("filters - several filters all hold", () => {
  const filters = [
    field("action", "opened"),
    field("pull_request.head.ref", "feature/x"),
    field("number", "42"),
    field("draft", "false"),
    header("X-GitHub-Event", "pull_request"),
  ]
  expect(evaluateFilters(filters, payload, githubHeaders)).toEqual({ matched: true })
})

test("filters - the first failing filter of several is reported, in definition order", () => {
  const first = field("number", "7")
  const second = header("X-GitHub-Event", "push")
  const filters = [field("action", "opened"), first, second]
  expect(evaluateFilters(filters, payload, githubHeaders)).toEqual({
    matched: false,
    failed: first,
    reason: 'field "number" is 42, want 7',
  })
  expect(evaluateFilters([field("action", "opened"), second, first], payload, githubHeaders)).toEqual({
    matched: false,
    failed: second,
    reason: 'header "x-github-event" is "pull_request", want "push"',
  })
})

test("filters - the failed filter is the very object that was passed in", () => {
  const filter = field("action", "closed")
  const outcome = evaluateFilters([filter], payload, noHeaders)
  expect(outcome.matched === false && outcome.failed).toBe(filter)
})

test("filters - quoted values in reasons are truncated to 64 characters", () => {
  const outcome = evaluateFilters([field("title", "short")], payload, noHeaders)
  const quoted = `"${"x".repeat(62)}…`
  expect(quoted).toHaveLength(64)
  expect(outcome).toMatchObject({ reason: `field "title" is ${quoted}, want "short"` })
  const long = "y".repeat(80)
  const wanting = evaluateFilters([field("action", long)], payload, noHeaders)
  expect(wanting).toMatchObject({ reason: `field "action" is "opened", want "${"y".repeat(62)}…` })
})

test("filters - truncation does not split a surrogate pair", () => {
  // 61 ASCII characters after the quote, then an emoji straddling the cut.
  const value = `${"a".repeat(61)}😀${"b".repeat(10)}`
  const outcome = evaluateFilters([field("v", "x")], { v: value }, noHeaders)
  expect(outcome).toMatchObject({ reason: `field "v" is "${"a".repeat(61)}…, want "x"` })
})

test("filters - a compiled filter list gives the same outcomes over many payloads", () => {
  const check = compileFilters([field("action", "opened"), field("number", "42")])
  expect(check(payload, noHeaders)).toEqual({ matched: true })
  expect(check({ action: "opened", number: 42 }, noHeaders)).toEqual({ matched: true })
  expect(check({ action: "opened", number: "42" }, noHeaders)).toMatchObject({
    matched: false,
    reason: 'field "number" is "42", want 42',
  })
  expect(check({ action: "closed" }, noHeaders)).toMatchObject({
    matched: false,
    reason: 'field "action" is "closed", want "opened"',
  })
  expect(check({ action: "opened" }, noHeaders)).toMatchObject({ matched: false, reason: 'field "number" is missing' })
})

test("filters - compiling parses each filter value once, not per event", () => {
  const parse = JSON.parse
  let calls = 0
  JSON.parse = ((text: string, reviver?: (this: unknown, key: string, value: unknown) => unknown) => {
    calls++
    return parse(text, reviver)
  }) as typeof JSON.parse
  try {
    const check = compileFilters([field("number", "42"), field("action", "opened")])
    const afterCompile = calls
    for (let i = 0; i < 100; i++) check(payload, noHeaders)
    expect(afterCompile).toBe(2)
    expect(calls).toBe(afterCompile)
  } finally {
    JSON.parse = parse
  }
})
