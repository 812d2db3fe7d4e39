// Proves how stored event bytes become the payload filters and runs see: JSON as is, form bodies (with a JSON `payload` field) as objects, and exact errors for invalid UTF-8, empty and non-JSON bodies.
import { expect, test } from "vitest"
import { decodeEventPayload } from "../../../src/domain/event-payload.js"

const bytes = (s: string) => new TextEncoder().encode(s)

test("event payload - a JSON body decodes to its value, with or without a content type", () => {
  const body = '{"action":"opened","pull_request":{"head":{"ref":"main"}},"n":[1,2.5,true,null]}'
  const want = { action: "opened", pull_request: { head: { ref: "main" } }, n: [1, 2.5, true, null] }
  expect(decodeEventPayload(bytes(body), "application/json")).toStrictEqual({ ok: true, payload: want })
  expect(decodeEventPayload(bytes(body), "application/json; charset=utf-8")).toStrictEqual({ ok: true, payload: want })
  expect(decodeEventPayload(bytes(body), undefined)).toStrictEqual({ ok: true, payload: want })
})

test("event payload - JSON scalars and arrays are payloads too", () => {
  expect(decodeEventPayload(bytes("42"), undefined)).toStrictEqual({ ok: true, payload: 42 })
  expect(decodeEventPayload(bytes('"x"'), undefined)).toStrictEqual({ ok: true, payload: "x" })
  expect(decodeEventPayload(bytes("[1,{}]"), undefined)).toStrictEqual({ ok: true, payload: [1, {}] })
  expect(decodeEventPayload(bytes("null"), undefined)).toStrictEqual({ ok: true, payload: null })
})

test("event payload - a form body decodes to an object and its JSON payload field to JSON", () => {
  const payload = encodeURIComponent(JSON.stringify({ type: "block_actions", user: { id: "U1" } }))
  const body = `token=abc&team_id=T1&payload=${payload}&text=hello+world`
  expect(decodeEventPayload(bytes(body), "application/x-www-form-urlencoded")).toStrictEqual({
    ok: true,
    payload: {
      token: "abc",
      team_id: "T1",
      payload: { type: "block_actions", user: { id: "U1" } },
      text: "hello world",
    },
  })
})

test("event payload - a form content type with parameters and any case is still a form", () => {
  expect(decodeEventPayload(bytes("a=1"), "Application/X-WWW-Form-Urlencoded; charset=utf-8")).toStrictEqual({
    ok: true,
    payload: { a: "1" },
  })
})

test("event payload - invalid UTF-8 is an error, not a replacement character", () => {
  expect(decodeEventPayload(new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]), "application/json")).toStrictEqual({
    ok: false,
    error: "payload is not valid UTF-8",
    notJson: true,
  })
})

test("event payload - an empty or blank body is an error", () => {
  expect(decodeEventPayload(new Uint8Array(), "application/json")).toStrictEqual({
    ok: false,
    error: "payload is empty, not JSON",
    notJson: true,
  })
  expect(decodeEventPayload(bytes(" \n\t"), undefined)).toStrictEqual({
    ok: false,
    error: "payload is empty, not JSON",
    notJson: true,
  })
})

test("event payload - a body that is not JSON is an error", () => {
  expect(decodeEventPayload(bytes("hello"), "application/json")).toStrictEqual({
    ok: false,
    error: "payload is not valid JSON",
    notJson: true,
  })
  expect(decodeEventPayload(bytes('{"a":'), undefined)).toStrictEqual({
    ok: false,
    error: "payload is not valid JSON",
    notJson: true,
  })
  // Form-looking text without the form content type is not decoded as a form.
  expect(decodeEventPayload(bytes("a=1&b=2"), "application/json")).toStrictEqual({
    ok: false,
    error: "payload is not valid JSON",
    notJson: true,
  })
})

test("event payload - JSON nested 5,000 deep is an error naming the limit, decoded without a stack overflow", () => {
  const deep = "[".repeat(5_000) + "]".repeat(5_000)
  expect(decodeEventPayload(bytes(deep), "application/json")).toStrictEqual({
    ok: false,
    error: "payload nests deeper than 64 levels",
  })
  expect(decodeEventPayload(bytes(`{"a":${"[".repeat(63)}${"]".repeat(63)}}`), undefined)).toMatchObject({ ok: true })
})

test("event payload - a form body whose JSON payload field nests too deep is an error", () => {
  const body = `payload=${encodeURIComponent("[".repeat(100) + "]".repeat(100))}`
  expect(decodeEventPayload(bytes(body), "application/x-www-form-urlencoded")).toStrictEqual({
    ok: false,
    error: "payload nests deeper than 64 levels",
  })
})
