// Proves the pure trace rules: what the console exporter prints, and how a W3C traceparent is read
// (malformed ones are ignored) and written.
import { describe, expect, test } from "vitest"
import { Effect, Exit, Tracer } from "effect"
import { parentFrom, traceparentOf } from "../../../src/telemetry/trace-context.js"
import { consoleTracer } from "../../../src/telemetry/console.js"

describe("telemetry", () => {
  test("telemetry - a span printed by the console tracer is one JSON line with OpenTelemetry console exporter fields, its parent and its error", () => {
    const lines: Array<string> = []
    const tracer = consoleTracer(Tracer.nativeTracer, { serviceName: "dagnats", serviceVersion: "9" }, (l) =>
      lines.push(l),
    )
    const work = Effect.fail("boom").pipe(
      Effect.withSpan("child", { attributes: { n: 1, big: 2n } }),
      Effect.withSpan("parent", { kind: "server" }),
      Effect.provideService(Tracer.Tracer, tracer),
    )
    expect(Exit.isFailure(Effect.runSyncExit(work))).toBe(true)
    expect(lines.every((l) => l.endsWith("\n") && !l.slice(0, -1).includes("\n"))).toBe(true)
    const [child, parent] = lines.map((l) => JSON.parse(l))
    expect(parent).toMatchObject({
      resource: { attributes: { "service.name": "dagnats", "service.version": "9" } },
      name: "parent",
      kind: 1,
      status: { code: 2 },
    })
    expect(parent.parentId).toBeUndefined()
    expect(child).toMatchObject({ name: "child", kind: 0, traceId: parent.traceId, parentId: parent.id })
    expect(child.attributes).toEqual({ n: 1, big: "2" })
    expect(child.status.message).toMatch(/boom/)
    expect(typeof child.timestamp).toBe("number")
    expect(child.duration).toBeGreaterThanOrEqual(0)
  })

  test("telemetry - a valid traceparent becomes the remote parent; malformed, zero and ff-version ones are ignored", () => {
    const parent = parentFrom("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
    expect(parent).toMatchObject({
      _tag: "ExternalSpan",
      traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
      spanId: "00f067aa0ba902b7",
      sampled: true,
    })
    expect(parentFrom("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00")?.sampled).toBe(false)
    for (const bad of [
      undefined,
      "",
      "garbage",
      "00-" + "0".repeat(32) + "-00f067aa0ba902b7-01",
      "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
    ]) {
      expect(parentFrom(bad)).toBeUndefined()
    }
  })

  test("telemetry - traceparentOf writes version 00 with the span's ids and sampled flag", () => {
    const span = Tracer.externalSpan({ traceId: "a".repeat(32), spanId: "b".repeat(16), sampled: true })
    expect(traceparentOf(span)).toBe(`00-${"a".repeat(32)}-${"b".repeat(16)}-01`)
  })
})
