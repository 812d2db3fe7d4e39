// The metrics surface: the catalog of every metric dagnats declares, the registry that renders
// them (as serve's service), and the gauges polled from NATS.
// Other folders import from here only; the files behind it are free to change.

export {
  deadLetters,
  deliveriesRecordFailures,
  deliveriesSuppressed,
  evaluatorRedeliveries,
  natsConnected,
  publishSeconds,
  respondWaiting,
  runStatusChanges,
  runsStarted,
  sharedStreamChanges,
  sourceAckPending,
  sourcePending,
  triggerOutcomes,
  unroutableEvents,
  webhookRequestSeconds,
  webhookRequests,
} from "./catalog.js"
export { pollGauges } from "./poll.js"
export { MetricsRegistry, layer as MetricsRegistryLayer } from "./service.js"
