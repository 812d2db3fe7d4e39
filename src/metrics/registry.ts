// The one Prometheus registry of a serve process. Every component registers its metrics here
// (never in prom-client's global default registry), and GET /metrics renders exactly this.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client"
import type { CounterConfiguration, GaugeConfiguration, HistogramConfiguration } from "prom-client"

export const registry = new Registry()

type Config<C> = Omit<C, "registers">

/**
 * Get-or-create by name. prom-client throws on a second registration of a name, and a component
 * may be started more than once in one process (tests); the first definition wins.
 */
const getOrCreate = <M>(name: string, create: () => M): M =>
  (registry.getSingleMetric(name) as M | undefined) ?? create()

export const counter = <L extends string>(c: Config<CounterConfiguration<L>>): Counter<L> =>
  getOrCreate(c.name, () => new Counter<L>({ ...c, registers: [registry] }))

export const gauge = <L extends string>(c: Config<GaugeConfiguration<L>>): Gauge<L> =>
  getOrCreate(c.name, () => new Gauge<L>({ ...c, registers: [registry] }))

export const histogram = <L extends string>(c: Config<HistogramConfiguration<L>>): Histogram<L> =>
  getOrCreate(c.name, () => new Histogram<L>({ ...c, registers: [registry] }))

let processMetrics = false

/** prom-client's standard process_* and nodejs_* metrics (memory, CPU, event loop lag), once. */
export const enableProcessMetrics = (): void => {
  if (processMetrics) return
  processMetrics = true
  collectDefaultMetrics({ register: registry })
}

/** The Prometheus text exposition of every registered metric, and its Content-Type. */
export const render = async (): Promise<{ readonly contentType: string; readonly text: string }> => ({
  contentType: registry.contentType,
  text: await registry.metrics(),
})
