// Every NATS name dagnats uses in one place: streams, buckets, consumers, subjects and headers.
// Scripts outside this repository depend on these exactly.

export const Streams = {
  events: "EVENTS",
  workflowHistory: "WORKFLOW_HISTORY",
  triggerHistory: "TRIGGER_HISTORY",
  /** dagnats' own durable timers; never the engine's SLEEP_TIMERS. */
  timers: "DAGNATS_TIMERS",
  /** Events that failed evaluation too often. */
  dead: "DAGNATS_DEAD",
  /** Every webhook request and what followed from it. */
  deliveries: "DAGNATS_DELIVERIES",
} as const

// The DagNats engine shares the account and owns the unprefixed names (`triggers`, `debounce_state`, …):
// every bucket of ours carries the `dagnats_` prefix so neither side can overwrite the other's records.
export const Buckets = {
  triggers: "dagnats_triggers",
  runs: "dagnats_runs",
  debounceState: "dagnats_debounce",
  batchState: "dagnats_batch",
  /** Per schedule trigger: the last instant handled and the version it was armed for. */
  schedules: "dagnats_schedules",
  /** Synchronous webhooks: the answer a run gave, by run id, for a retry of the same delivery (1 h). */
  responses: "dagnats_responses",
} as const

/** Names a 0.x dagnats used before it moved into its own namespace; serve only looks for them to warn. */
export const LegacyNames = {
  buckets: ["triggers", "runs", "debounce_state", "batch_state"],
  timerStream: "SLEEP_TIMERS",
  timerSubject: "sleep.>",
} as const

export const Consumers = {
  evaluator: "dagnats-evaluator",
  timers: "dagnats-timers",
  /** Folds run lifecycle events from WORKFLOW_HISTORY into dagnats' run records. */
  outcomes: "dagnats-outcomes",
  /** dagnats's one durable consumer on a stream (or KV bucket's stream) of the operator's: triggers with a source. */
  source: (stream: string) => `dagnats-source-${stream}`,
} as const

/** Names the DagNats engine owns that dagnats reads but never creates or writes. */
export const EngineNames = {
  /** The engine's workflow registry: a run of a workflow not registered here fails at once. */
  workflowDefs: "workflow_defs",
  /** The engine's run states, key `run.{run_id}`: the only record of runs it fails or skips at once. */
  workflowRuns: "workflow_runs",
  /** Every run state's key in `workflow_runs`, and the prefix before the run id. */
  workflowRunKeys: "run.>",
  workflowRunKeyPrefix: "run.",
} as const

/** The stream behind a KV bucket, and the subject of one key in it (JetStream's KV layout). */
export const kvStream = (bucket: string): string => `KV_${bucket}`
/** The bucket whose stream this is, or undefined for a stream that is no KV bucket's. */
export const kvBucketOf = (stream: string): string | undefined =>
  stream.startsWith("KV_") && stream.length > 3 ? stream.slice(3) : undefined
export const kvKeySubject = (bucket: string, key: string): string => `$KV.${bucket}.${key}`
/** What a key's subject starts with in a bucket's stream; the rest is the key. */
export const kvKeyPrefix = (bucket: string): string => `$KV.${bucket}.`

export const Subjects = {
  eventsAll: "event.>",
  webhook: (name: string) => `event.webhook.${name}`,
  /** Every event subject starts so; a webhook's, stored by serve, with `webhookPrefix`. */
  eventsPrefix: "event.",
  webhookPrefix: "event.webhook.",
  history: (runId: string) => `history.${runId}`,
  historyAll: "history.>",
  triggerFire: (name: string) => `trigger.fire.${name}`,
  triggerFireAll: "trigger.fire.>",
  timer: (kind: string, id: string) => `dagnats.timers.${kind}.${id}`,
  timersAll: "dagnats.timers.>",
  /** The armed next instant of one schedule trigger. */
  scheduleTimer: (trigger: string) => `dagnats.timers.schedule.${trigger}`,
  scheduleTimersPrefix: "dagnats.timers.schedule.",
  dead: (seq: number) => `dagnats.dead.${seq}`,
  deadAll: "dagnats.dead.>",
  /**
   * One delivery record: `dagnats.deliveries.{trigger}.{id}` (`_` for a path that names no valid
   * trigger). Two tokens after `deliveries`, so the stream never captures the micro endpoints
   * `dagnats.deliveries.list|get`, which have one.
   */
  delivery: (trigger: string, id: string) => `dagnats.deliveries.${trigger}.${id}`,
  /** The count of one trigger name's rejected deliveries not stored in one second (flood cap). */
  deliveriesSuppressed: (trigger: string) => `dagnats.deliveries.${trigger}.suppressed`,
  /** Every delivery of one trigger name (with its suppressed counts). */
  deliveriesOf: (trigger: string) => `dagnats.deliveries.${trigger}.*`,
  /** The record with this id, whatever its trigger. */
  deliveryById: (id: string) => `dagnats.deliveries.*.${id}`,
  /** What DAGNATS_DELIVERIES stores; `dagnats.deliveries.>` is the live view for core subscribers. */
  deliveriesStored: "dagnats.deliveries.*.*",
  deliveriesAll: "dagnats.deliveries.>",
  /** The engine's `respond` step answers a synchronous webhook here (core NATS); nothing else uses it. */
  httpResponse: (runId: string) => `dagnats.http.response.${runId}`,
  httpResponseAll: "dagnats.http.response.>",
} as const

/** The HTTP path a webhook trigger is delivered to. */
export const webhookPath = (name: string): string => `/v1/webhooks/${name}`

export const Service = {
  name: "dagnats",
  queue: "dagnats",
  description: "dagnats: webhooks and NATS events into workflow runs",
} as const

/** Micro endpoints: group → endpoint names. Subjects are `dagnats.{group}.{endpoint}`. */
const Endpoints = {
  triggers: ["create", "get", "list", "update", "delete", "enable", "disable", "fire", "history", "test"],
  runs: ["start", "get", "list"],
  events: ["replay", "dead"],
  deliveries: ["list", "get"],
} as const

export const endpointSubject = (group: keyof typeof Endpoints, name: string): string => `dagnats.${group}.${name}`

/** Headers dagnats writes on messages it publishes. */
export const Headers = {
  trigger: "Dagnats-Trigger",
  /** The sender's delivery id as sent; Nats-Msg-Id carries it too unless another trigger had it. */
  deliveryId: "Dagnats-Delivery-Id",
  msgId: "Nats-Msg-Id",
  /** Makes a publish conditional: stored only while the subject's last message has this sequence (0: none). */
  expectedLastSubjectSequence: "Nats-Expected-Last-Subject-Sequence",
  /**
   * dagnats' own delivery id (a ULID), on every webhook response and on the stored event, so an
   * event leads back to the request that brought it.
   */
  delivery: "Dagnats-Delivery",
  contentType: "Content-Type",
  /** W3C trace context, carried on stored events and on `workflow.started`. */
  traceparent: "traceparent",
  tracestate: "tracestate",
  /** On a synchronous webhook's stored event: the request's query string, for the run's HTTP envelope. */
  query: "Dagnats-Query",
  /** On every answer of a synchronous webhook: the run it waited for. */
  runId: "X-Dagnats-Run-Id",
  /** Written by KV on delete and purge markers (KV's own wire format); puts have none. */
  kvOperation: "KV-Operation",
  /** On a dead letter: where the event was stored, why it failed, and when it was given up on. */
  deadSubject: "Dagnats-Dead-Subject",
  deadSeq: "Dagnats-Dead-Seq",
  deadError: "Dagnats-Dead-Error",
  deadAt: "Dagnats-Dead-At",
  /** Set (to the body's size) when the body did not fit beside the dead-letter headers; EVENTS keeps it. */
  deadBodyOmitted: "Dagnats-Dead-Body-Omitted",
  /** On a dead letter: the EVENTS epoch and the Nats-Msg-Id the event had, which make its identity. */
  deadEpoch: "Dagnats-Dead-Epoch",
  deadMsgId: "Dagnats-Dead-Msg-Id",
} as const

/**
 * The dead-letter headers by role, for readers of DAGNATS_DEAD (replay): a dead letter's body is the
 * original body, and these say where the event was stored, why it failed, and whether the body fit.
 */
export const DeadHeaders = {
  subject: Headers.deadSubject,
  seq: Headers.deadSeq,
  error: Headers.deadError,
  bodyOmitted: Headers.deadBodyOmitted,
  epoch: Headers.deadEpoch,
  msgId: Headers.deadMsgId,
} as const
