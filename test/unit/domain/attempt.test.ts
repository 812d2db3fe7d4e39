// Proves attempt, the lean start's effect-free Result.try: what the function returns, else what
// onThrow makes of the throw, and a throw from onThrow goes on to the caller.
import { expect, test } from "vitest"
import { attempt } from "../../../src/domain/attempt.js"

test("attempt - the function's value when it returns, onThrow untouched", () => {
  let called = false
  expect(
    attempt(
      () => JSON.parse('{"a":1}') as unknown,
      () => (called = true),
    ),
  ).toStrictEqual({ a: 1 })
  expect(called).toBe(false)
})

test("attempt - what onThrow makes of the thrown value when the function throws", () => {
  expect(
    attempt(
      () => JSON.parse("{") as unknown,
      (e) => (e instanceof SyntaxError ? "not JSON" : "other"),
    ),
  ).toBe("not JSON")
})

test("attempt - a throw from onThrow reaches the caller (a failure that is no answer stays one)", () => {
  const bug = new TypeError("bug")
  expect(() =>
    attempt(
      () => {
        throw bug
      },
      (e) => {
        throw e
      },
    ),
  ).toThrow(bug)
})
