// Proves the pure trace rules: which OTEL_* variables turn export on and where it goes, and how a
// W3C traceparent is read (malformed ones are ignored) and written.
import { describe, expect, test } from "vitest"
import { Tracer } from "effect"
import { parseKeyValues, traceSetting } from "../../../src/config/otel-env.js"
import { parentFrom, traceparentOf } from "../../../src/telemetry/trace-context.js"

const on = (env: Record<string, string>) => {
  const s = traceSetting(env, "1.2.3")
  if (s._tag !== "On") throw new Error("expected tracing on")
  return s
}

describe("telemetry", () => {
  test("telemetry - traces are off without an endpoint, with OTEL_SDK_DISABLED=true and with OTEL_TRACES_EXPORTER=none", () => {
    expect(traceSetting({}, "1")).toEqual({ _tag: "Off" })
    expect(traceSetting({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318", OTEL_SDK_DISABLED: "true" }, "1")).toEqual({
      _tag: "Off",
    })
    expect(traceSetting({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318", OTEL_TRACES_EXPORTER: "none" }, "1")).toEqual({
      _tag: "Off",
    })
  })

  test("telemetry - the base endpoint gets /v1/traces; the traces endpoint is used as given", () => {
    expect(on({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318/" }).config.url).toBe("http://c:4318/v1/traces")
    expect(
      on({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318", OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://t:1/x" }).config
        .url,
    ).toBe("http://t:1/x")
  })

  test("telemetry - protocol defaults to http/protobuf; http/json selects JSON; grpc is warned about", () => {
    expect(on({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c" }).config.encoding).toBe("protobuf")
    expect(
      on({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c", OTEL_EXPORTER_OTLP_PROTOCOL: "http/json" }).config.encoding,
    ).toBe("json")
    const grpc = on({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c", OTEL_EXPORTER_OTLP_PROTOCOL: "grpc" })
    expect(grpc.config.encoding).toBe("protobuf")
    expect(grpc.warnings).toEqual([
      "OTEL_EXPORTER_OTLP_PROTOCOL grpc is not supported: exporting traces with http/protobuf",
    ])
  })

  test("telemetry - service name from OTEL_SERVICE_NAME, else OTEL_RESOURCE_ATTRIBUTES, else dagnats; headers are decoded", () => {
    expect(on({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c" }).config).toMatchObject({
      serviceName: "dagnats",
      serviceVersion: "1.2.3",
    })
    expect(
      on({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c", OTEL_RESOURCE_ATTRIBUTES: "service.name=a,service.version=9" })
        .config,
    ).toMatchObject({
      serviceName: "a",
      serviceVersion: "9",
    })
    expect(
      on({
        OTEL_EXPORTER_OTLP_ENDPOINT: "http://c",
        OTEL_SERVICE_NAME: "b",
        OTEL_RESOURCE_ATTRIBUTES: "service.name=a",
      }).config.serviceName,
    ).toBe("b")
    expect(parseKeyValues("api-key=a%20b, x=1,bad,=y")).toEqual({ "api-key": "a b", x: "1" })
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
