// Reading deliveries back: one by its id, the newest few by trigger and status, and the chain that
// followed an accepted one. The chain is joined at read time, so it is right whichever serve
// evaluated the event: the decisions are the TRIGGER_HISTORY records of the delivery's event (same
// subject and EVENTS sequence), and each run's status is its run record's, as it is now.
import { Effect, Option, Schema } from "effect"
import type { KV } from "../nats/kv-api.js"
import type { JetStreamClient, JetStreamManager } from "../nats/jetstream-api.js"
import { Streams, Subjects } from "../protocol/names.js"
import { NotFound } from "../domain/errors.js"
import {
  DeliveryRecord,
  deliveryIdTimeMs,
  statusMatches,
  type Decision,
  type Delivery,
  type DeliveryListItem,
  type DeliveryBody,
  type DeliveryRun,
} from "../domain/delivery.js"
import { decodeUtf8 } from "../domain/json-limits.js"
import { getMessage } from "../nats/stream-messages.js"
import { HistoryFire } from "../domain/fire-record.js"
import { jsonBytes } from "../domain/list-budget.js"
import { parseJsonBytes } from "../domain/json.js"
import { scanBack } from "../nats/scan-back.js"
import { scanForward } from "../nats/scan-forward.js"
import { toUnavailable } from "../nats/conditions.js"
import { getRun } from "../runs/index.js"

/**
 * How far a serve's clock (which made the id and `received_at`) may be ahead of the NATS server's
 * (which stamps stored messages): look-ups start this much earlier.
 */
const CLOCK_SKEW_MS = 5 * 60_000
/** A record is written right after its answer: it is among the first few on its id's subject. */
const GET_SCAN_MESSAGES = 1
/**
 * Trigger history read after a delivery to find its decisions: evaluation follows within seconds
 * while the evaluator keeps up, so records stored more than an hour later (an evaluator that was
 * down that long) or beyond this many are not joined.
 */
const DECISION_SCAN_MESSAGES = 20_000
const DECISION_WINDOW_MS = 3_600_000
/** Run look-ups at once while joining runs. */
const RUN_LOOKUPS = 8

const decodeRecord = Schema.decodeUnknownOption(DeliveryRecord)
const decodeFire = Schema.decodeUnknownOption(HistoryFire)

const parse = (data: Uint8Array): unknown => Option.getOrUndefined(parseJsonBytes(data))

/** The stored record with this id and where it is stored, or undefined. */
const findStored = async (js: JetStreamClient, id: string) => {
  let found: { readonly record: DeliveryRecord; readonly seq: number } | undefined
  await scanForward(js, {
    stream: Streams.deliveries,
    subject: Subjects.deliveryById(id),
    startTimeMs: deliveryIdTimeMs(id) - CLOCK_SKEW_MS,
    maxMessages: GET_SCAN_MESSAGES,
    visit: (m) => {
      const r = decodeRecord(parse(m.data))
      if (r._tag === "Some") found = { record: r.value, seq: m.seq }
      return found !== undefined
    },
  })
  return found
}

/** The stored record with this id, or undefined. */
export const findRecord = (js: JetStreamClient, id: string) =>
  Effect.tryPromise({ try: async () => (await findStored(js, id))?.record, catch: toUnavailable })

/** The trigger history records of one event, in the order they were written. */
export const findDecisions = (js: JetStreamClient, event: { subject: string; seq: number }, receivedAtMs: number) =>
  Effect.tryPromise({
    try: async () => {
      const decisions: Array<Decision & { readonly workflow: string }> = []
      await scanForward(js, {
        stream: Streams.triggerHistory,
        subject: Subjects.triggerFireAll,
        startTimeMs: receivedAtMs - CLOCK_SKEW_MS,
        maxMessages: DECISION_SCAN_MESSAGES,
        visit: (m) => {
          const f = decodeFire(parse(m.data))
          if (f._tag === "Some" && f.value.event.subject === event.subject && f.value.event.seq === event.seq) {
            const r = f.value
            decisions.push({
              trigger: r.trigger,
              workflow: r.workflow,
              outcome: r.outcome,
              ...(r.reason !== undefined ? { reason: r.reason } : {}),
              // Why it did not go on: a filter's or expression's detail, or the error.
              ...((r.detail ?? r.error) !== undefined ? { detail: (r.detail ?? r.error)!.slice(0, 200) } : {}),
              ...(r.run_id !== undefined ? { run_id: r.run_id } : {}),
              at: r.at,
            })
          }
          return m.timeMs > receivedAtMs + DECISION_WINDOW_MS
        },
      })
      return decisions
    },
    catch: toUnavailable,
  })

/**
 * The body of the event a delivery stored, as `deliveries.get` answers it within `room` bytes of
 * JSON: the stored message at its sequence, if it is still that event (EVENTS may have aged it out).
 */
const bodyOf = (jsm: JetStreamManager, event: { subject: string; seq: number }, room: number) =>
  Effect.map(getMessage(jsm, Streams.events, { seq: event.seq }), (m): DeliveryBody => {
    if (m === null || m.subject !== event.subject) return { gone: true }
    const text = decodeUtf8(m.data)
    const body: DeliveryBody =
      text !== undefined
        ? { encoding: "utf-8", text }
        : { encoding: "base64", text: Buffer.from(m.data).toString("base64") }
    return jsonBytes(body) <= room ? body : { cut: true, size: m.data.length }
  })

/**
 * `dagnats.deliveries.get`: the record, its decisions and their runs with their current status, and
 * with `body.room` the stored event's body in at most that many bytes of the reply.
 */
export const getDelivery = (
  js: JetStreamClient,
  jsm: JetStreamManager,
  runs: KV,
  id: string,
  body?: { readonly room: number },
) =>
  Effect.gen(function* () {
    const record = yield* findRecord(js, id)
    if (record === undefined) return yield* new NotFound({ kind: "delivery", name: id })
    const found =
      record.event === undefined ? [] : yield* findDecisions(js, record.event, Date.parse(record.received_at))
    const runIds = found.flatMap((d) => (d.run_id !== undefined ? [{ run_id: d.run_id, workflow: d.workflow }] : []))
    const unique = runIds.filter((r, i) => runIds.findIndex((o) => o.run_id === r.run_id) === i)
    const withStatus = yield* Effect.forEach(
      unique,
      (r): Effect.Effect<DeliveryRun, never> =>
        getRun(runs, r.run_id).pipe(
          Effect.map((run) => ({ run_id: r.run_id, workflow: run.workflow, status: run.status })),
          Effect.orElseSucceed(() => ({ ...r, status: "unknown" })),
        ),
      { concurrency: RUN_LOOKUPS },
    )
    const decisions = found.map(({ workflow: _, ...d }) => d)
    const delivery: Delivery = { ...record, decisions, runs: withStatus }
    if (body === undefined || record.event === undefined) return delivery
    const stored = yield* bodyOf(jsm, record.event, body.room - jsonBytes(delivery) - 16)
    return { ...delivery, body: stored } satisfies Delivery
  })

export interface ListQuery {
  readonly trigger: string | undefined
  readonly status: string | undefined
  readonly sinceMs: number | undefined
  readonly limit: number
  /** Each record's share of the reply: a larger one loses its request headers. */
  readonly share: number
  /** Only records stored before the one with this delivery id. */
  readonly before?: string | undefined
}

/**
 * The newest `limit` records that pass the filters, newest first (stored before `before`'s record
 * when given). Fails with NotFound when `before` names no stored delivery.
 */
export const listDeliveries = (js: JetStreamClient, jsm: JetStreamManager, q: ListQuery) =>
  Effect.gen(function* () {
    const from =
      q.before === undefined
        ? undefined
        : yield* Effect.tryPromise({ try: () => findStored(js, q.before!), catch: toUnavailable })
    if (q.before !== undefined && from === undefined) return yield* new NotFound({ kind: "delivery", name: q.before })
    return yield* readDeliveries(js, jsm, q, from === undefined ? undefined : from.seq - 1)
  })

const readDeliveries = (js: JetStreamClient, jsm: JetStreamManager, q: ListQuery, upToSeq: number | undefined) =>
  Effect.tryPromise({
    try: async (): Promise<Array<DeliveryListItem>> => {
      const kept: Array<DeliveryListItem> = []
      let window: Array<DeliveryListItem> = []
      const subject = q.trigger !== undefined ? Subjects.deliveriesOf(q.trigger) : Subjects.deliveriesStored
      if (upToSeq !== undefined && upToSeq < 1) return []
      // One trigger's records are found from its newest on: a trigger with none (or none since
      // `since`) costs one look-up, not a walk back over the whole stream.
      const newest =
        q.trigger !== undefined && upToSeq === undefined
          ? await jsm.streams.getMessage(Streams.deliveries, { last_by_subj: subject })
          : undefined
      if (newest === null) return []
      if (newest !== undefined && q.sinceMs !== undefined && newest.time.getTime() < q.sinceMs - CLOCK_SKEW_MS)
        return []
      await scanBack(js, jsm, {
        stream: Streams.deliveries,
        subject,
        lastSeq: upToSeq ?? newest?.seq,
        initialWindow: q.limit,
        visit: (m) => {
          const r = decodeRecord(parse(m.data))
          if (r._tag === "None") return
          const rec = r.value
          if (!statusMatches(q.status, rec)) return
          if (q.sinceMs !== undefined && Date.parse(rec.received_at) < q.sinceMs) return
          window.push(
            jsonBytes(rec) <= q.share
              ? rec
              : { ...rec, request: { ...rec.request, headers: {} }, cut: ["headers"] as const },
          )
          if (window.length > q.limit - kept.length) window.shift()
        },
        done: (oldestTimeMs) => {
          kept.push(...window.reverse())
          window = []
          return kept.length >= q.limit || (q.sinceMs !== undefined && oldestTimeMs < q.sinceMs - CLOCK_SKEW_MS)
        },
      })
      return kept.slice(0, q.limit)
    },
    catch: toUnavailable,
  })
