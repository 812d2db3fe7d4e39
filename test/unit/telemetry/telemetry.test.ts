// Proves the pure trace rules: which OTEL_* variables turn export on and where it goes (OTLP, the
// console, a warning for what is not supported), what the console exporter prints, and how a W3C
// traceparent is read (malformed ones are ignored) and written.
import { describe, expect, test } from "vitest"
import { Effect, Exit, Tracer } from "effect"
import { parseKeyValues, traceSetting } from "../../../src/config/otel-env.js"
import { parentFrom, traceparentOf } from "../../../src/telemetry/trace-context.js"
import { consoleTracer } from "../../../src/telemetry/console.js"

const on = (env: Record<string, string>) => {
  const s = traceSetting(env, "1.2.3")
  if (s._tag !== "On") throw new Error("expected tracing on")
  return s
}

describe("telemetry", () => {
  test("telemetry - traces are off without an endpoint, with OTEL_SDK_DISABLED=true and with OTEL_TRACES_EXPORTER=none", () => {
    expect(traceSetting({}, "1")).toEqual({ _tag: "Off", warnings: [] })
    expect(traceSetting({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318", OTEL_SDK_DISABLED: "true" }, "1")).toEqual({
      _tag: "Off",
      warnings: [],
    })
    expect(traceSetting({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318", OTEL_TRACES_EXPORTER: "none" }, "1")).toEqual({
      _tag: "Off",
      warnings: [],
    })
  })

  test("telemetry - the base endpoint gets /v1/traces; the traces endpoint is used as given", () => {
    expect(on({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318/" }).otlp!.url).toBe("http://c:4318/v1/traces")
    expect(
      on({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318", OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://t:1/x" }).otlp!
        .url,
    ).toBe("http://t:1/x")
  })

  test("telemetry - protocol defaults to http/protobuf; http/json selects JSON; grpc is warned about", () => {
    expect(on({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c" }).otlp!.encoding).toBe("protobuf")
    expect(
      on({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c", OTEL_EXPORTER_OTLP_PROTOCOL: "http/json" }).otlp!.encoding,
    ).toBe("json")
    const grpc = on({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c", OTEL_EXPORTER_OTLP_PROTOCOL: "grpc" })
    expect(grpc.otlp!.encoding).toBe("protobuf")
    expect(grpc.warnings).toEqual([
      "OTEL_EXPORTER_OTLP_PROTOCOL grpc is not supported: exporting traces with http/protobuf",
    ])
  })

  test("telemetry - service name from OTEL_SERVICE_NAME, else OTEL_RESOURCE_ATTRIBUTES, else dagnats; headers are decoded", () => {
    expect(on({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c" }).otlp!).toMatchObject({
      serviceName: "dagnats",
      serviceVersion: "1.2.3",
    })
    expect(
      on({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c", OTEL_RESOURCE_ATTRIBUTES: "service.name=a,service.version=9" })
        .otlp!,
    ).toMatchObject({
      serviceName: "a",
      serviceVersion: "9",
    })
    expect(
      on({
        OTEL_EXPORTER_OTLP_ENDPOINT: "http://c",
        OTEL_SERVICE_NAME: "b",
        OTEL_RESOURCE_ATTRIBUTES: "service.name=a",
      }).otlp!.serviceName,
    ).toBe("b")
    expect(parseKeyValues("api-key=a%20b, x=1,bad,=y")).toEqual({ "api-key": "a b", x: "1" })
  })

  test("telemetry - OTEL_TRACES_EXPORTER=console prints spans without an endpoint; with otlp and an endpoint it does both", () => {
    expect(traceSetting({ OTEL_TRACES_EXPORTER: "console" }, "1.2.3")).toEqual({
      _tag: "On",
      otlp: undefined,
      console: { serviceName: "dagnats", serviceVersion: "1.2.3" },
      warnings: [],
    })
    const both = on({
      OTEL_TRACES_EXPORTER: "otlp,console",
      OTEL_EXPORTER_OTLP_ENDPOINT: "http://c",
      OTEL_SERVICE_NAME: "s",
    })
    expect([both.otlp?.url, both.console, both.warnings]).toEqual([
      "http://c/v1/traces",
      { serviceName: "s", serviceVersion: "1.2.3" },
      [],
    ])
    expect(on({ OTEL_TRACES_EXPORTER: "Console", OTEL_EXPORTER_OTLP_ENDPOINT: "http://c" }).otlp).toBeUndefined()
  })

  test("telemetry - an unsupported OTEL_TRACES_EXPORTER value is named in one warning listing otlp, console and none; otlp by name without an endpoint is said", () => {
    expect(traceSetting({ OTEL_TRACES_EXPORTER: "zipkin" }, "1")).toEqual({
      _tag: "Off",
      warnings: [
        "OTEL_TRACES_EXPORTER zipkin is not supported and is ignored: dagnats exports traces with otlp, console, none",
      ],
    })
    const mixed = on({ OTEL_TRACES_EXPORTER: "jaeger,console,zipkin" })
    expect(mixed.warnings).toEqual([
      "OTEL_TRACES_EXPORTER jaeger,zipkin is not supported and is ignored: dagnats exports traces with otlp, console, none",
    ])
    expect(mixed.console).toBeDefined()
    expect(traceSetting({ OTEL_TRACES_EXPORTER: "otlp" }, "1")).toEqual({
      _tag: "Off",
      warnings: ["OTEL_TRACES_EXPORTER otlp needs OTEL_EXPORTER_OTLP_ENDPOINT: not exporting traces over OTLP"],
    })
  })

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
