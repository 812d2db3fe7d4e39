// Proves dot-path reads into JSON payloads: objects, array indexes, and every way a path is not found.
import { expect, test } from "vitest"
import { compilePath, isValidPath, MAX_PATH_LENGTH, MAX_PATH_TOKENS, readPath } from "../../../src/domain/json-path.js"

const payload = {
  action: "opened",
  number: 42,
  draft: false,
  merged_at: null,
  pull_request: { head: { ref: "feature/x", sha: "abc" } },
  items: [{ id: "first" }, { id: "second" }],
  matrix: [
    [1, 2],
    [3, 4],
  ],
  byIndex: { "0": "zero", "01": "zero-one" },
  empty: {},
}

test.each([
  ["action", "opened"],
  ["number", 42],
  ["draft", false],
  ["merged_at", null],
  ["pull_request.head.ref", "feature/x"],
  ["pull_request.head", { ref: "feature/x", sha: "abc" }],
  ["items.0.id", "first"],
  ["items.1.id", "second"],
  ["items.1", { id: "second" }],
  ["matrix.1.0", 3],
  ["byIndex.0", "zero"],
  ["byIndex.01", "zero-one"],
  ["empty", {}],
])("json path - %j reads %j", (path, value) => {
  expect(readPath(payload, path)).toEqual({ found: true, value })
})

test.each([
  ["missing", "a missing key"],
  ["pull_request.base", "a missing nested key"],
  ["pull_request.head.ref.x", "a step into a string"],
  ["number.x", "a step into a number"],
  ["draft.x", "a step into a boolean"],
  ["merged_at.x", "a step into null"],
  ["items.2", "an index out of range"],
  ["items.2.id", "a step past the end"],
  ["items.-1", "a negative index"],
  ["items.01", "a non-canonical index"],
  ["items.1.0", "a numeric key missing on an object"],
  ["items.length", "a non-numeric token on an array"],
  ["items.id", "a property name on an array"],
  ["byIndex.1", "a numeric key missing on an object"],
  ["action.length", "a string's length"],
  ["constructor", "an inherited property"],
  ["toString", "an inherited method"],
  ["__proto__", "the prototype"],
])("json path - %j is not found (%s)", (path) => {
  expect(readPath(payload, path)).toEqual({ found: false })
})

test("json path - reads own `__proto__` keys from parsed JSON, never the prototype", () => {
  const parsed: unknown = JSON.parse('{"__proto__":{"x":1}}')
  expect(readPath(parsed, "__proto__.x")).toEqual({ found: true, value: 1 })
  expect(readPath({}, "__proto__")).toEqual({ found: false })
})

test("json path - any path into a primitive or absent root is not found", () => {
  for (const root of [undefined, null, 1, "s", true]) {
    expect(readPath(root, "a")).toEqual({ found: false })
  }
})

test("json path - a numeric path reads an array root", () => {
  expect(readPath(["a", "b"], "1")).toEqual({ found: true, value: "b" })
})

test("json path - an invalid path never finds anything", () => {
  expect(readPath({ "": 1 }, "")).toEqual({ found: false })
  expect(readPath({ a: { "": 1 } }, "a.")).toEqual({ found: false })
  expect(readPath({ a: { "": { b: 1 } } }, "a..b")).toEqual({ found: false })
})

test("json path - a compiled path reads many payloads", () => {
  const read = compilePath("pull_request.head.ref")
  expect(read(payload)).toEqual({ found: true, value: "feature/x" })
  expect(read({ pull_request: { head: { ref: "main" } } })).toEqual({ found: true, value: "main" })
  expect(read({})).toEqual({ found: false })
})

test.each([
  "a",
  "a.b",
  "items.0.id",
  "with space",
  "a-b_c",
  "x".repeat(MAX_PATH_LENGTH),
  Array(MAX_PATH_TOKENS).fill("a").join("."),
])("json path - %j is a valid path", (path) => {
  expect(isValidPath(path)).toBe(true)
})

test.each([
  ["", "empty"],
  [".", "only a separator"],
  [".a", "leading empty token"],
  ["a.", "trailing empty token"],
  ["a..b", "empty middle token"],
  ["x".repeat(MAX_PATH_LENGTH + 1), "over 256 characters"],
  [
    Array(MAX_PATH_TOKENS + 1)
      .fill("a")
      .join("."),
    "over 32 tokens",
  ],
])("json path - %j is not a valid path (%s)", (path) => {
  expect(isValidPath(path)).toBe(false)
})

test("json path - limits are 32 tokens and 256 characters", () => {
  expect(MAX_PATH_TOKENS).toBe(32)
  expect(MAX_PATH_LENGTH).toBe(256)
})
