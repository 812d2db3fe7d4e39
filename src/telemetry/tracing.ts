// Trace export for serve: with an OTLP endpoint configured, Effect's own spans (Effect.withSpan)
// are sent over OTLP/HTTP by effect's OtlpTracer; without one, nothing is loaded and spans stay
// in-process no-ops. The exporter modules are imported only when tracing is on, so a serve without
// OTEL_EXPORTER_OTLP_ENDPOINT pays nothing at start-up. Pending spans are flushed when serve stops.
import { Effect, Layer } from "effect"
import type { OtlpTraceConfig } from "../config/otel-env.js"

export const tracingLayer = (config: OtlpTraceConfig) =>
  Layer.unwrap(
    Effect.promise(async () => {
      const [{ layer: tracer }, Serialization, { layer: fetchClient }] = await Promise.all([
        import("effect/observability/OtlpTracer"),
        import("effect/observability/OtlpSerialization"),
        import("effect/http/FetchHttpClient"),
      ])
      return tracer({
        url: config.url,
        headers: config.headers,
        resource: { serviceName: config.serviceName, serviceVersion: config.serviceVersion },
        exportInterval: config.exportIntervalMs,
      }).pipe(
        Layer.provide(config.encoding === "json" ? Serialization.layerJson : Serialization.layerProtobuf),
        Layer.provide(fetchClient),
      )
    }),
  )
