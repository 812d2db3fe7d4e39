// Every NATS name of SPEC §3 and §7 in one place: streams, buckets, consumers and subjects.
// Scripts outside this repository depend on these exactly.

export const Streams = {
  events: "EVENTS",
  workflowHistory: "WORKFLOW_HISTORY",
  triggerHistory: "TRIGGER_HISTORY",
  sleepTimers: "SLEEP_TIMERS",
} as const

export const Buckets = {
  triggers: "triggers",
  runs: "runs",
  debounceState: "debounce_state",
  batchState: "batch_state",
} as const

export const Consumers = {
  evaluator: "dagnats-evaluator",
  timers: "dagnats-timers",
} as const

export const Subjects = {
  eventsAll: "event.>",
  webhook: (name: string) => `event.webhook.${name}`,
  history: (runId: string) => `history.${runId}`,
  historyAll: "history.>",
  triggerFire: (name: string) => `trigger.fire.${name}`,
  triggerFireAll: "trigger.fire.>",
  sleep: (kind: string, id: string) => `sleep.${kind}.${id}`,
  sleepAll: "sleep.>",
} as const

export const Service = {
  name: "dagnats",
  queue: "dagnats",
  description: "dagnats: webhooks and NATS events into workflow runs",
} as const

/** Micro endpoints: group → endpoint names. Subjects are `dagnats.{group}.{endpoint}`. */
export const Endpoints = {
  triggers: ["create", "get", "list", "update", "delete", "enable", "disable", "fire", "history", "test"],
  runs: ["start", "get", "list"],
} as const

export const endpointSubject = (group: keyof typeof Endpoints, name: string): string => `dagnats.${group}.${name}`

/** Headers dagnats writes on messages it publishes. */
export const Headers = {
  trigger: "Dagnats-Trigger",
  /** The sender's delivery id as sent; Nats-Msg-Id carries it too unless another trigger had it. */
  deliveryId: "Dagnats-Delivery-Id",
  msgId: "Nats-Msg-Id",
  contentType: "Content-Type",
} as const
