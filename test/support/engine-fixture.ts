// The DagNats engine's NATS resources, created the way the engine creates them (create, or update an
// existing one to its settings), so tests can run serve next to "the engine" in either start order
// and check that dagnats changes nothing of the engine's. Also a scripted engine stand-in that
// publishes lifecycle events for runs, in the engine's wire shape.
import {
  AckPolicy,
  DeliverPolicy,
  JetStreamApiError,
  RetentionPolicy,
  StorageType,
  type JetStreamClient,
  type JetStreamManager,
  type StreamConfig,
} from "@nats-io/jetstream"
import { Kvm } from "@nats-io/kv"
import { headers as natsHeaders, nanos } from "@nats-io/nats-core"

const DAY_MS = 86_400_000
const encoder = new TextEncoder()
const decoder = new TextDecoder()

/** The engine's streams (internal/natsutil SetupStreams and SetupTriggerHistoryStream), without its byte ceilings. */
export const engineStreams: ReadonlyArray<Partial<StreamConfig> & { name: string; subjects: Array<string> }> = [
  {
    name: "WORKFLOW_HISTORY",
    subjects: ["history.>"],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    duplicate_window: nanos(5_000),
    max_age: nanos(30 * DAY_MS),
  },
  { name: "TASK_QUEUES", subjects: ["task.>"], retention: RetentionPolicy.Workqueue, storage: StorageType.File },
  {
    name: "EVENTS",
    subjects: ["event.>"],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    max_age: nanos(14 * DAY_MS),
  },
  {
    name: "DEAD_LETTERS",
    subjects: ["dead.>"],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    duplicate_window: nanos(DAY_MS),
    max_age: nanos(30 * DAY_MS),
  },
  {
    name: "SLEEP_TIMERS",
    subjects: ["sleep.>", "scheduled.>"],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
  },
  {
    name: "TRIGGER_HISTORY",
    subjects: ["trigger.fire.>"],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    max_age: nanos(30 * DAY_MS),
  },
]

/** The engine's buckets this fixture creates; debounce_state has the engine's 14 d TTL. */
export const engineBuckets: ReadonlyArray<{ name: string; ttlMs?: number }> = [
  { name: "workflow_defs" },
  { name: "workflow_runs" },
  { name: "triggers" },
  { name: "debounce_state", ttlMs: 14 * DAY_MS },
]

/** An engine TriggerDef, keyed by its id in the engine's `triggers` bucket. */
export const engineTrigger = {
  id: "nightly-report",
  workflow_id: "report",
  enabled: true,
  cron: { expression: "0 2 * * *", timezone: "UTC", backfill: false },
  source: "api",
}
/** A workflow the engine has registered, and an entry in its debounce state. */
export const engineWorkflow = { key: "report", value: { id: "report", steps: [{ id: "build" }] } }
export const engineDebounce = {
  key: "nightly-report.all",
  value: { trigger_id: "nightly-report", last_event: "x", deadline: "2026-01-01T00:00:00Z" },
}

const isStreamNotFound = (e: unknown) => e instanceof JetStreamApiError && e.code === 10059

/** Create every resource, or update it to the engine's settings (the engine's CreateOrUpdate). */
export const createEngineResources = async (js: JetStreamClient, jsm: JetStreamManager): Promise<void> => {
  for (const cfg of engineStreams) {
    try {
      const have = await jsm.streams.info(cfg.name)
      await jsm.streams.update(cfg.name, { ...have.config, ...cfg })
    } catch (e) {
      if (!isStreamNotFound(e)) throw e
      await jsm.streams.add(cfg)
    }
  }
  const sleepTimer = {
    durable_name: "sleep-timer",
    filter_subject: "sleep.>",
    ack_policy: AckPolicy.Explicit,
    ack_wait: nanos(30_000),
    deliver_policy: DeliverPolicy.All,
  }
  await jsm.consumers.add("SLEEP_TIMERS", sleepTimer)
  const kvm = new Kvm(js)
  for (const b of engineBuckets) await kvm.create(b.name, b.ttlMs !== undefined ? { ttl: b.ttlMs } : {})
  await (await kvm.open("triggers")).put(engineTrigger.id, encoder.encode(JSON.stringify(engineTrigger)))
  await (await kvm.open("workflow_defs")).put(engineWorkflow.key, encoder.encode(JSON.stringify(engineWorkflow.value)))
  await (await kvm.open("debounce_state")).put(engineDebounce.key, encoder.encode(JSON.stringify(engineDebounce.value)))
}

/** Everything of the engine's that dagnats must never change: stream and consumer configs, KV records. */
export const snapshotEngine = async (js: JetStreamClient, jsm: JetStreamManager) => {
  const streams: Record<string, unknown> = {}
  for (const s of [...engineStreams.map((s) => s.name), ...engineBuckets.map((b) => `KV_${b.name}`)])
    streams[s] = (await jsm.streams.info(s)).config
  const consumer = (await jsm.consumers.info("SLEEP_TIMERS", "sleep-timer")).config
  const records: Record<string, unknown> = {}
  const kvm = new Kvm(js)
  for (const b of engineBuckets) {
    const kv = await kvm.open(b.name)
    for await (const key of await kv.keys()) {
      const e = await kv.get(key)
      records[`${b.name}/${key}`] = e === null ? null : { revision: e.revision, value: decoder.decode(e.value) }
    }
  }
  return { streams, consumer, records }
}

/** The engine stand-in: one lifecycle event on `history.{run_id}`, as the engine publishes it. */
export const publishLifecycle = async (
  js: JetStreamClient,
  runId: string,
  type: string,
  payload: Record<string, unknown> = {},
  msgID?: string,
) => {
  const h = natsHeaders()
  h.set("Content-Type", "application/json")
  const event = {
    type,
    run_id: runId,
    ...(type.startsWith("step.") ? { step_id: "build" } : {}),
    timestamp: new Date().toISOString(),
    payload,
  }
  return js.publish(`history.${runId}`, encoder.encode(JSON.stringify(event)), {
    headers: h,
    ...(msgID !== undefined ? { msgID } : {}),
  })
}

/**
 * The engine stand-in's run state in its KV `workflow_runs` (key `run.{run_id}`), as the engine writes
 * it for runs it fails or skips before any history event.
 */
export const putEngineRunState = async (js: JetStreamClient, runId: string, state: Record<string, unknown>) => {
  const kv = await new Kvm(js).open("workflow_runs")
  return kv.put(`run.${runId}`, encoder.encode(JSON.stringify({ id: runId, ...state })))
}

/** The engine stand-in's own `TriggerFire` record on `trigger.fire.{name}`: no `outcome`, no `event`. */
export const publishEngineFire = async (js: JetStreamClient, name: string, fire: Record<string, unknown>) => {
  const h = natsHeaders()
  h.set("Content-Type", "application/json")
  return js.publish(`trigger.fire.${name}`, encoder.encode(JSON.stringify(fire)), { headers: h })
}

/**
 * The engine stand-in's `respond` step: a synchronous webhook's answer on
 * `dagnats.http.response.{run_id}` (core NATS), `{"status","headers","content_type","body"}` with the
 * body base64, or any bytes given as a string (for malformed answers).
 */
export const publishHttpResponse = async (
  nc: { publish: (subject: string, data: Uint8Array) => void; flush: () => Promise<void> },
  runId: string,
  response: Record<string, unknown> | string,
) => {
  nc.publish(
    `dagnats.http.response.${runId}`,
    encoder.encode(typeof response === "string" ? response : JSON.stringify(response)),
  )
  await nc.flush()
}
