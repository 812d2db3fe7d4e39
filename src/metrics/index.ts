// The metrics surface: the catalog of every metric dagnats declares, the registry that renders
// them (as serve's service), and the gauges polled from NATS.
// Other folders import from here only; the files behind it are free to change.

export * as Catalog from "./catalog.js"
export { pollGauges } from "./poll.js"
export * as MetricsService from "./service.js"
export { MetricsRegistry } from "./service.js"
