// The window engine against a real nats-server, without serve: streams and buckets as serve creates
// them, a real run starter, and a clock the test sets. Events are real EVENTS messages; the test
// decides when each is "evaluated" (absorbed) and with which stored time, so races that need a
// crash or a leader election at the process level are laid out step by step.
import { afterEach, expect } from "vitest"
import { Effect } from "effect"
import { connect } from "@nats-io/transport-node"
import { headers as natsHeaders } from "@nats-io/nats-core"
import { jetstream, jetstreamManager } from "@nats-io/jetstream"
import type { KV, KvEntry } from "@nats-io/kv"
import { startNatsServer, type TestNatsServer } from "../support/nats-server.js"
import { eventually } from "../support/poll.js"
import { ensureResources } from "../../src/nats/resources.js"
import * as TriggerStore from "../../src/triggers/store.js"
import * as RunStarter from "../../src/runs/starter.js"
import { makeWindowEngine, type WindowEngine } from "../../src/windows/engine.js"
import { ensureEvaluatorConsumer } from "../../src/evaluator/consumer.js"
import type { StoredTrigger } from "../../src/domain/trigger.js"
import type { TriggerTableShape } from "../../src/triggers/table.js"
import type { FireRecord } from "../../src/domain/fire-record.js"
import type { InboundEvent } from "../../src/evaluator/evaluate.js"
import type { NatsHandles } from "../../src/nats/connection.js"
import { natsHandles } from "../support/nats-handles.js"

const encoder = new TextEncoder()
const decoder = new TextDecoder()

/**
 * A KV that answers reads like a replica one write behind for the keys written through it (as a
 * follower may on a cluster), while leader reads (stream message get) see the truth.
 */
export const laggingKv = (kv: KV) => {
  const previous = new Map<string, KvEntry | null>()
  let lagging = false
  /** Work to run once, just before the next read of a key is answered (another serve acting then). */
  const beforeGet = new Map<string, () => Promise<unknown>>()
  const w = Object.create(kv) as KV
  const remember = async (k: string) => previous.set(k, await kv.get(k))
  Object.assign(w, {
    get: async (k: string, o?: { revision: number }) => {
      const first = beforeGet.get(k)
      beforeGet.delete(k)
      await first?.()
      return lagging && o === undefined && previous.has(k) ? previous.get(k)! : kv.get(k, o)
    },
    create: async (k: string, d: Uint8Array) => (await remember(k), kv.create(k, d)),
    update: async (k: string, d: Uint8Array, v: number) => (await remember(k), kv.update(k, d, v)),
    delete: async (k: string, o?: unknown) => (await remember(k), kv.delete(k, o as never)),
  })
  return {
    kv: w,
    lag: (on: boolean) => void (lagging = on),
    beforeNextGet: (k: string, f: () => Promise<unknown>) => void beforeGet.set(k, f),
  }
}

export interface Rig {
  readonly nats: TestNatsServer
  readonly handles: NatsHandles
  readonly engine: WindowEngine
  readonly trigger: StoredTrigger
  /** The trigger table the engine reads: the rig's one trigger. */
  readonly table: TriggerTableShape
  readonly records: Array<FireRecord>
  readonly lag: (on: boolean) => void
  /** Run `f` once, just before the engine's next (non-leader) read of window `key` is answered. */
  readonly beforeNextRead: (kind: "debounce" | "batch", key: string, f: () => Promise<unknown>) => void
  /** The engine's clock (ms). */
  now: number
  /** Publish a JSON event to EVENTS; returns its sequence and stored time. */
  readonly publish: (subject: string, payload: unknown) => Promise<{ seq: number; storedAtMs: number }>
  /** An inbound event as the evaluator would hand it over, with the stored time the test chooses. */
  readonly event: (
    seq: number,
    subject: string,
    storedAtMs: number,
    payload: unknown,
  ) => { trigger: StoredTrigger; event: InboundEvent; payload: unknown }
  readonly runs: () => Promise<Array<Record<string, any>>>
  readonly windowState: (kind: "debounce" | "batch", key: string) => Promise<Record<string, any> | undefined>
  readonly close: () => Promise<void>
}

export const startRig = async (
  definition: Record<string, unknown>,
  o: { readonly consumerFirst?: boolean; readonly maxRunInputBytes?: number } = {},
): Promise<Rig> => {
  const nats = await startNatsServer()
  const nc = await connect({ servers: nats.url })
  const handles: NatsHandles = await natsHandles(nc)
  const buckets = await Effect.runPromise(ensureResources(handles, { replicas: 1 }))
  if (o.consumerFirst === true) await Effect.runPromise(ensureEvaluatorConsumer(handles))
  const trigger = await Effect.runPromise(TriggerStore.make(buckets.triggers).create(definition))
  const table: TriggerTableShape = {
    get: (name) => (name === trigger.name ? trigger : undefined),
    all: () => [trigger],
    subscribe: () => () => undefined,
    sync: Effect.void,
    ready: () => true,
  }
  const debounce = laggingKv(buckets.debounceState)
  const batch = laggingKv(buckets.batchState)
  const records: Array<FireRecord> = []
  const rig: Rig = {
    nats,
    handles,
    trigger,
    table,
    records,
    now: 0,
    lag: (on) => {
      debounce.lag(on)
      batch.lag(on)
    },
    beforeNextRead: (kind, key, f) => (kind === "debounce" ? debounce : batch).beforeNextGet(key, f),
    engine: undefined as never,
    publish: async (subject, payload) => {
      const h = natsHeaders()
      h.set("Content-Type", "application/json")
      const ack = await handles.js.publish(subject, encoder.encode(JSON.stringify(payload)), { headers: h })
      const m = await handles.jsm.streams.getMessage("EVENTS", { seq: ack.seq })
      return { seq: ack.seq, storedAtMs: m!.time.getTime() }
    },
    event: (seq, subject, storedAtMs, payload) => ({
      trigger,
      payload,
      event: {
        subject,
        seq,
        data: new Uint8Array(),
        header: () => undefined,
        deliveryId: undefined,
        redelivered: false,
        storedAtMs,
      },
    }),
    runs: async () => {
      const out: Array<Record<string, any>> = []
      for await (const k of await buckets.runs.keys()) {
        const e = await buckets.runs.get(k)
        if (e !== null && e.operation === "PUT") out.push(JSON.parse(decoder.decode(e.value)))
      }
      return out.sort((a, b) => a.event.seq - b.event.seq)
    },
    windowState: async (kind, key) => {
      const e = await (kind === "debounce" ? buckets.debounceState : buckets.batchState).get(key)
      return e === null || e.operation !== "PUT" ? undefined : JSON.parse(decoder.decode(e.value))
    },
    close: async () => {
      await nc.close()
      await nats.dispose()
    },
  }
  // Created after the events of a test that wants nothing pending, so the consumer (deliver new)
  // counts them as evaluated: the engine's global fast path then holds nothing back.
  ;(rig as { engine: WindowEngine }).engine = makeWindowEngine({
    debounceKv: debounce.kv,
    batchKv: batch.kv,
    js: handles.js,
    jsm: handles.jsm,
    publisher: handles.publisher,
    starter: RunStarter.make(buckets.runs, handles.publisher),
    table,
    record: (r) => Effect.sync(() => void records.push(r)),
    now: () => rig.now,
    maxRunInputBytes: o.maxRunInputBytes ?? 1_000_000,
    maxPayload: nc.info?.max_payload ?? 0,
    epoch: () => "test",
  })
  return rig
}

export const run = <A, E>(e: Effect.Effect<A, E>) => Effect.runPromise(e as Effect.Effect<A, never>)

/** `startRig` for a test file: every rig it starts is closed after its test. */
export const rigPerTest = () => {
  const rigs: Array<Rig> = []
  afterEach(async () => {
    for (const r of rigs.splice(0)) await r.close().catch(() => undefined)
  })
  return async (...a: Parameters<typeof startRig>) => {
    const r = await startRig(...a)
    rigs.push(r)
    return r
  }
}

/** A debounce window's timer, as the engine armed it for `key`. */
export const timerOf = (key: string, w: Record<string, any>) => ({
  kind: "debounce" as const,
  key,
  id: w.id as string,
  due_at: w.due_at as number,
})

/** Fire a due window's timer, asked again until it is acked (the window's own events all evaluated). */
export const fired = (r: Rig, key: string, w: Record<string, any>, timeoutMs = 15_000) =>
  eventually(
    async () => expect(await run(r.engine.onTimer(timerOf(key, w)))).toStrictEqual({ ack: true }),
    timeoutMs,
    100,
  )
