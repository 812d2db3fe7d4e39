// Replay: evaluate stored events (EVENTS, or dead letters on DAGNATS_DEAD) again against one trigger
// as it is now, through the evaluator's own evaluateEvent, so filters, debounce and batch apply
// exactly as they would live. A run that already exists for the trigger and event (deterministic
// run ids) is counted `existing` and not started again, so a replay fills gaps and can be repeated.
// Events are read with an ordered consumer from the range's start time and handled one at a time:
// memory stays bounded whatever the range, and windows see events in stream order.
import { Effect } from "effect"
import { DeliverPolicy, type JsMsg, type JetStreamClient, type JetStreamManager } from "@nats-io/jetstream"
import type { KV } from "@nats-io/kv"
import { DeadHeaders, Headers, Streams, Subjects } from "../protocol/names.js"
import { compileFilters } from "../domain/filters.js"
import { subjectMatches } from "../domain/subjects.js"
import { listenSubject, type StoredTrigger } from "../domain/trigger.js"
import { skipped, type FireRecord } from "../domain/fire-record.js"
import type { Unavailable } from "../domain/errors.js"
import { evaluateEvent, type EvaluateDeps, type InboundEvent, type WindowHandler } from "../evaluator/index.js"
import type { RunStarterShape } from "../runs/index.js"
import { toUnavailable } from "../nats/conditions.js"
import { boundedPull } from "../nats/pull-bound.js"
import type { ReplayRange } from "./range.js"

/** Runs (and, for a dry run, per-event lines) listed in a reply; counts go on beyond this. */
const MAX_LISTED = 1_000

export interface ReplayRequest {
  readonly trigger: StoredTrigger
  readonly range: ReplayRange
  /** Only events on subjects matching this (inside the trigger's own subject). */
  readonly subject: string | undefined
  readonly dead: boolean
  readonly dryRun: boolean
}

type EventVerdict = "fired" | "existing" | "skipped"

interface EventReport {
  readonly subject: string
  readonly seq: number
  readonly outcome: EventVerdict
  readonly reason?: string
  readonly run_id?: string
}

export interface ReplayReply {
  readonly evaluated: number
  readonly fired: number
  readonly existing: number
  readonly skipped: number
  readonly runs: ReadonlyArray<string>
  /** Dead letters removed because they now evaluate cleanly (--dead only). */
  readonly removed?: number
  /** Per event, what happened or (dry run) would happen; dry runs only. */
  readonly events?: ReadonlyArray<EventReport>
  /** More runs or events than listed. */
  readonly truncated?: boolean
}

export interface ReplayDeps {
  readonly js: JetStreamClient
  readonly jsm: JetStreamManager
  readonly runs: KV
  readonly starter: RunStarterShape
  readonly debounce: WindowHandler
  readonly batch: WindowHandler
  readonly lookupRunSeq: EvaluateDeps["lookupRunSeq"]
  readonly record: (r: FireRecord) => Effect.Effect<unknown, Unavailable>
}

export type Progress = (counts: Omit<ReplayReply, "runs" | "events">) => void

const headerMap = (m: JsMsg) => {
  const out = new Map<string, string>()
  if (m.headers !== undefined) for (const k of m.headers.keys()) out.set(k.toLowerCase(), m.headers.get(k))
  return out
}

/**
 * A stored event as the evaluator sees it; `redelivered` so windows never count an event twice.
 * Windows are timed from the replay, not from when the event was stored: a window timed from
 * the past would be due at once and its timer could close it between two replayed events.
 */
const fromEvents = (m: JsMsg): InboundEvent => {
  const h = headerMap(m)
  return {
    subject: m.subject,
    seq: m.seq,
    data: m.data,
    header: (n) => h.get(n),
    deliveryId: h.get(Headers.deliveryId.toLowerCase()) || h.get(Headers.msgId.toLowerCase()) || undefined,
    redelivered: true,
    storedAtMs: Date.now(),
  }
}

/** A dead letter as the event it was: its original subject, sequence and headers; body unchanged. */
const fromDead = (m: JsMsg): InboundEvent | undefined => {
  const h = headerMap(m)
  const subject = h.get(DeadHeaders.subject.toLowerCase())
  const seq = Number(h.get(DeadHeaders.seq.toLowerCase()))
  if (subject === undefined || subject === "" || !Number.isInteger(seq) || seq < 1) return undefined
  return {
    subject,
    seq,
    data: m.data,
    header: (n) => h.get(n),
    deliveryId: h.get(Headers.deliveryId.toLowerCase()) || h.get(Headers.msgId.toLowerCase()) || undefined,
    redelivered: true,
    storedAtMs: Date.now(),
  }
}

/** A run starter that writes nothing: says whether the run would be new. */
const dryStarter = (runs: KV): RunStarterShape => ({
  start: (spec) =>
    Effect.tryPromise({
      try: async () => {
        const e = await runs.get(spec.runId)
        return { runId: spec.runId, created: e === null || e.operation !== "PUT" }
      },
      catch: toUnavailable,
    }),
})

const dryWindow = (reason: "debounced" | "batched"): WindowHandler => ({
  absorb: ({ trigger, event }) =>
    Effect.succeed(skipped({ trigger: trigger.name, workflow: trigger.workflow, event }, reason)),
})

export const replay = (d: ReplayDeps, r: ReplayRequest, progress: Progress) =>
  Effect.gen(function* () {
    /** A dead letter whose body was too large to keep: the body is read back from EVENTS. */
    const withStoredBody = (e: InboundEvent) =>
      Effect.tryPromise({
        try: async (): Promise<InboundEvent> => {
          const stored = await d.jsm.streams.getMessage(Streams.events, { seq: e.seq }).catch(() => null)
          return stored !== null && stored.subject === e.subject ? { ...e, data: stored.data } : e
        },
        catch: toUnavailable,
      })
    const pattern = listenSubject(r.trigger)
    const filters = compileFilters(r.trigger.filters ?? [])
    const created = new Map<string, boolean>()
    const baseStarter = r.dryRun ? dryStarter(d.runs) : d.starter
    const starter: RunStarterShape = {
      start: (spec) => Effect.tap(baseStarter.start(spec), (o) => Effect.sync(() => created.set(o.runId, o.created))),
    }
    const deps: EvaluateDeps = {
      matcher: {
        match: (subject) =>
          subjectMatches(pattern, subject) && (r.subject === undefined || subjectMatches(r.subject, subject))
            ? [{ trigger: r.trigger, filters }]
            : [],
        close: () => undefined,
      },
      starter,
      debounce: r.dryRun ? dryWindow("debounced") : d.debounce,
      batch: r.dryRun ? dryWindow("batched") : d.batch,
      lookupRunSeq: d.lookupRunSeq,
    }
    const counts = { evaluated: 0, fired: 0, existing: 0, skipped: 0, removed: 0 }
    const runs: Array<string> = []
    const events: Array<EventReport> = []
    let truncated = false

    const handle = (m: JsMsg) =>
      Effect.gen(function* () {
        const found = r.dead ? fromDead(m) : fromEvents(m)
        if (found === undefined || deps.matcher.match(found.subject).length === 0) return
        const omitted = r.dead && headerMap(m).has(DeadHeaders.bodyOmitted.toLowerCase())
        const event = omitted ? yield* withStoredBody(found) : found
        created.clear()
        const records = yield* evaluateEvent(deps, event)
        counts.evaluated++
        let clean = true
        for (const rec of records) {
          const verdict: EventVerdict =
            rec.outcome === "fired"
              ? created.get(rec.run_id!) === true
                ? "fired"
                : "existing"
              : rec.outcome === "skipped" && rec.reason === "duplicate"
                ? "existing"
                : "skipped"
          if (rec.outcome === "error") clean = false
          counts[verdict]++
          if (verdict === "fired") {
            if (runs.length < MAX_LISTED) runs.push(rec.run_id!)
            else truncated = true
            if (!r.dryRun) yield* d.record(rec)
          }
          if (r.dryRun) {
            if (events.length < MAX_LISTED) {
              events.push({
                subject: event.subject,
                seq: event.seq,
                outcome: verdict,
                ...(verdict === "skipped" && rec.reason !== undefined ? { reason: rec.reason } : {}),
                ...(rec.error !== undefined ? { reason: rec.error } : {}),
                ...(rec.run_id !== undefined ? { run_id: rec.run_id } : {}),
              })
            } else truncated = true
          }
        }
        if (r.dead && clean && !r.dryRun) {
          yield* Effect.tryPromise({
            try: () => d.jsm.streams.deleteMessage(Streams.dead, m.seq),
            catch: toUnavailable,
          })
          counts.removed++
        }
      })

    const stream = r.dead ? Streams.dead : Streams.events
    const filter = r.dead ? Subjects.deadAll : (r.subject ?? pattern)
    yield* readRange(d.js, stream, filter, r.range, (m) =>
      handle(m).pipe(Effect.tap(() => Effect.sync(() => progress(counts)))),
    )
    const reply: ReplayReply = {
      evaluated: counts.evaluated,
      fired: counts.fired,
      existing: counts.existing,
      skipped: counts.skipped,
      runs,
      ...(r.dead ? { removed: counts.removed } : {}),
      ...(r.dryRun ? { events } : {}),
      ...(truncated ? { truncated: true } : {}),
    }
    return reply
  })

/**
 * Hand every message of `stream` on `filter` stored in the range to `each`, in stream order, one at
 * a time. An ordered consumer (ephemeral, flow-controlled) holds no state on the server afterwards.
 */
const readRange = (
  js: JetStreamClient,
  stream: string,
  filter: string,
  range: ReplayRange,
  each: (m: JsMsg) => Effect.Effect<unknown, Unavailable>,
) =>
  Effect.gen(function* () {
    const consumer = yield* Effect.tryPromise({
      try: () =>
        js.consumers.get(stream, {
          filter_subjects: filter,
          ...(range.sinceMs !== undefined
            ? { deliver_policy: DeliverPolicy.StartTime, opt_start_time: new Date(range.sinceMs).toISOString() }
            : { deliver_policy: DeliverPolicy.All }),
        }),
      catch: toUnavailable,
    })
    const pending = yield* Effect.tryPromise({
      try: async () => (await consumer.info(true)).num_pending,
      catch: toUnavailable,
    })
    if (pending === 0) return
    const iter = yield* Effect.tryPromise({ try: () => consumer.consume(boundedPull(js, 256)), catch: toUnavailable })
    const it = iter[Symbol.asyncIterator]()
    yield* Effect.gen(function* () {
      for (;;) {
        const next = yield* Effect.tryPromise({ try: () => it.next(), catch: toUnavailable })
        if (next.done === true) return
        const m = next.value
        if (m.time.getTime() > range.untilMs) return
        yield* each(m)
        if (m.info.pending === 0) return
      }
    }).pipe(
      // Not awaited: close() resolves only once the iterator has ended, and ending it is what
      // return() does; awaiting one before the other would wait forever.
      Effect.ensuring(
        Effect.sync(() => {
          void iter.close().catch(() => undefined)
          void it.return?.(undefined)?.catch(() => undefined)
        }),
      ),
    )
  })
