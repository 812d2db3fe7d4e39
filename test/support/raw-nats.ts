// Raw NATS access for end-to-end tests: what another NATS program would see in the streams and
// buckets, plus micro requests and a "the evaluator has caught up" barrier.
import { connect } from "@nats-io/transport-node"
import { headers as natsHeaders, type NatsConnection } from "@nats-io/nats-core"
import {
  DeliverPolicy,
  jetstream,
  jetstreamManager,
  type JetStreamClient,
  type JetStreamManager,
} from "@nats-io/jetstream"
import { Kvm, type KV } from "@nats-io/kv"
import { expect } from "vitest"
import { eventually } from "./poll.js"

const encoder = new TextEncoder()
const decoder = new TextDecoder()

export interface RawNats {
  readonly nc: NatsConnection
  readonly js: JetStreamClient
  readonly jsm: JetStreamManager
  /** The `runs` bucket (serve must have created it). */
  readonly runs: () => Promise<KV>
  /** A micro request; resolves with the JSON reply, rejects with the service error. */
  readonly request: <T = any>(subject: string, body: unknown) => Promise<T>
  /** Publish to EVENTS as any NATS program would; returns the stream sequence. */
  readonly publish: (
    subject: string,
    body: string | Uint8Array,
    o?: { msgID?: string; contentType?: string | null },
  ) => Promise<number>
  /** Every message stored on `subject` in `stream`, oldest first. */
  readonly messages: (
    stream: string,
    subject: string,
  ) => Promise<Array<{ data: unknown; headers: Record<string, string>; seq: number }>>
  /**
   * Every trigger.fire record of one trigger, ordered by the event they are about. Events are
   * evaluated concurrently, so the stream order of records is not the event order.
   */
  readonly fires: (trigger: string) => Promise<Array<Record<string, any>>>
  /** Every run record in KV `runs`. */
  readonly allRuns: () => Promise<Array<Record<string, any>>>
  /** Resolves once the evaluator consumer has acknowledged everything in EVENTS. */
  readonly settled: (timeoutMs?: number) => Promise<void>
  readonly close: () => Promise<void>
}

export const openRawNats = async (url: string): Promise<RawNats> => {
  const nc = await connect({ servers: url })
  const js = jetstream(nc)
  const jsm = await jetstreamManager(nc)
  const runs = () => new Kvm(js).open("dagnats_runs")

  const request = async <T>(subject: string, body: unknown): Promise<T> => {
    const reply = await nc.request(subject, encoder.encode(JSON.stringify(body)), { timeout: 20_000 })
    const code = reply.headers?.get("Nats-Service-Error-Code")
    const text = decoder.decode(reply.data)
    if (code !== undefined && code !== "") throw new Error(`${subject} → ${code}: ${text}`)
    return JSON.parse(text) as T
  }

  const publish: RawNats["publish"] = async (subject, body, o = {}) => {
    const h = natsHeaders()
    if (o.contentType !== null) h.set("Content-Type", o.contentType ?? "application/json")
    const ack = await js.publish(subject, typeof body === "string" ? encoder.encode(body) : body, {
      headers: h,
      ...(o.msgID !== undefined ? { msgID: o.msgID } : {}),
    })
    return ack.seq
  }

  const messages: RawNats["messages"] = async (stream, subject) => {
    const consumer = await js.consumers.get(stream, { filter_subjects: subject, deliver_policy: DeliverPolicy.All })
    const pending = (await consumer.info(true)).num_pending
    const out: Array<{ data: unknown; headers: Record<string, string>; seq: number }> = []
    while (out.length < pending) {
      const batch = await consumer.fetch({ max_messages: Math.min(1_000, pending - out.length), expires: 5_000 })
      for await (const m of batch) {
        const headers: Record<string, string> = {}
        for (const k of m.headers?.keys() ?? []) headers[k] = m.headers!.get(k)
        out.push({ data: JSON.parse(decoder.decode(m.data)), headers, seq: m.seq })
      }
    }
    await consumer.delete().catch(() => undefined)
    return out
  }

  const fires: RawNats["fires"] = async (trigger) =>
    (await messages("TRIGGER_HISTORY", `trigger.fire.${trigger}`))
      .map((m) => m.data as Record<string, any>)
      .sort((a, b) => a.event.seq - b.event.seq)

  const allRuns = async () => {
    const kv = await runs()
    const out: Array<Record<string, any>> = []
    if ((await kv.status()).values === 0) return out
    const iter = await kv.watch()
    for await (const e of iter) {
      if (e.operation === "PUT") out.push(JSON.parse(decoder.decode(e.value)) as Record<string, any>)
      if (e.delta === 0) break
    }
    iter.stop()
    return out
  }

  const settled = (timeoutMs = 20_000) =>
    eventually(async () => {
      const events = await jsm.streams.info("EVENTS")
      const c = await jsm.consumers.info("EVENTS", "dagnats-evaluator")
      expect(c.delivered.stream_seq).toBeGreaterThanOrEqual(events.state.last_seq)
      expect(c.num_pending).toBe(0)
      expect(c.num_ack_pending).toBe(0)
    }, timeoutMs)

  return {
    nc,
    js,
    jsm,
    runs,
    request,
    publish,
    messages,
    fires,
    allRuns,
    settled,
    close: () => nc.close(),
  }
}

/** A fire record without its time, for exact comparison. */
/**
 * A fire record without its time, the engine's TriggerFire fields (checked here to agree with
 * dagnats' own) and the run status `trigger history` adds, so tests compare what they are about.
 */
export const withoutAt = (r: Record<string, any>) => {
  const { at, trigger_id, workflow_id, source, fired_at, skipped, skip_reason, run_status: _status, ...rest } = r
  expect(typeof at).toBe("string")
  expect(Number.isNaN(Date.parse(at as string))).toBe(false)
  expect([trigger_id, workflow_id, source, fired_at, skipped]).toStrictEqual([
    r.trigger,
    r.workflow,
    r.trigger,
    at,
    r.outcome !== "fired",
  ])
  expect(skip_reason).toBe(r.outcome === "skipped" ? r.reason : r.outcome === "error" ? `error: ${r.error}` : undefined)
  return rest
}
