// Whether and where serve exports traces, from the standard OpenTelemetry environment variables:
// OTLP over HTTP to a collector, and/or printed on stdout (OTEL_TRACES_EXPORTER=console). Pure: the
// caller passes the environment, so every rule is unit-testable.
import { attempt } from "../domain/attempt.js"
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

/** The service the spans are from, as their resource names it. */
export interface TraceResource {
  readonly serviceName: string
  readonly serviceVersion: string | undefined
}

/**
 * Traces are off or on, through OTLP (`otlp`), stdout (`console`) or both; whatever was asked for
 * that dagnats cannot honour is said in `warnings`, one line each, logged at start either way.
 */
export type TraceSetting =
  | { readonly _tag: "Off"; readonly warnings: ReadonlyArray<string> }
  | {
      readonly _tag: "On"
      readonly otlp: OtlpTraceConfig | undefined
      readonly console: TraceResource | undefined
      readonly warnings: ReadonlyArray<string>
    }

/** The OTEL_TRACES_EXPORTER values dagnats honours; the others are named in a warning and ignored. */
export const TRACE_EXPORTERS = ["otlp", "console", "none"] as const

const value = (env: Env, name: string): string | undefined => {
  const v = env[name]?.trim()
  return v === undefined || v === "" ? undefined : v
}

/**
 * `text` with its percent escapes decoded, or undefined when one is malformed. Without effect: the
 * CLI's lean start loads this file (through settings.ts).
 */
const percentDecoded = (text: string): string | undefined =>
  attempt(
    () => decodeURIComponent(text),
    () => undefined,
  )

/** `k1=v1,k2=v2` with percent-encoded values, as OTEL_EXPORTER_OTLP_HEADERS and OTEL_RESOURCE_ATTRIBUTES use. */
export const parseKeyValues = (text: string | undefined): Record<string, string> => {
  const out: Record<string, string> = {}
  for (const part of (text ?? "").split(",")) {
    const eq = part.indexOf("=")
    if (eq <= 0) continue
    const key = percentDecoded(part.slice(0, eq).trim())
    const value = percentDecoded(part.slice(eq + 1).trim())
    // A malformed escape skips that entry only; the rest still apply.
    if (key !== undefined && value !== undefined) out[key] = value
  }
  return out
}

const withTracesPath = (base: string): string => `${base.replace(/\/+$/, "")}/v1/traces`

export const traceSetting = (env: Env, defaultVersion: string): TraceSetting => {
  if (value(env, "OTEL_SDK_DISABLED")?.toLowerCase() === "true") return { _tag: "Off", warnings: [] }
  const requested = value(env, "OTEL_TRACES_EXPORTER")
  const exporters = (requested ?? "otlp")
    .toLowerCase()
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "")
  const warnings: Array<string> = []
  const unsupported = exporters.filter((e) => !(TRACE_EXPORTERS as ReadonlyArray<string>).includes(e))
  if (unsupported.length > 0) {
    warnings.push(
      `OTEL_TRACES_EXPORTER ${unsupported.join(",")} is not supported and is ignored: ` +
        `dagnats exports traces with ${TRACE_EXPORTERS.join(", ")}`,
    )
  }
  if (exporters.includes("none")) return { _tag: "Off", warnings }
  const resourceAttributes = parseKeyValues(value(env, "OTEL_RESOURCE_ATTRIBUTES"))
  const resource: TraceResource = {
    serviceName: value(env, "OTEL_SERVICE_NAME") ?? resourceAttributes["service.name"] ?? "dagnats",
    serviceVersion: resourceAttributes["service.version"] ?? defaultVersion,
  }
  const otlp = exporters.includes("otlp") ? otlpConfig(env, resource, warnings) : undefined
  // otlp is the default exporter, off without an endpoint; asked for by name, its absence is said.
  if (otlp === undefined && requested !== undefined && exporters.includes("otlp")) {
    warnings.push("OTEL_TRACES_EXPORTER otlp needs OTEL_EXPORTER_OTLP_ENDPOINT: not exporting traces over OTLP")
  }
  const printed = exporters.includes("console") ? resource : undefined
  if (otlp === undefined && printed === undefined) return { _tag: "Off", warnings }
  return { _tag: "On", otlp, console: printed, warnings }
}

/** Where and how OTLP export sends, or undefined without an endpoint; its problems go to `warnings`. */
const otlpConfig = (env: Env, resource: TraceResource, warnings: Array<string>): OtlpTraceConfig | undefined => {
  const specific = value(env, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
  const base = value(env, "OTEL_EXPORTER_OTLP_ENDPOINT")
  const url = specific ?? (base !== undefined ? withTracesPath(base) : undefined)
  if (url === undefined) return undefined
  // Each signal-specific variable wins over the general one, as the OpenTelemetry spec orders them.
  const either = (name: string) =>
    value(env, `OTEL_EXPORTER_OTLP_TRACES_${name}`) ?? value(env, `OTEL_EXPORTER_OTLP_${name}`)
  const protocol = either("PROTOCOL") ?? "http/protobuf"
  if (protocol !== "http/json" && protocol !== "http/protobuf") {
    warnings.push(`OTEL_EXPORTER_OTLP_PROTOCOL ${protocol} is not supported: exporting traces with http/protobuf`)
  }
  const delay = Number(value(env, "OTEL_BSP_SCHEDULE_DELAY"))
  return {
    url,
    encoding: protocol === "http/json" ? "json" : "protobuf",
    headers: parseKeyValues(either("HEADERS")),
    serviceName: resource.serviceName,
    serviceVersion: resource.serviceVersion,
    exportIntervalMs: Number.isInteger(delay) && delay > 0 ? delay : undefined,
  }
}
