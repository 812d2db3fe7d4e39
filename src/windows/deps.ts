// What the window engine is built from: the two state buckets, the JetStream handles its parts
// read and publish through (only ever passed to src/nats/ and the dead-letter and history doors),
// the run starter, the trigger table, and the clock and limits a test may set.
import type { Effect } from "effect"
import type { NatsHandles } from "../nats/connection.js"
import type { KvBucket } from "../nats/kv-bucket.js"
import type { FireRecord } from "../domain/fire-record.js"
import type { Unavailable } from "../domain/errors.js"
import type { WindowState } from "../domain/windows.js"
import type { RunStarterShape } from "../runs/index.js"
import type { TriggerTableShape } from "../triggers/index.js"

export interface WindowDeps {
  readonly debounceKv: KvBucket
  readonly batchKv: KvBucket
  readonly js: NatsHandles["js"]
  readonly jsm: NatsHandles["jsm"]
  readonly publisher: NatsHandles["publisher"]
  readonly starter: RunStarterShape
  readonly table: TriggerTableShape
  readonly record: (r: FireRecord) => Effect.Effect<unknown, Unavailable>
  readonly now: () => number
  /** The largest run input that can be stored; a window above it fails (and batches close before). */
  readonly maxRunInputBytes: number
  /** The NATS max payload, for dead letters (0: unknown). */
  readonly maxPayload: number
  /** The events stream's epoch (creation time), for dead-letter ids of window events. */
  readonly epoch: () => string
}

export type Kind = WindowState["kind"]
