// The streams and buckets of SPEC §3, created idempotently at serve start. An existing resource is
// reused when the settings dagnats relies on match; when they do not, serve reports the difference
// and stops rather than silently changing an operator's configuration.
import { Effect } from "effect"
import {
  DiscardPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  RetentionPolicy,
  StorageType,
  type JetStreamManager,
  type StreamConfig,
} from "@nats-io/jetstream"
import { Kvm, type KV } from "@nats-io/kv"
import { nanos } from "@nats-io/nats-core"
import { Buckets, Streams, Subjects } from "../protocol/names.js"
import { Internal } from "../domain/errors.js"
import type { NatsHandles } from "./connection.js"

const DAY_MS = 86_400_000
/** SPEC §3: inbound events are kept 14 days; duplicates are recognised for 2 minutes. */
const EVENTS_MAX_AGE_MS = 14 * DAY_MS
const DUPLICATE_WINDOW_MS = 2 * 60_000
/** Trigger history is an operator's audit trail, not a workflow's data: a month is plenty. */
const TRIGGER_HISTORY_MAX_AGE_MS = 30 * DAY_MS

export interface ResourceOptions {
  readonly replicas: number
}

type StreamSpec = Pick<StreamConfig, "name" | "subjects" | "retention" | "storage"> & Partial<StreamConfig>

export const streamSpecs = (o: ResourceOptions): ReadonlyArray<StreamSpec> => [
  {
    name: Streams.events,
    subjects: [Subjects.eventsAll],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    max_age: nanos(EVENTS_MAX_AGE_MS),
    duplicate_window: nanos(DUPLICATE_WINDOW_MS),
    num_replicas: o.replicas,
  },
  {
    name: Streams.workflowHistory,
    subjects: [Subjects.historyAll],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    duplicate_window: nanos(DUPLICATE_WINDOW_MS),
    num_replicas: o.replicas,
  },
  {
    name: Streams.triggerHistory,
    subjects: [Subjects.triggerFireAll],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    max_age: nanos(TRIGGER_HISTORY_MAX_AGE_MS),
    duplicate_window: nanos(DUPLICATE_WINDOW_MS),
    num_replicas: o.replicas,
  },
  {
    name: Streams.timers,
    subjects: [Subjects.timersAll],
    retention: RetentionPolicy.Workqueue,
    storage: StorageType.File,
    discard: DiscardPolicy.Old,
    duplicate_window: nanos(DUPLICATE_WINDOW_MS),
    num_replicas: o.replicas,
  },
  {
    name: Streams.dead,
    subjects: [Subjects.deadAll],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    // Dead letters wait for an operator to look at them; as long as the events they came from.
    max_age: nanos(EVENTS_MAX_AGE_MS),
    num_replicas: o.replicas,
  },
]

export interface Buckets {
  readonly triggers: KV
  readonly runs: KV
  readonly debounceState: KV
  readonly batchState: KV
  readonly schedules: KV
}

/** Why an existing stream cannot be used as is, or undefined when it can. */
export const incompatibility = (want: StreamSpec, have: StreamConfig): string | undefined => {
  const missing = want.subjects!.filter((s) => !(have.subjects ?? []).includes(s))
  if (missing.length > 0) return `subjects ${JSON.stringify(have.subjects)} do not include ${missing.join(", ")}`
  if (have.retention !== want.retention) return `retention is ${have.retention}, dagnats needs ${want.retention}`
  if (have.storage !== want.storage) return `storage is ${have.storage}, dagnats needs ${want.storage}`
  return undefined
}

const isNotFound = (e: unknown): boolean =>
  e instanceof JetStreamApiError && e.code === JetStreamApiCodes.StreamNotFound

const ensureStream = (jsm: JetStreamManager, spec: StreamSpec) =>
  Effect.tryPromise({
    try: async (): Promise<"created" | "reused"> => {
      try {
        const info = await jsm.streams.info(spec.name)
        const why = incompatibility(spec, info.config)
        if (why !== undefined) throw new Error(`stream ${spec.name} exists with incompatible settings: ${why}; fix or remove it (dagnats does not change it)`)
        return "reused"
      } catch (e) {
        if (!isNotFound(e)) throw e
        await jsm.streams.add(spec)
        return "created"
      }
    },
    catch: (e) => new Internal({ message: e instanceof Error ? e.message : String(e) }),
  })

const ensureBucket = (handles: NatsHandles, name: string, o: ResourceOptions, history: number) =>
  Effect.tryPromise({
    try: async () => {
      const kvm = new Kvm(handles.js)
      try {
        const info = await handles.jsm.streams.info(`KV_${name}`)
        if (info.config.max_msgs_per_subject < 1 || info.config.subjects?.[0] !== `$KV.${name}.>`) {
          throw new Error(`bucket ${name} exists with incompatible settings; fix or remove it (dagnats does not change it)`)
        }
        return await kvm.open(name)
      } catch (e) {
        if (!isNotFound(e)) throw e
        return await kvm.create(name, { history, replicas: o.replicas, storage: StorageType.File })
      }
    },
    catch: (e) => new Internal({ message: e instanceof Error ? e.message : String(e) }),
  })

/** Create or reuse every stream and bucket; logs one line per resource. */
export const ensureResources = (handles: NatsHandles, o: ResourceOptions) =>
  Effect.gen(function* () {
    for (const spec of streamSpecs(o)) {
      const outcome = yield* ensureStream(handles.jsm, spec)
      yield* Effect.logDebug(`stream ${spec.name} ${outcome}`)
    }
    // Trigger definitions keep a little history so an operator can see what changed.
    const buckets: Buckets = {
      triggers: yield* ensureBucket(handles, Buckets.triggers, o, 5),
      runs: yield* ensureBucket(handles, Buckets.runs, o, 1),
      debounceState: yield* ensureBucket(handles, Buckets.debounceState, o, 1),
      batchState: yield* ensureBucket(handles, Buckets.batchState, o, 1),
      schedules: yield* ensureBucket(handles, Buckets.schedules, o, 1),
    }
    return buckets
  })

/** Bind to buckets that serve created; used by components that must not create them. */
export const openBuckets = (handles: NatsHandles) =>
  Effect.tryPromise({
    try: async (): Promise<Buckets> => {
      const kvm = new Kvm(handles.js)
      const [triggers, runs, debounceState, batchState, schedules] = await Promise.all(
        [Buckets.triggers, Buckets.runs, Buckets.debounceState, Buckets.batchState, Buckets.schedules].map((n) => kvm.open(n)),
      )
      return { triggers: triggers!, runs: runs!, debounceState: debounceState!, batchState: batchState!, schedules: schedules! }
    },
    catch: (e) => new Internal({ message: e instanceof Error ? e.message : String(e) }),
  })
