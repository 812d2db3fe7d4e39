// The streams and buckets dagnats needs, created idempotently at serve start. An existing resource is
// reused when the settings dagnats relies on match; when they do not, serve reports the difference
// and stops rather than silently changing an operator's configuration.
import { Effect } from "effect"
import {
  DiscardPolicy,
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
import { findLegacyRecords } from "./legacy.js"
import { isInsufficientStorage, isStreamNotFound, recoverWhen } from "./errors.js"
import { DEFAULT_RETENTION, formatRetention, type Retention } from "../domain/retention.js"

const DAY_MS = 86_400_000
/** A retry of a synchronous webhook finds its answer for an hour; then the entry expires. */
const RESPONSES_TTL: Retention = { ms: 3_600_000, explicit: true }
/** Inbound events are kept 14 days for replay; a sender's retry within 2 minutes is recognised as a duplicate. */
const EVENTS_MAX_AGE_MS = 14 * DAY_MS
const DUPLICATE_WINDOW_MS = 2 * 60_000

interface ResourceOptions {
  readonly replicas: number
  /** Max age of run records and trigger history (0: forever); default 30 days each. */
  readonly retention?: { readonly runs: Retention; readonly history: Retention }
  /** DAGNATS_DELIVERIES limits; default 7 days and 1 GiB. */
  readonly deliveries?: { readonly maxAge: Retention; readonly maxBytes: number; readonly record?: boolean }
}

const DELIVERIES_DEFAULTS = { maxAge: { ms: 7 * DAY_MS, explicit: false }, maxBytes: 1_073_741_824 }

const historyRetention = (o: ResourceOptions) => o.retention?.history ?? DEFAULT_RETENTION

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
    max_age: nanos(historyRetention(o).ms),
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
  // With recording off (DAGNATS_DELIVERIES=off) the stream is not needed, nor the storage it reserves.
  ...(o.deliveries?.record === false ? [] : [deliveriesSpec(o)]),
]

/** Every webhook request and what followed: bounded by age and bytes, the oldest go first, so a
 * flood of requests can never stop webhooks from being recorded (or answered). */
const deliveriesSpec = (o: ResourceOptions): StreamSpec => ({
  name: Streams.deliveries,
  subjects: [Subjects.deliveriesStored],
  retention: RetentionPolicy.Limits,
  storage: StorageType.File,
  discard: DiscardPolicy.Old,
  max_age: nanos((o.deliveries ?? DELIVERIES_DEFAULTS).maxAge.ms),
  max_bytes: (o.deliveries ?? DELIVERIES_DEFAULTS).maxBytes,
  num_replicas: o.replicas,
})

export interface Buckets {
  readonly triggers: KV
  readonly runs: KV
  readonly debounceState: KV
  readonly batchState: KV
  readonly schedules: KV
  /** Synchronous webhooks' answers by run id, kept an hour for retries of the same delivery. */
  readonly responses: KV
}

/** Why an existing stream cannot be used as is, or undefined when it can. */
export const incompatibility = (want: StreamSpec, have: StreamConfig): string | undefined => {
  const missing = want.subjects!.filter((s) => !(have.subjects ?? []).includes(s))
  if (missing.length > 0) return `subjects ${JSON.stringify(have.subjects)} do not include ${missing.join(", ")}`
  if (have.retention !== want.retention) return `retention is ${have.retention}, dagnats needs ${want.retention}`
  if (have.storage !== want.storage) return `storage is ${have.storage}, dagnats needs ${want.storage}`
  return undefined
}

const ensureStream = (jsm: JetStreamManager, spec: StreamSpec) =>
  Effect.tryPromise({
    try: async (): Promise<"created" | "reused"> => {
      const info = await recoverWhen(jsm.streams.info(spec.name), isStreamNotFound, undefined)
      if (info !== undefined) {
        const why = incompatibility(spec, info.config)
        if (why !== undefined)
          throw new Error(
            `stream ${spec.name} exists with incompatible settings: ${why}; fix or remove it (dagnats does not change it)`,
          )
        return "reused"
      }
      await jsm.streams.add(spec).catch((added: unknown) => {
        // A stream with max_bytes reserves that much of the server's (or account's) file storage.
        if (spec.max_bytes !== undefined && spec.max_bytes > 0 && isInsufficientStorage(added))
          throw new Error(
            `cannot create stream ${spec.name}: its max bytes (${spec.max_bytes}) do not fit the storage NATS ` +
              `has left (max_file_store or account limits); lower DAGNATS_DELIVERIES_MAX_BYTES or give NATS more`,
          )
        throw added
      })
      return "created"
    },
    catch: (e) => new Internal({ message: e instanceof Error ? e.message : String(e) }),
  })

/**
 * `historyAtMost`: for a bucket whose old revisions must not be kept (trigger secrets), an existing
 * bucket keeping more is lowered to this (the server then drops the older revisions); the bucket is
 * dagnats' own, and keeping replaced secrets readable is never what its operator wants. `maxAge`
 * applies when the bucket is created.
 */
const ensureBucket = (
  handles: NatsHandles,
  name: string,
  o: ResourceOptions,
  history: number,
  opts: { readonly historyAtMost?: number; readonly maxAge?: Retention } = {},
) =>
  Effect.tryPromise({
    try: async () => {
      const kvm = new Kvm(handles.js)
      const info = await recoverWhen(handles.jsm.streams.info(`KV_${name}`), isStreamNotFound, undefined)
      if (info !== undefined) {
        if (info.config.max_msgs_per_subject < 1 || info.config.subjects?.[0] !== `$KV.${name}.>`) {
          throw new Error(
            `bucket ${name} exists with incompatible settings; fix or remove it (dagnats does not change it)`,
          )
        }
        const { historyAtMost } = opts
        if (historyAtMost !== undefined && info.config.max_msgs_per_subject > historyAtMost) {
          await handles.jsm.streams.update(info.config.name, { ...info.config, max_msgs_per_subject: historyAtMost })
        }
        return await kvm.open(name)
      }
      const { maxAge } = opts
      const ttl = maxAge !== undefined && maxAge.ms > 0 ? { ttl: maxAge.ms } : {}
      return await kvm.create(name, { history, replicas: o.replicas, storage: StorageType.File, ...ttl })
    },
    catch: (e) => new Internal({ message: e instanceof Error ? e.message : String(e) }),
  })

/**
 * An existing stream keeps the max age it has unless the operator set a retention: an upgrade must
 * not start deleting records nobody asked to expire. A retention the operator set is applied (a
 * max-age change is safe on a live stream) and logged; a default that differs is only reported.
 */
const reconcileMaxAge = (jsm: JetStreamManager, stream: string, want: Retention, setting: string) =>
  Effect.gen(function* () {
    const info = yield* Effect.tryPromise({
      try: () => jsm.streams.info(stream),
      catch: (e) => new Internal({ message: e instanceof Error ? e.message : String(e) }),
    })
    const have = Math.round(info.config.max_age / 1_000_000)
    if (have === want.ms) return
    const haveText = formatRetention(have)
    if (!want.explicit) {
      const defaultText = formatRetention(want.ms)
      yield* Effect.log(
        `${stream} keeps its max age ${haveText} (the default is ${defaultText}); set ${setting} to change it`,
      )
      return
    }
    yield* Effect.tryPromise({
      try: () => jsm.streams.update(stream, { ...info.config, max_age: nanos(want.ms) }),
      catch: (e) =>
        new Internal({ message: `cannot change the max age of ${stream}: ${e instanceof Error ? e.message : e}` }),
    })
    yield* Effect.log(`${stream} max age changed from ${haveText} to ${formatRetention(want.ms)} (${setting})`)
  })

/**
 * TRIGGER_HISTORY is shared with the DagNats engine, so its settings are whatever its creator gave it:
 * the history retention applies when dagnats creates it, and an existing stream is never changed.
 */
const sharedMaxAgeNotice = (jsm: JetStreamManager, stream: string, want: Retention) =>
  Effect.gen(function* () {
    if (!want.explicit) return
    const info = yield* Effect.tryPromise({
      try: () => jsm.streams.info(stream),
      catch: (e) => new Internal({ message: e instanceof Error ? e.message : String(e) }),
    })
    const have = Math.round(info.config.max_age / 1_000_000)
    if (have === want.ms) return
    yield* Effect.logWarning(
      `${stream} is shared with other programs and keeps its max age ${formatRetention(have)}; ` +
        `the history retention ${formatRetention(want.ms)} applies only when dagnats creates it ` +
        `(change it yourself with \`nats stream edit ${stream} --max-age\`)`,
    )
  })

/** Create or reuse every stream and bucket; logs one line per resource. */
export const ensureResources = (handles: NatsHandles, o: ResourceOptions) =>
  Effect.gen(function* () {
    // DAGNATS_DELIVERIES reserves its max bytes of NATS storage: it comes last, so a server without
    // room for it says so about that stream, not about whichever resource came after it.
    const specs = streamSpecs(o)
    const reserving = specs.filter((spec) => spec.max_bytes !== undefined && spec.max_bytes > 0)
    for (const spec of specs.filter((spec) => !reserving.includes(spec))) {
      const outcome = yield* ensureStream(handles.jsm, spec)
      yield* Effect.logDebug(`stream ${spec.name} ${outcome}`)
    }
    const runsRetention = o.retention?.runs ?? DEFAULT_RETENTION
    // Trigger definitions hold webhook secrets: no history, so a replaced or deleted secret is gone
    // from the bucket, not readable as an old revision.
    const buckets: Buckets = {
      triggers: yield* ensureBucket(handles, Buckets.triggers, o, 1, { historyAtMost: 1 }),
      runs: yield* ensureBucket(handles, Buckets.runs, o, 1, { maxAge: runsRetention }),
      debounceState: yield* ensureBucket(handles, Buckets.debounceState, o, 1),
      batchState: yield* ensureBucket(handles, Buckets.batchState, o, 1),
      schedules: yield* ensureBucket(handles, Buckets.schedules, o, 1),
      responses: yield* ensureBucket(handles, Buckets.responses, o, 1, { maxAge: RESPONSES_TTL }),
    }
    for (const spec of reserving) {
      const outcome = yield* ensureStream(handles.jsm, spec)
      yield* Effect.logDebug(`stream ${spec.name} ${outcome}`)
    }
    yield* reconcileMaxAge(handles.jsm, `KV_${Buckets.runs}`, runsRetention, "DAGNATS_RUN_RETENTION")
    yield* sharedMaxAgeNotice(handles.jsm, Streams.triggerHistory, historyRetention(o))
    const legacy = yield* findLegacyRecords(handles)
    if (legacy !== undefined) yield* Effect.logWarning(legacy)
    return buckets
  })
