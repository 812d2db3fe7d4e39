// Trace export for serve: with an OTLP endpoint configured, Effect's own spans (Effect.withSpan)
// are sent over OTLP/HTTP by effect's OtlpTracer; with OTEL_TRACES_EXPORTER=console they are printed
// on stdout too (or only). Without either, nothing is loaded and spans stay in-process no-ops. The
// exporter modules are imported only when OTLP is on, so a serve without it pays nothing at start-up.
// Pending spans are flushed when serve stops.
import { Effect, Layer, Tracer } from "effect"
import type { OtlpTraceConfig, TraceResource } from "../config/otel-env.js"
import { consoleTracer } from "./console.js"

const otlpLayer = (config: OtlpTraceConfig, printing: TraceResource | undefined) =>
  Layer.unwrap(
    Effect.promise(async () => {
      const [OtlpTracer, Exporter, Serialization, { layer: fetchClient }] = await Promise.all([
        import("effect/observability/OtlpTracer"),
        import("effect/observability/OtlpExporter"),
        import("effect/observability/OtlpSerialization"),
        import("effect/http/FetchHttpClient"),
      ])
      const tracer = OtlpTracer.make({
        url: config.url,
        headers: config.headers,
        resource: { serviceName: config.serviceName, serviceVersion: config.serviceVersion },
        exportInterval: config.exportIntervalMs,
      })
      return Layer.effect(
        Tracer.Tracer,
        printing === undefined ? tracer : Effect.map(tracer, (t) => consoleTracer(t, printing)),
      ).pipe(
        Layer.provideMerge(Exporter.layerFlusher),
        Layer.provide(config.encoding === "json" ? Serialization.layerJson : Serialization.layerProtobuf),
        Layer.provide(fetchClient),
      )
    }),
  )

/** The tracer for the exporters asked for; at least one of them is given. */
export const tracingLayer = (exporters: {
  readonly otlp: OtlpTraceConfig | undefined
  readonly console: TraceResource | undefined
}) =>
  exporters.otlp !== undefined
    ? otlpLayer(exporters.otlp, exporters.console)
    : Layer.succeed(Tracer.Tracer, consoleTracer(Tracer.nativeTracer, exporters.console!))
