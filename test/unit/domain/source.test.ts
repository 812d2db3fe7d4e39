// Proves the run input of a KV change (SPEC §12): `{bucket, key, op, revision, value}` with the JSON
// value, the text when it is not JSON, no value on delete; DEL and PURGE markers are deletes.
import { expect, test } from "vitest"
import { kvChange, kvOpOf, sourceRef } from "../../../src/domain/source.js"

const bytes = (s: string) => new TextEncoder().encode(s)

test("source - a put's value is its JSON, or its text when it is not JSON", () => {
  expect(kvChange({ bucket: "b", key: "k", op: "put", revision: 3, data: bytes('{"on":true}') })).toStrictEqual({
    bucket: "b",
    key: "k",
    op: "put",
    revision: 3,
    value: { on: true },
  })
  expect(kvChange({ bucket: "b", key: "k", op: "put", revision: 4, data: bytes("plain") })).toStrictEqual({
    bucket: "b",
    key: "k",
    op: "put",
    revision: 4,
    value: "plain",
  })
})

test("source - a delete has no value", () => {
  expect(kvChange({ bucket: "b", key: "k", op: "delete", revision: 5, data: bytes("") })).toStrictEqual({
    bucket: "b",
    key: "k",
    op: "delete",
    revision: 5,
  })
})

test("source - the KV-Operation header DEL and PURGE are deletes, none is a put", () => {
  expect([kvOpOf("DEL"), kvOpOf("PURGE"), kvOpOf(undefined)]).toStrictEqual(["delete", "delete", "put"])
})

test("source - a KV source takes both operations unless it names them", () => {
  expect(sourceRef({ kv: "b" })).toStrictEqual({ kind: "kv", bucket: "b", ops: ["put", "delete"] })
  expect(sourceRef({ kv: "b", ops: ["delete"] })).toStrictEqual({ kind: "kv", bucket: "b", ops: ["delete"] })
  expect(sourceRef({ stream: "S" })).toStrictEqual({ kind: "stream", stream: "S" })
  expect(sourceRef(undefined)).toBeUndefined()
})
