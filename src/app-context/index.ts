// What serve hands each component it runs (ingest, evaluator, outcomes, schedules): the open NATS
// handles and buckets, the trigger table and store, the settings and a log that reaches serve's own
// logger from callbacks. It lives below the components so they depend on this shape, not on serve.
import type { ServeSettings } from "../config/serve-settings.js"
import type { NatsHandles } from "../nats/connection.js"
import type { Buckets } from "../nats/resources.js"
import type { TriggerTableShape, TriggerStoreShape } from "../triggers/index.js"
import type { Endpoint } from "../micro/index.js"

/** Log annotations: what a line is about (trigger, run_id, subject, seq), as JSON fields or key=value. */
type LogFields = Readonly<Record<string, string | number>>

export interface ServeLog {
  readonly warn: (message: string, fields?: LogFields) => void
  readonly error: (message: string, fields?: LogFields) => void
}

export type ServeContext = {
  readonly log: ServeLog
  readonly settings: ServeSettings
  readonly handles: NatsHandles
  readonly buckets: Buckets
  readonly table: TriggerTableShape
  readonly store: TriggerStoreShape
  /** True from the shutdown signal on: readiness reports 503 while requests are still served. */
  readonly stopping: () => boolean
}

/** A part serve runs: the micro endpoints it adds and the log lines that say it started. */
export interface Component {
  readonly endpoints: ReadonlyArray<Endpoint>
  readonly started: ReadonlyArray<string>
}
