// Proves where `event publish` takes its payload from, and that piped stdin is never silently dropped.
import { describe, expect, test } from "vitest"
import { payloadText, type PayloadIo } from "../../../src/cli/payload.js"

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
