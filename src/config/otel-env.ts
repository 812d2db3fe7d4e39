// Whether and where serve exports traces, from the standard OpenTelemetry environment variables.
// Pure: the caller passes the environment, so every rule is unit-testable.
import type { Env } from "./environment.js"

export interface OtlpTraceConfig {
  /** The full traces URL: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as is, else the base endpoint + /v1/traces. */
  readonly url: string
  readonly encoding: "json" | "protobuf"
  readonly headers: Readonly<Record<string, string>>
  readonly serviceName: string
  readonly serviceVersion: string | undefined
  /** OTEL_BSP_SCHEDULE_DELAY: how long spans wait to be sent together. */
  readonly exportIntervalMs: number | undefined
}

/** Traces are on, off, or asked for in a way dagnats cannot honour (said in one warning line). */
export type TraceSetting =
  | { readonly _tag: "Off" }
  | { readonly _tag: "On"; readonly config: OtlpTraceConfig; readonly warnings: ReadonlyArray<string> }

const value = (env: Env, name: string): string | undefined => {
  const v = env[name]?.trim()
  return v === undefined || v === "" ? undefined : v
}

/** `k1=v1,k2=v2` with percent-encoded values, as OTEL_EXPORTER_OTLP_HEADERS and OTEL_RESOURCE_ATTRIBUTES use. */
export const parseKeyValues = (text: string | undefined): Record<string, string> => {
  const out: Record<string, string> = {}
  for (const part of (text ?? "").split(",")) {
    const eq = part.indexOf("=")
    if (eq <= 0) continue
    try {
      out[decodeURIComponent(part.slice(0, eq).trim())] = decodeURIComponent(part.slice(eq + 1).trim())
    } catch {
      // A malformed escape skips that entry only; the rest still apply.
    }
  }
  return out
}

const withTracesPath = (base: string): string => `${base.replace(/\/+$/, "")}/v1/traces`

export const traceSetting = (env: Env, defaultVersion: string): TraceSetting => {
  if (value(env, "OTEL_SDK_DISABLED")?.toLowerCase() === "true") return { _tag: "Off" }
  const exporters = (value(env, "OTEL_TRACES_EXPORTER") ?? "otlp")
    .toLowerCase()
    .split(",")
    .map((s) => s.trim())
  if (!exporters.includes("otlp")) return { _tag: "Off" }
  const specific = value(env, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
  const base = value(env, "OTEL_EXPORTER_OTLP_ENDPOINT")
  const url = specific ?? (base !== undefined ? withTracesPath(base) : undefined)
  if (url === undefined) return { _tag: "Off" }
  const warnings: Array<string> = []
  // Each signal-specific variable wins over the general one, as the OpenTelemetry spec orders them.
  const either = (name: string) =>
    value(env, `OTEL_EXPORTER_OTLP_TRACES_${name}`) ?? value(env, `OTEL_EXPORTER_OTLP_${name}`)
  const protocol = either("PROTOCOL") ?? "http/protobuf"
  if (protocol !== "http/json" && protocol !== "http/protobuf") {
    warnings.push(`OTEL_EXPORTER_OTLP_PROTOCOL ${protocol} is not supported: exporting traces with http/protobuf`)
  }
  const resource = parseKeyValues(value(env, "OTEL_RESOURCE_ATTRIBUTES"))
  const delay = Number(value(env, "OTEL_BSP_SCHEDULE_DELAY"))
  return {
    _tag: "On",
    config: {
      url,
      encoding: protocol === "http/json" ? "json" : "protobuf",
      headers: parseKeyValues(either("HEADERS")),
      serviceName: value(env, "OTEL_SERVICE_NAME") ?? resource["service.name"] ?? "dagnats",
      serviceVersion: resource["service.version"] ?? defaultVersion,
      exportIntervalMs: Number.isInteger(delay) && delay > 0 ? delay : undefined,
    },
    warnings,
  }
}
