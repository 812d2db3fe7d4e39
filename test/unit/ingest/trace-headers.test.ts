// Proves stored webhook events always carry exactly one traceparent: a valid one (and its tracestate) as
// sent, else a new trace.
import { describe, expect, test } from "vitest"
import { headersToStore } from "../../../src/ingest/headers.js"

const valid = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
const VALID_SHAPE = /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/

describe("headersToStore - trace context on the stored webhook event", () => {
  const traceOf = (h: ReadonlyArray<readonly [string, string]>) =>
    h.filter(([n]) => n === "traceparent" || n === "tracestate")

  test("a valid traceparent and its tracestate are stored as sent", () => {
    expect(traceOf(headersToStore(["X-A", "1", "Traceparent", valid, "tracestate", "k=v"]))).toStrictEqual([
      ["traceparent", valid],
      ["tracestate", "k=v"],
    ])
  })
  test("no traceparent: a new one, and nothing else", () => {
    const h = headersToStore(["X-A", "1"])
    expect(h[0]).toStrictEqual(["X-A", "1"])
    expect(h).toHaveLength(2)
    expect(h[1]![0]).toBe("traceparent")
    expect(h[1]![1]).toMatch(VALID_SHAPE)
  })
  test("an invalid traceparent is replaced and its tracestate dropped", () => {
    const t = traceOf(headersToStore(["traceparent", "00-bad", "tracestate", "k=v"]))
    expect(t).toHaveLength(1)
    expect(t[0]![1]).toMatch(VALID_SHAPE)
  })
  test("two traceparent headers are invalid: one new trace is stored", () => {
    const other = "00-11111111111111111111111111111111-2222222222222222-01"
    const t = traceOf(headersToStore(["traceparent", valid, "traceparent", other]))
    expect(t).toHaveLength(1)
    expect(t[0]![1]).not.toBe(valid)
    expect(t[0]![1]).not.toBe(other)
  })
})
