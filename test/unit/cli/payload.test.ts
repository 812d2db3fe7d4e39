// Proves where `event publish` takes its payload from, and that piped stdin is never silently dropped;
// and that a JSON argument (`--payload`, `--input`) may be `@FILE` or `-` (stdin), as curl's `-d` is.
import { describe, expect, test } from "vitest"
import { argumentText, jsonValue, parseJsonText, payloadText, type PayloadIo } from "../../../src/cli/payload.js"

const names = { argName: "the JSON argument", fileFlag: "--file", fallback: "{}" } as const
interface Fake {
  readonly quietStdin?: boolean
  readonly stdin?: string
  readonly files?: Record<string, string>
}
const io = (o: Fake = {}): PayloadIo => ({
  stdinIsEmptyByNature: () => o.quietStdin ?? true,
  readStdin: () => {
    if (o.stdin === undefined) throw new Error("stdin read")
    return o.stdin
  },
  readFile: (path) => {
    const text = o.files?.[path]
    if (text === undefined) throw Object.assign(new Error("ENOENT"), { code: "ENOENT" })
    return text
  },
})

describe("payload source", () => {
  test("payload - the argument, --file F and --file - each give their text", () => {
    expect(payloadText('{"a":1}', undefined, names, io())).toStrictEqual({ ok: true, text: '{"a":1}', from: "payload" })
    const file = payloadText(undefined, "p.json", names, io({ files: { "p.json": "[1]" } }))
    expect(file).toStrictEqual({ ok: true, text: "[1]", from: "--file p.json" })
    const stdin = payloadText(undefined, "-", names, io({ stdin: '{"s":1}' }))
    expect(stdin).toStrictEqual({ ok: true, text: '{"s":1}', from: "--file -" })
  })

  test("payload - nothing given: {} when stdin is a terminal or /dev/null, refused (unread) for a pipe or file", () => {
    const quiet = payloadText(undefined, undefined, names, io({ quietStdin: true }))
    expect(quiet).toStrictEqual({ ok: true, text: "{}", from: "payload" })
    const refused = payloadText(undefined, undefined, names, io({ quietStdin: false }))
    expect(refused.ok).toBe(false)
    expect(!refused.ok && refused.message).toContain("use --file -")
  })

  test("payload - both an argument and --file, or a missing file, are refused naming the flag", () => {
    expect(payloadText("{}", "p.json", names, io())).toStrictEqual({
      ok: false,
      message: "give the payload as the JSON argument or with --file, not both",
    })
    expect(payloadText(undefined, "nope.json", names, io())).toStrictEqual({
      ok: false,
      message: "--file: cannot read nope.json: no such file",
    })
  })
})

describe("JSON arguments from files and stdin", () => {
  test("json argument - JSON text is itself; @FILE reads the file; - and @- read stdin; each named by flag and file", () => {
    const files = io({ files: { "p.json": '{"f":1}' }, stdin: '{"s":1}' })
    expect(argumentText('{"a":1}', "--payload", files)).toStrictEqual({ ok: true, text: '{"a":1}', from: "--payload" })
    expect(argumentText("@p.json", "--payload", files)).toStrictEqual({
      ok: true,
      text: '{"f":1}',
      from: "--payload @p.json",
    })
    expect(argumentText("-", "--input", files)).toStrictEqual({ ok: true, text: '{"s":1}', from: "--input -" })
    expect(argumentText("@-", "--input", files)).toStrictEqual({ ok: true, text: '{"s":1}', from: "--input @-" })
  })

  test("json argument - a missing file or unreadable stdin is refused naming the flag and the file", () => {
    expect(argumentText("@nope.json", "--payload", io())).toStrictEqual({
      ok: false,
      message: "--payload @nope.json: cannot read nope.json: no such file",
    })
    expect(argumentText("-", "--input", io())).toStrictEqual({
      ok: false,
      message: "--input -: cannot read stdin: stdin read",
    })
  })

  test("json argument - text that is not JSON, or nests too deep, is refused naming where it came from", () => {
    expect(parseJsonText("[1", "--payload @p.json")).toStrictEqual({
      ok: false,
      message: "--payload @p.json: must be valid JSON",
    })
    expect(parseJsonText("[".repeat(65) + "]".repeat(65), "--input -")).toStrictEqual({
      ok: false,
      message: "--input -: must not nest deeper than 64 levels",
    })
    expect(parseJsonText(' {"a":[1]}\n', "--input")).toStrictEqual({ ok: true, value: { a: [1] } })
  })

  test("json argument - event publish's payload argument may be @FILE or -, named as given", () => {
    const sources = io({ files: { "e.json": "[2]" }, stdin: "[3]" })
    expect(payloadText("@e.json", undefined, names, sources)).toStrictEqual({ ok: true, text: "[2]", from: "@e.json" })
    expect(payloadText("-", undefined, names, sources)).toStrictEqual({ ok: true, text: "[3]", from: "-" })
    expect(payloadText("@x.json", undefined, names, io())).toStrictEqual({
      ok: false,
      message: "@x.json: cannot read x.json: no such file",
    })
  })
  test("lean json - jsonValue gives any JSON value (null, 0, false too), undefined for text that is not JSON", () => {
    expect([jsonValue('{"a":[1]}'), jsonValue("null"), jsonValue("0"), jsonValue("false")]).toStrictEqual([
      { a: [1] },
      null,
      0,
      false,
    ])
    expect([jsonValue(""), jsonValue("{"), jsonValue("opened"), jsonValue("\ufeff{}")]).toStrictEqual([
      undefined,
      undefined,
      undefined,
      undefined,
    ])
  })
})
