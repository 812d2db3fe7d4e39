// Proves the bounded body reader: whole bodies up to the limit, PayloadTooLarge at the first byte over it without reading on, RequestAborted when the sender goes away.
import { describe, expect, it } from "vitest"
import { PassThrough, Readable } from "node:stream"
import { Effect, Exit, Option } from "effect"
import { readBody } from "../../../src/ingest/body.js"

const run = (stream: Readable, limit: number) => Effect.runPromiseExit(readBody(stream, limit))
const failureTag = (exit: Exit.Exit<Buffer, { _tag: string }>) =>
  Exit.isSuccess(exit)
    ? "success"
    : Option.match(Exit.findErrorOption(exit), { onNone: () => "defect", onSome: (e) => e._tag })

describe("ingest body", () => {
  it("ingest body - returns every byte of a body in several chunks, up to exactly the limit", async () => {
    const exit = await run(
      Readable.from([Buffer.from("héllo "), Buffer.from("wörld")]),
      Buffer.byteLength("héllo wörld"),
    )
    expect(Exit.isSuccess(exit) && exit.value.toString("utf8")).toBe("héllo wörld")
  })

  it("ingest body - an empty body is an empty buffer", async () => {
    const exit = await run(Readable.from([]), 10)
    expect(Exit.isSuccess(exit) && exit.value.length).toBe(0)
  })

  it("ingest body - fails with PayloadTooLarge once the limit is passed, and stops reading", async () => {
    const stream = new PassThrough()
    const pending = run(stream, 8)
    stream.write(Buffer.alloc(6))
    stream.write(Buffer.alloc(6))
    const exit = await pending
    expect(failureTag(exit)).toBe("PayloadTooLarge")
    expect(stream.isPaused()).toBe(true)
    expect(stream.listenerCount("data")).toBe(0)
  })

  it("ingest body - fails with RequestAborted when the stream closes before its end", async () => {
    const stream = new PassThrough()
    const pending = run(stream, 100)
    stream.write("partial")
    stream.destroy()
    expect(failureTag(await pending)).toBe("RequestAborted")
  })
})
