// Proves W3C traceparent handling: valid headers are kept (same trace id), invalid or missing ones start a new valid trace.
import { describe, expect, test } from "vitest"
import { continueOrStart, newTraceParent, parseTraceParent } from "../../../src/domain/traceparent.js"

const valid = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
const VALID_SHAPE = /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/

describe("parseTraceParent", () => {
  test("a version 00 header gives its trace id, span id and flags", () => {
    expect(parseTraceParent(valid)).toStrictEqual({
      traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
      spanId: "00f067aa0ba902b7",
      flags: "01",
    })
  })
  test("a future version with extra fields is read by its first four fields", () => {
    expect(parseTraceParent("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00-extra")?.traceId).toBe(
      "4bf92f3577b34da6a3ce929d0e0e4736",
    )
  })
  test.each([
    ["missing", undefined],
    ["empty", ""],
    ["upper-case hex", valid.toUpperCase()],
    ["all-zero trace id", "00-00000000000000000000000000000000-00f067aa0ba902b7-01"],
    ["all-zero span id", "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01"],
    ["version ff", "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"],
    ["version 00 with an extra field", `${valid}-x`],
    ["short trace id", "00-4bf92f3577b34da6a3ce929d0e0e47-00f067aa0ba902b7-01"],
    ["not a traceparent", "hello"],
  ])("%s is invalid", (_, header) => {
    expect(parseTraceParent(header)).toBeUndefined()
  })
})

test("newTraceParent - a sampled version 00 header from the random source; an all-zero draw is made non-zero", () => {
  expect(newTraceParent()).toMatch(VALID_SHAPE)
  const zeros = newTraceParent((n) => new Uint8Array(n))
  expect(zeros).toBe("00-00000000000000000000000000000001-0000000000000001-01")
  expect(parseTraceParent(zeros)).toBeDefined()
  // The trace id is the draw's first 16 bytes, the span id its next 8.
  const counting = newTraceParent((n) => Uint8Array.from({ length: n }, (_, i) => i + 1))
  expect(counting).toBe("00-0102030405060708090a0b0c0d0e0f10-1112131415161718-01")
  const pool = Uint8Array.from({ length: 40 }, (_, i) => 255 - i)
  expect(newTraceParent((n) => pool.subarray(8, 8 + n))).toBe(
    `00-${Buffer.from(pool.subarray(8, 24)).toString("hex")}-${Buffer.from(pool.subarray(24, 32)).toString("hex")}-01`,
  )
})

test("continueOrStart - keeps a valid header and starts a new trace for an invalid one", () => {
  expect(continueOrStart(valid)).toBe(valid)
  const fresh = continueOrStart("garbage")
  expect(fresh).toMatch(VALID_SHAPE)
  expect(fresh).not.toContain("garbage")
})
