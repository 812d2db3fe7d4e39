// Every metric dagnats exposes on /metrics, declared in one place so names, help and label sets are
// reviewed together. Label values are bounded sets (status codes, outcome kinds, run sources,
// window kinds): never a trigger name, a subject or a run id, which grow without limit.
import * as Metrics from "./registry.js"

/** From sub-millisecond local answers up to the 5 s JetStream acknowledgement budget and a little past it. */
const SECONDS_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

export const webhookRequests = () =>
  Metrics.counter({
    name: "dagnats_webhook_requests_total",
    help: "Webhook requests answered, by HTTP status code (not by trigger: names are unbounded)",
    labelNames: ["code"] as const,
  })

export const webhookRequestSeconds = () =>
  Metrics.histogram({
    name: "dagnats_webhook_request_duration_seconds",
    help: "Time from a webhook request's arrival to its answer, by HTTP status code",
    labelNames: ["code"] as const,
    buckets: SECONDS_BUCKETS,
  })

export const publishSeconds = () =>
  Metrics.histogram({
    name: "dagnats_webhook_publish_duration_seconds",
    help: "Time from publishing a webhook event to its JetStream acknowledgement",
    buckets: SECONDS_BUCKETS.slice(0, -1),
  })

export const respondWaiting = () =>
  Metrics.gauge({
    name: "dagnats_respond_waiting_requests",
    help: "Synchronous webhook requests waiting for their run's answer (bounded by DAGNATS_RESPOND_MAX_WAITING)",
  })

export const natsConnected = () =>
  Metrics.gauge({
    name: "dagnats_nats_connected",
    help: "1 while serve's NATS connection is up, else 0",
  })

/** Outcome kinds: fired, error, and skipped_<reason> (filtered, disabled, duplicate, debounced, batched…). */
export const triggerOutcomes = () =>
  Metrics.counter({
    name: "dagnats_trigger_outcomes_total",
    help: "Trigger evaluation outcomes recorded by the evaluator",
    labelNames: ["outcome"] as const,
  })

export const evaluatorPending = () =>
  Metrics.gauge({
    name: "dagnats_evaluator_pending_messages",
    help: "Events on EVENTS the evaluator's durable consumer has not delivered yet",
  })

export const evaluatorAckPending = () =>
  Metrics.gauge({
    name: "dagnats_evaluator_ack_pending_messages",
    help: "Events delivered to evaluators and not yet acknowledged",
  })

export const evaluatorRedelivered = () =>
  Metrics.gauge({
    name: "dagnats_evaluator_redelivered_messages",
    help: "Events the evaluator's consumer has delivered more than once and not yet acknowledged",
  })

/** stream: a source stream of the operator's that triggers read (a set the operator keeps small). */
export const sourcePending = () =>
  Metrics.gauge({
    name: "dagnats_source_pending_messages",
    help: "Messages of a source stream dagnats's consumer on it has not delivered yet",
    labelNames: ["stream"] as const,
  })

export const sourceAckPending = () =>
  Metrics.gauge({
    name: "dagnats_source_ack_pending_messages",
    help: "Messages of a source stream delivered to evaluators and not yet acknowledged",
    labelNames: ["stream"] as const,
  })

export const evaluatorRedeliveries = () =>
  Metrics.counter({
    name: "dagnats_evaluator_redeliveries_total",
    help: "Redelivered events this serve evaluated (an earlier attempt failed or timed out)",
  })

/** type: webhook, event, schedule or manual (the run's source). */
export const runsStarted = () =>
  Metrics.counter({
    name: "dagnats_runs_started_total",
    help: "Workflow runs started (not replays of existing runs), by trigger type",
    labelNames: ["type"] as const,
  })

/** status: running, completed, failed, cancelled (what the workflow engine reported). */
export const runStatusChanges = () =>
  Metrics.counter({
    name: "dagnats_run_status_changes_total",
    help: "Run status changes recorded from the workflow engine's history, by new status",
    labelNames: ["status"] as const,
  })

/** kind: debounce or batch. */
export const openWindows = () =>
  Metrics.gauge({
    name: "dagnats_open_windows",
    help: "Debounce windows and batches open now, by kind",
    labelNames: ["kind"] as const,
  })

export const deadLetters = () =>
  Metrics.counter({
    name: "dagnats_dead_letters_total",
    help: "Events moved to DAGNATS_DEAD after evaluation kept failing or their window's run could not be stored",
  })

/** Stream: EVENTS, WORKFLOW_HISTORY or TRIGGER_HISTORY; setting: one of the few watched (bounded). */
export const sharedStreamChanges = () =>
  Metrics.counter({
    name: "dagnats_shared_stream_changes_total",
    help: "Settings of a shared stream that another program changed while serve ran (dagnats never changes them back)",
    labelNames: ["stream", "setting"] as const,
  })

/** reason: control_characters, too_long, empty_token or wildcard (never the subject itself). */
export const unroutableEvents = () =>
  Metrics.counter({
    name: "dagnats_events_unroutable_total",
    help: "Events acked without evaluation because their subject is not a valid NATS subject, by reason",
    labelNames: ["reason"] as const,
  })

/**
 * Register every metric at start, so each appears on /metrics (with its help and type, and 0 where
 * it has no labels) before the first event: dashboards and alerts can tell "none yet" from "absent".
 */
export const declareAll = (): void => {
  const all = [
    webhookRequests,
    webhookRequestSeconds,
    publishSeconds,
    natsConnected,
    triggerOutcomes,
    evaluatorPending,
    evaluatorAckPending,
    evaluatorRedelivered,
    evaluatorRedeliveries,
    sourcePending,
    sourceAckPending,
    runsStarted,
    runStatusChanges,
    openWindows,
    deadLetters,
    sharedStreamChanges,
    unroutableEvents,
  ]
  for (const declare of all) declare()
}

/** Rejected deliveries not stored by the flood cap (100 per second per trigger name); one summary record a second. */
export const deliveriesSuppressed = () =>
  Metrics.counter({
    name: "dagnats_deliveries_suppressed_total",
    help: "Rejected webhook deliveries counted, not stored on DAGNATS_DELIVERIES (over 100 a second per trigger name)",
  })

/** Delivery records that could not be written (the webhook's answer was not affected). */
export const deliveriesRecordFailures = () =>
  Metrics.counter({
    name: "dagnats_deliveries_record_failures_total",
    help: "Delivery records not written to DAGNATS_DELIVERIES (publish failed, or too many in flight)",
  })
