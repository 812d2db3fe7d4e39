// Proves the NATS subject syntax rules: valid patterns and literals, `event.>` containment, and matching semantics.
import { expect, test } from "vitest"
import {
  subjectProblem,
  isValidSubjectLiteral,
  isValidSubjectPattern,
  isWithinEvents,
  subjectMatches,
} from "../../../src/domain/subjects.js"

test.each(["a", "event.webhook.github", "event.*", "event.>", "*", ">", "*.*.>", "event.*.prod", "a-b_c.D9.ü"])(
  "subjects - %j is a valid pattern",
  (s) => {
    expect(isValidSubjectPattern(s)).toBe(true)
  },
)

test.each([
  ["", "empty"],
  [".", "empty tokens"],
  ["a.", "trailing empty token"],
  [".a", "leading empty token"],
  ["a..b", "empty middle token"],
  ["a b", "space"],
  ["a.\tb", "tab"],
  ["a\n", "newline"],
  ["a.b\r", "carriage return"],
  ["a*", "`*` inside a token"],
  ["*a.b", "`*` at the start of a token"],
  ["a.>b", "`>` inside a token"],
  ["a.>.b", "`>` not last"],
  [">.a", "`>` first of several"],
  ["a.>>", "doubled `>`"],
  ["a.**", "doubled `*`"],
])("subjects - %j is not a valid pattern (%s)", (s) => {
  expect(isValidSubjectPattern(s)).toBe(false)
})

test.each(["a", "event.webhook.github", "a.b.c.d.e.f", "x-1_y.Z"])("subjects - %j is a valid literal", (s) => {
  expect(isValidSubjectLiteral(s)).toBe(true)
})

test.each(["", "a.*", "a.>", "*", ">", "a*b", "a>b", "a..b", "a b", "a."])(
  "subjects - %j is not a valid literal",
  (s) => {
    expect(isValidSubjectLiteral(s)).toBe(false)
  },
)

test.each(["event.>", "event.*", "event.webhook.x", "event.*.>", "event.git.push", "event.a"])(
  "subjects - %j is within event.>",
  (s) => {
    expect(isWithinEvents(s)).toBe(true)
  },
)

test.each([
  "event",
  "*.x",
  ">",
  "*",
  "*.>",
  "events.x",
  "eventx.a",
  "Event.a",
  "event..a",
  "event.a b",
  "event.>.x",
  "",
])("subjects - %j is not within event.>", (s) => {
  expect(isWithinEvents(s)).toBe(false)
})

test.each([
  ["event.deploy.prod", "event.deploy.prod"],
  ["event.deploy.*", "event.deploy.prod"],
  ["event.*.prod", "event.deploy.prod"],
  ["*.*.*", "event.deploy.prod"],
  ["event.git.>", "event.git.push"],
  ["event.git.>", "event.git.push.main.x"],
  ["event.>", "event.a"],
  ["event.>", "event.a.b.c"],
  [">", "a"],
  [">", "a.b.c"],
  ["*.>", "a.b"],
  ["event.*.>", "event.a.b"],
])("subjects - %j matches %j", (pattern, subject) => {
  expect(subjectMatches(pattern, subject)).toBe(true)
})

test.each([
  ["event.deploy.prod", "event.deploy.staging"],
  ["event.deploy.prod", "event.deploy.prod.eu"],
  ["event.deploy.prod", "event.deploy"],
  ["event.deploy.*", "event.deploy.prod.eu"],
  ["event.deploy.*", "event.deploy"],
  ["event.git.>", "event.git"],
  ["event.git.>", "event.gitlab.push"],
  ["event.>", "event"],
  ["event.>", "events.a"],
  ["*.>", "a"],
  ["event.*.>", "event.a"],
  ["*", "a.b"],
  ["event.Deploy.prod", "event.deploy.prod"],
])("subjects - %j does not match %j", (pattern, subject) => {
  expect(subjectMatches(pattern, subject)).toBe(false)
})

test.each([
  ["event.>", "event.*", "a wildcard subject"],
  ["event.*", "event.>", "a wildcard subject"],
  ["event.a", "event..a", "an invalid subject"],
  ["event..a", "event..a", "an invalid pattern"],
  ["event.a>", "event.a>", "an invalid pattern"],
  ["", "", "empty strings"],
])("subjects - %j never matches %j (%s)", (pattern, subject) => {
  expect(subjectMatches(pattern, subject)).toBe(false)
})

test.each([
  ["event.gh.push", undefined],
  ["event.gh.a\u0001b", "control_characters"],
  ["event.gh.a\u007fb", "control_characters"],
  ["event.gh.a b", "control_characters"],
  ["event.gh.\u001b[31mred", "control_characters"],
  [`event.${"x".repeat(300)}`, "too_long"],
  ["", "empty_token"],
  ["event..gh", "empty_token"],
  ["event.gh.a*b", "wildcard"],
  ["event.gh.>", "wildcard"],
] as const)("subjects - the problem of %j is %s", (s, problem) => {
  expect(subjectProblem(s)).toBe(problem)
})

test("subjects - a subject has no problem exactly when it is a valid literal", () => {
  const samples = ["a", "event.x", "event.*", "a.>", "a..b", "", " ", "a\tb", "x".repeat(256), "x".repeat(257), "é.ü"]
  for (const s of samples)
    expect({ s, ok: subjectProblem(s) === undefined }).toStrictEqual({ s, ok: isValidSubjectLiteral(s) })
})
