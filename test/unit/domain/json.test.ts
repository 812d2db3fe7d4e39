// The one JSON reading outside the CLI's lean start: a value, or None for text that is not JSON.
import { describe, expect, it } from "vitest"
import { Option } from "effect"
import { parseJson, parseJsonBytes } from "../../../src/domain/json.js"

const bytes = (s: string) => new TextEncoder().encode(s)

describe("json", () => {
  it("parseJson - JSON text of every kind is Some of its value", () => {
    expect(parseJson('{"a":[1,"x",null]}')).toEqual(Option.some({ a: [1, "x", null] }))
    expect(parseJson("0")).toEqual(Option.some(0))
    expect(parseJson("null")).toEqual(Option.some(null))
    expect(parseJson(' "s" ')).toEqual(Option.some("s"))
  })

  it("parseJson - empty text, a bare word, trailing garbage and a leading BOM are None", () => {
    expect(parseJson("")).toEqual(Option.none())
    expect(parseJson("opened")).toEqual(Option.none())
    expect(parseJson('{"a":1} x')).toEqual(Option.none())
    expect(parseJson("\ufeff{}")).toEqual(Option.none())
  })

  it("parseJson - __proto__ stays an own property of the parsed object", () => {
    const v = Option.getOrThrow(parseJson('{"__proto__":{"x":1}}')) as Record<string, unknown>
    expect(Object.keys(v)).toEqual(["__proto__"])
    expect(({} as Record<string, unknown>).x).toBeUndefined()
  })

  it("parseJsonBytes - UTF-8 JSON is Some; a leading BOM is dropped; a malformed byte in a string is U+FFFD", () => {
    expect(parseJsonBytes(bytes('{"a":"é"}'))).toEqual(Option.some({ a: "é" }))
    expect(parseJsonBytes(new Uint8Array([0xef, 0xbb, 0xbf, 0x31]))).toEqual(Option.some(1))
    expect(parseJsonBytes(new Uint8Array([0x22, 0xff, 0x22]))).toEqual(Option.some("\ufffd"))
  })

  it("parseJsonBytes - no bytes and bytes that are not JSON are None", () => {
    expect(parseJsonBytes(new Uint8Array([]))).toEqual(Option.none())
    expect(parseJsonBytes(bytes("{"))).toEqual(Option.none())
    expect(parseJsonBytes(new Uint8Array([0x7b, 0xff, 0x7d]))).toEqual(Option.none())
  })
})
