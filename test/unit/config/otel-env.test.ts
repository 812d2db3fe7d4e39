// Proves which OTEL_* variables turn trace export on and where it goes (OTLP, the console, a warning
// for what is not supported), as config/otel-env.ts reads them.
import { describe, expect, test } from "vitest"
import { parseKeyValues, traceSetting } from "../../../src/config/otel-env.js"

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
})
