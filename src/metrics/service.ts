// The metrics registry as serve's service: process metrics on and every metric of the catalog
// declared (so /metrics lists them before their first event), then rendered on each scrape.
import { Context, Effect, Layer } from "effect"
import * as Catalog from "./catalog.js"
import * as Registry from "./registry.js"

export class MetricsRegistry extends Context.Service<MetricsRegistry, { readonly render: typeof Registry.render }>()(
  "dagnats/metrics/MetricsRegistry",
) {}

export const make = Effect.sync(() => {
  Registry.enableProcessMetrics()
  Catalog.declareAll()
  return { render: Registry.render }
})

export const layer = Layer.effect(MetricsRegistry, make)
