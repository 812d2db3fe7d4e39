// Replay: evaluate stored events (EVENTS, or dead letters on DAGNATS_DEAD) again against one trigger
// as it is now, through the evaluator's own evaluateEvent and its own event identity (delivery id,
// else sequence within the EVENTS epoch), so filters, debounce and batch apply exactly as they would
// live and a run the live evaluation started is found `existing`, never started again.
// One request does a bounded part of a replay (REQUEST_BUDGET_MS, MAX_PER_REQUEST) and answers with
// its counts and, while events are left, where the next request continues (`next`): the requester
// sees progress, and a replay whose requester went away stops within one part. Events are read with
// an ordered consumer and handled one at a time: memory stays bounded, windows see stream order.
import { Duration, Effect, Option } from "effect"
import {
  DeliverPolicy,
  type Consumer,
  type JsMsg,
  type JetStreamClient,
  type JetStreamManager,
} from "../nats/jetstream-api.js"
import type { KV } from "../nats/kv-api.js"
import { DeadHeaders, Streams, Subjects } from "../protocol/names.js"
import { compileFilters } from "../domain/filters.js"
import { compileTriggerExpressions } from "../domain/trigger-expressions.js"
import { subjectMatches } from "../domain/subjects.js"
import { listenSubject, type StoredTrigger } from "../domain/trigger.js"
import { skipped, type FireRecord } from "../domain/fire-record.js"
import type { Unavailable } from "../domain/errors.js"
import {
  deliveryIdOf,
  evaluateEvent,
  headerLookup,
  storedEvent,
  type EvaluateDeps,
  type InboundEvent,
  type WindowHandler,
} from "../evaluator/index.js"
import { deadLetterOrigin } from "../dead/index.js"
import type { RunStarterShape } from "../runs/index.js"
import { toUnavailable } from "../nats/conditions.js"
import { boundedPull } from "../nats/pull-bound.js"
import type { ReplayRange } from "./range.js"
import { kvChangeEvent, readingOf, sourcePattern, sourceStream, withOps } from "../sources/index.js"
import { sourceEpoch } from "../nats/source-streams.js"
import { kvOpOf, sourceRef } from "../domain/source.js"
import { NotFound } from "../domain/errors.js"
import { Headers, kvKeySubject } from "../protocol/names.js"

/**
 * Messages one request handles at most, and how long it works before it answers with what is left.
 * The bound on messages also bounds the reply: every run and (dry run) event line fits in it.
 */
const MAX_PER_REQUEST = 500
const REQUEST_BUDGET_MS = 2_000
/** The longest reason text kept on a dry run's event line. */
const MAX_REASON_CHARS = 200

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
  /** More runs or events than listed (the CLI sets it when it lists fewer than it was sent). */
  readonly truncated?: boolean
  /** Events are left: the request fields to send again, with these replaced, for the next part. */
  readonly next?: ReplayNext
}

export interface ReplayNext {
  /** The next message to handle, by its sequence in the stream replayed. */
  readonly from_seq?: number
  /** When no message was handled yet: the start time, unchanged. */
  readonly since?: string
  /** The end of the range as the first request fixed it (a duration ago would move). */
  readonly until: string
}

export interface ReplayDeps {
  /** The EVENTS stream's epoch, read for each request: the live evaluator's identity of an event uses it. */
  readonly eventsEpoch: Effect.Effect<string, Unavailable>
  readonly js: JetStreamClient
  readonly jsm: JetStreamManager
  readonly runs: KV
  readonly starter: RunStarterShape
  readonly debounce: WindowHandler
  readonly batch: WindowHandler
  readonly lookupRunSeq: EvaluateDeps["lookupRunSeq"]
  readonly record: (r: FireRecord) => Effect.Effect<unknown, Unavailable>
}

/**
 * A stored event as the evaluator sees it, with the live evaluator's identity; `redelivered` so
 * windows never count an event twice. Windows are timed from the replay, not from when the event
 * was stored: a window timed from the past would be due at once and its timer could close it
 * between two replayed events.
 */
const fromEvents = (m: JsMsg, epoch: string): InboundEvent => ({
  ...storedEvent(m, epoch),
  redelivered: true,
  storedAtMs: Date.now(),
})

/**
 * A dead letter as the event it was: its original subject, sequence, epoch and headers, so its
 * identity (and run id) is the one the live evaluation gave it; body unchanged.
 */
const fromDead = (m: JsMsg): InboundEvent | undefined => {
  const header = headerLookup(m)
  const origin = deadLetterOrigin(header)
  if (origin === undefined) return undefined
  return {
    subject: origin.subject,
    seq: origin.seq,
    data: m.data,
    header,
    // The letter's own Nats-Msg-Id names the letter, not the event; the event's is kept apart.
    deliveryId: deliveryIdOf(header, DeadHeaders.msgId),
    redelivered: true,
    storedAtMs: Date.now(),
    ...(origin.epoch !== undefined ? { epoch: origin.epoch } : {}),
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

export const replay = (d: ReplayDeps, r: ReplayRequest) =>
  Effect.gen(function* () {
    /** A dead letter whose body was too large to keep: the body is read back from its stream. */
    const bodyStream = sourceStream(r.trigger) ?? Streams.events
    const withStoredBody = (e: InboundEvent) =>
      Effect.tryPromise({
        try: async (): Promise<InboundEvent> => {
          const stored = await d.jsm.streams.getMessage(bodyStream, { seq: e.seq }).catch(() => null)
          return stored !== null && stored.subject === e.subject ? { ...e, data: stored.data } : e
        },
        catch: toUnavailable,
      })
    // A trigger with a source replays that stream (a KV bucket's: its changes), with its epoch.
    const source = r.dead ? undefined : sourceStream(r.trigger)
    const reading = source === undefined ? undefined : readingOf(r.trigger)
    const sourced = source === undefined ? undefined : yield* sourceEpoch(d.jsm, source)
    if (source !== undefined && sourced === undefined) return yield* new NotFound({ kind: "stream", name: source })
    // Dead letters carry the epoch of their own event; events in EVENTS are of the stream as it is.
    const epoch = r.dead ? "" : (sourced ?? (yield* d.eventsEpoch))
    const ref = sourceRef(r.trigger.source)
    // A dead letter of a source's message keeps its own subject (a KV key's `$KV.{bucket}.{key}`).
    const pattern = sourceStream(r.trigger) === undefined ? listenSubject(r.trigger) : sourcePattern(r.trigger)
    // A KV trigger's --subject is a key pattern, as its own subject is.
    const only = r.subject !== undefined && ref?.kind === "kv" ? kvKeySubject(ref.bucket, r.subject) : r.subject
    const filters = compileFilters(r.trigger.filters ?? [])
    const expressions = compileTriggerExpressions(r.trigger)
    const created = new Map<string, boolean>()
    const baseStarter = r.dryRun ? dryStarter(d.runs) : d.starter
    const starter: RunStarterShape = {
      start: (spec) => Effect.tap(baseStarter.start(spec), (o) => Effect.sync(() => created.set(o.runId, o.created))),
    }
    const all: EvaluateDeps = {
      matcher: {
        match: (subject) =>
          subjectMatches(pattern, subject) && (only === undefined || subjectMatches(only, subject))
            ? [{ trigger: r.trigger, filters, expressions }]
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

    const handle = (m: JsMsg) =>
      Effect.gen(function* () {
        const dead = r.dead ? fromDead(m) : undefined
        // A KV trigger's dead letter is the change it was: the record, and only for the trigger's ops.
        const found =
          dead !== undefined && ref?.kind === "kv"
            ? kvChangeEvent(ref.bucket, dead)
            : r.dead
              ? dead
              : reading !== undefined
                ? { ...reading.toEvent(m, epoch), redelivered: true, storedAtMs: Date.now() }
                : fromEvents(m, epoch)
        const deps =
          dead !== undefined && ref?.kind === "kv"
            ? withOps(all, kvOpOf(dead.header(Headers.kvOperation.toLowerCase())))
            : (reading?.depsFor?.(m, all) ?? all)
        if (found === undefined || deps.matcher.match(found.subject).length === 0) return
        const omitted = r.dead && found.header(DeadHeaders.bodyOmitted.toLowerCase()) !== undefined
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
            runs.push(rec.run_id!)
            if (!r.dryRun) yield* d.record(rec)
          }
          if (r.dryRun) {
            const reason = rec.error ?? (verdict === "skipped" ? rec.reason : undefined)
            events.push({
              subject: event.subject,
              seq: event.seq,
              outcome: verdict,
              ...(reason !== undefined ? { reason: reason.slice(0, MAX_REASON_CHARS) } : {}),
              ...(rec.run_id !== undefined ? { run_id: rec.run_id } : {}),
            })
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

    const stream = r.dead ? Streams.dead : (source ?? Streams.events)
    const filter = r.dead ? Subjects.deadAll : (only ?? pattern)
    const part = yield* readPart(d.js, stream, filter, r.range, handle)
    const from = r.range.from
    const next: ReplayNext | undefined = part.done
      ? undefined
      : {
          ...(part.fromSeq !== undefined
            ? { from_seq: part.fromSeq }
            : from === undefined
              ? {}
              : "seq" in from
                ? { from_seq: from.seq }
                : { since: new Date(from.timeMs).toISOString() }),
          until: new Date(r.range.untilMs).toISOString(),
        }
    const reply: ReplayReply = {
      evaluated: counts.evaluated,
      fired: counts.fired,
      existing: counts.existing,
      skipped: counts.skipped,
      runs,
      ...(r.dead ? { removed: counts.removed } : {}),
      ...(r.dryRun ? { events } : {}),
      ...(next !== undefined ? { next } : {}),
    }
    return reply
  })

/** How a part of a replay ended: the range is done, or the next part starts at `fromSeq`. */
type Part = { readonly done: true } | { readonly done: false; readonly fromSeq: number | undefined }
const DONE: Part = { done: true }

/**
 * Hand the messages of `stream` on `filter` stored in the range to `each`, in stream order, one at
 * a time, until the range ends or this part's bound (MAX_PER_REQUEST, REQUEST_BUDGET_MS) is reached.
 * An ordered consumer (ephemeral, flow-controlled) holds no state on the server afterwards. No wait
 * outlasts the budget: a range whose remaining messages vanished (purged, aged out) ends.
 */
const readPart = (
  js: JetStreamClient,
  stream: string,
  filter: string,
  range: ReplayRange,
  each: (m: JsMsg) => Effect.Effect<unknown, Unavailable>,
) =>
  Effect.gen(function* () {
    const startedMs = Date.now()
    const from = range.from
    const consumer = yield* Effect.tryPromise({
      try: () =>
        js.consumers.get(stream, {
          filter_subjects: filter,
          ...(from === undefined
            ? { deliver_policy: DeliverPolicy.All }
            : "seq" in from
              ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: from.seq }
              : { deliver_policy: DeliverPolicy.StartTime, opt_start_time: new Date(from.timeMs).toISOString() }),
        }),
      catch: toUnavailable,
    })
    // Deleted when the part ends: nats.js leaves an ordered consumer to the server's inactivity
    // threshold (minutes), and a long replay makes one per part.
    return yield* readWith(consumer, boundedPull(js, 256), range, startedMs, each).pipe(
      Effect.map((part) => part ?? DONE),
      Effect.ensuring(Effect.promise(() => consumer.delete().catch(() => false))),
    )
  })

/** readPart's loop over one consumer, for the part that started at `startedMs`; undefined: nothing to read. */
const readWith = (
  consumer: Consumer,
  pull: ReturnType<typeof boundedPull>,
  range: ReplayRange,
  startedMs: number,
  each: (m: JsMsg) => Effect.Effect<unknown, Unavailable>,
) =>
  Effect.gen(function* () {
    let handled = 0
    /** The stream sequence after the last message handled, and its consumer sequence (0: none yet). */
    let nextSeq: number | undefined
    let lastDelivery = 0
    const pending = yield* Effect.tryPromise({
      try: async () => (await consumer.info(true)).num_pending,
      catch: toUnavailable,
    })
    if (pending === 0) return
    const iter = yield* Effect.tryPromise({ try: () => consumer.consume(pull), catch: toUnavailable })
    const it = iter[Symbol.asyncIterator]()
    return yield* Effect.gen(function* () {
      for (;;) {
        const leftMs = REQUEST_BUDGET_MS - (Date.now() - startedMs)
        const next =
          leftMs <= 0
            ? Option.none()
            : yield* Effect.tryPromise({ try: () => it.next(), catch: toUnavailable }).pipe(
                Effect.timeoutOption(Duration.millis(leftMs)),
              )
        if (Option.isNone(next)) {
          // Nothing came within the budget. The range is over when nothing is pending and nothing
          // was delivered past what was handled (a message may still be on its way); else the
          // next part reads on from here.
          // (Counted in consumer sequences: a purge moves the consumer's stream sequence past what
          // it removed, so that one says nothing about what was delivered.)
          const info = yield* Effect.tryPromise({ try: () => consumer.info(), catch: toUnavailable })
          const caughtUp = info.delivered.consumer_seq === lastDelivery
          return info.num_pending === 0 && caughtUp ? DONE : ({ done: false, fromSeq: nextSeq } as const)
        }
        // The iterator ended without the range ending (the consumer went away): the next part finds out.
        if (next.value.done === true) return { done: false, fromSeq: nextSeq } as const
        const m = next.value.value
        if (m.time.getTime() > range.untilMs) return DONE
        yield* each(m)
        handled++
        nextSeq = m.seq + 1
        lastDelivery = m.info.deliverySequence
        if (m.info.pending === 0) return DONE
        if (handled >= MAX_PER_REQUEST || Date.now() - startedMs >= REQUEST_BUDGET_MS) {
          return { done: false, fromSeq: nextSeq } as const
        }
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
