// Proves form-encoded (Slack) bodies decode to objects: strings, repeated keys as arrays, and a JSON `payload` field parsed.
import { expect, test } from "vitest"
import { decodeFormBody } from "../../../src/domain/form-body.js"

test("form body - decodes a slash command into strings", () => {
  const raw = "token=t0k&team_id=T1&command=%2Fdeploy&text=prod+now&response_url=https%3A%2F%2Fhooks.slack.com%2Fx"
  expect(decodeFormBody(raw)).toEqual({
    token: "t0k",
    team_id: "T1",
    command: "/deploy",
    text: "prod now",
    response_url: "https://hooks.slack.com/x",
  })
})

test("form body - a JSON `payload` field is replaced by its parsed JSON", () => {
  const payload = { type: "block_actions", user: { id: "U1" }, actions: [{ value: "approve" }] }
  const raw = `payload=${encodeURIComponent(JSON.stringify(payload))}`
  expect(decodeFormBody(raw)).toEqual({ payload })
})

test("form body - a `payload` field that is not JSON stays a string", () => {
  expect(decodeFormBody("payload=%7Bnot+json")).toEqual({ payload: "{not json" })
  expect(decodeFormBody("payload=")).toEqual({ payload: "" })
})

test("form body - only `payload` is parsed as JSON", () => {
  expect(decodeFormBody("count=42&flag=true&obj=%7B%7D")).toEqual({ count: "42", flag: "true", obj: "{}" })
  expect(decodeFormBody("payload=42")).toEqual({ payload: 42 })
})

test("form body - a repeated key becomes the array of its values in order", () => {
  expect(decodeFormBody("a=1&b=x&a=2&a=3")).toEqual({ a: ["1", "2", "3"], b: "x" })
})

test("form body - every repeated `payload` value is parsed on its own", () => {
  expect(decodeFormBody("payload=%7B%22a%22%3A1%7D&payload=nope")).toEqual({ payload: [{ a: 1 }, "nope"] })
})

test("form body - empty body, empty values and keys without `=`", () => {
  expect(decodeFormBody("")).toEqual({})
  expect(decodeFormBody("a=&b")).toEqual({ a: "", b: "" })
  expect(decodeFormBody("&&a=1&&")).toEqual({ a: "1" })
})

test("form body - a leading `?` is part of the first key, not stripped", () => {
  expect(decodeFormBody("?a=1")).toEqual({ "?a": "1" })
})

test("form body - `__proto__` is an own key and does not touch the prototype", () => {
  const decoded = decodeFormBody("__proto__=x&constructor=y")
  expect(Object.hasOwn(decoded, "__proto__")).toBe(true)
  expect(decoded["__proto__"]).toBe("x")
  expect(decoded["constructor"]).toBe("y")
  expect(Object.getPrototypeOf(decoded)).toBe(Object.prototype)
  expect(({} as Record<string, unknown>)["x"]).toBeUndefined()
})

test("form body - percent escapes and `+` decode, malformed escapes are kept", () => {
  expect(decodeFormBody("t=a%20b+c%2Bd&u=%E2%9C%93&bad=%zz")).toEqual({ t: "a b c+d", u: "✓", bad: "%zz" })
})
