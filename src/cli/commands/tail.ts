// `dagnats tail [--trigger T] [--events]`: webhook deliveries live until Ctrl-C, like `stripe listen`.
// A core NATS subscriber on `dagnats.deliveries.>` (records arrive as serve writes them). On a TTY one
// line per delivery, and one line per trigger decision its event led to, joined from `trigger.fire.>`
// by event subject and seq (either may arrive first: the evaluator can decide before the record is
// written), then a line when each run it started ends (run-follow.ts; lines are appended, never
// rewritten in place, so what scrolled by stays as it was); piped or with --json, NDJSON: each record
// as stored, one per line. `--events` adds the evaluations of events published straight to `event.>`
// (no delivery). Everything shown comes from NATS and is decoded with the domain Schemas; a record of
// another shape is shown as such.
import { Effect, Option, Schema } from "effect"
import { Command, Flag } from "effect/cli"
import type { Msg, NatsConnection, Subscription } from "../../nats/core-api.js"
import { Subjects } from "../../protocol/names.js"
import { DeliveryRecord, NO_TRIGGER, SuppressedRecord } from "../../domain/delivery.js"
import { HistoryFire } from "../../domain/fire-record.js"
import { isValidName } from "../../domain/trigger.js"
import { parseJson } from "../../domain/json.js"
import { withNats } from "../shared.js"
import { printLine, printWarning } from "../output.js"
import { inertJson } from "../terminal-text.js"
import { runEndLine, runFollower, type RunFollower } from "../run-follow.js"
import { Unreachable, usageError } from "../exit.js"

const decodeDelivery = Schema.decodeUnknownOption(DeliveryRecord)
const decodeSuppressed = Schema.decodeUnknownOption(SuppressedRecord)
const decodeFire = Schema.decodeUnknownOption(HistoryFire)
const decoder = new TextDecoder()

/** How many events' decisions (or deliveries) are remembered for the join; the oldest are forgotten. */
const JOIN_MEMORY = 10_000
const SHOWN_CHARS = 200

/** The clock time of an RFC 3339 timestamp (`12:04:05.123`), or the text as it is. */
const clock = (at: string): string => {
  const ms = Date.parse(at)
  return Number.isNaN(ms) ? at : new Date(ms).toISOString().slice(11, 23)
}

/** `4.9 ms` under 10 ms, `153 ms` above: the digits that mean something. */
const latency = (ms: number) => `${ms < 10 ? ms.toFixed(1) : Math.round(ms)} ms`

const cut = (s: string) => (s.length > SHOWN_CHARS ? s.slice(0, SHOWN_CHARS) + "…" : s)

type Fire = typeof HistoryFire.Type

/**
 * What one decision says: `fired → run X`, `skipped: filtered (field "a" is "b", want "c")` (the
 * condition that failed, as `delivery get` shows it), `error: …`.
 */
export const decisionText = (f: Fire): string =>
  f.outcome === "fired"
    ? `fired → run ${f.run_id ?? "?"}`
    : f.outcome === "skipped"
      ? `skipped: ${f.reason ?? "?"}${f.detail !== undefined ? ` (${cut(f.detail)})` : ""}`
      : `error: ${cut(f.error ?? "?")}`

/** `time  status  trigger  size  latency  → event / reason` for one delivery record. */
export const deliveryLine = (d: DeliveryRecord): string => {
  const status = d.response.status
  const what =
    d.event !== undefined
      ? `${d.event.subject} #${d.event.seq}${d.event.duplicate ? " (duplicate: no new evaluation)" : ""}`
      : (d.response.code ?? "no event")
  return [
    clock(d.received_at),
    String(status).padEnd(3),
    d.trigger.padEnd(16),
    `${d.request.size} B`.padStart(9),
    latency(d.response.duration_ms).padStart(8),
    `→ ${what}  ${d.id}`,
  ].join("  ")
}

/** One decision under its delivery. */
export const joinedDecisionLine = (f: Fire): string => `    ↳ ${f.trigger}  ${decisionText(f)}`

/** An evaluation of an event that came straight from NATS (--events). */
export const eventLine = (f: Fire): string =>
  [clock(f.at), "event", f.trigger.padEnd(16), `${f.event.subject} #${f.event.seq}`, `→ ${decisionText(f)}`].join("  ")

export const suppressedLine = (s: SuppressedRecord): string =>
  `${clock(s.to)}  ---  ${s.trigger.padEnd(16)}  ${s.suppressed} rejected requests not stored (flood cap) ` +
  `from ${s.from} to ${s.to}`

/** A record that none of the known Schemas decodes: its subject and the start of its text. */
export const unknownLine = (subject: string, text: string): string =>
  `${new Date().toISOString().slice(11, 23)}  ???  record of an unknown shape on ${subject}: ${cut(text)}`

/** One JSON object on one line, inert on a terminal. */
const printNdjson = (value: unknown) => process.stdout.write(inertJson(JSON.stringify(value)) + "\n")

/** A map that forgets its oldest entries past JOIN_MEMORY. */
const remember = <V>(m: Map<string, V>, key: string, value: V) => {
  m.delete(key)
  m.set(key, value)
  if (m.size > JOIN_MEMORY) m.delete(m.keys().next().value!)
}

const eventKey = (subject: string, seq: number) => `${seq} ${subject}`

interface TailOptions {
  readonly trigger: string | undefined
  readonly events: boolean
  readonly ndjson: boolean
}

/**
 * Subscribe and print each record as it comes; the subscriptions end with the connection. On a
 * terminal, `runs` follows each run a shown decision started until it ends.
 */
const startTail = (nc: NatsConnection, o: TailOptions, runs: RunFollower | undefined): Array<Subscription> => {
  const delivered = new Map<string, true>()
  const waiting = new Map<string, Array<Fire>>()
  const showDecision = (line: string, f: Fire) => {
    printLine(line)
    if (f.outcome === "fired" && f.run_id !== undefined) runs?.follow(f.run_id)
  }

  const onDelivery = (m: Msg) => {
    const text = decoder.decode(m.data)
    const parsed = parseJson(text)
    if (o.ndjson) return printNdjson(Option.isSome(parsed) ? parsed.value : { subject: m.subject, unparsed: cut(text) })
    const d = Option.isSome(parsed) ? decodeDelivery(parsed.value) : Option.none()
    if (Option.isSome(d)) {
      printLine(deliveryLine(d.value))
      const e = d.value.event
      if (e === undefined || e.duplicate) return
      const key = eventKey(e.subject, e.seq)
      for (const f of waiting.get(key) ?? []) showDecision(joinedDecisionLine(f), f)
      waiting.delete(key)
      remember(delivered, key, true)
      return
    }
    const s = Option.isSome(parsed) ? decodeSuppressed(parsed.value) : Option.none()
    printLine(Option.isSome(s) ? suppressedLine(s.value) : unknownLine(m.subject, text))
  }

  const onFire = (m: Msg) => {
    const text = decoder.decode(m.data)
    const parsed = parseJson(text)
    const f = Option.isSome(parsed) ? decodeFire(parsed.value) : Option.none()
    if (Option.isNone(f)) {
      if (o.events) {
        if (o.ndjson) printNdjson(Option.isSome(parsed) ? parsed.value : { subject: m.subject, unparsed: cut(text) })
        else printLine(unknownLine(m.subject, text))
      }
      return
    }
    const fire = f.value
    const subject = fire.event.subject
    if (subject.startsWith(Subjects.webhookPrefix)) {
      if (o.ndjson) return
      const key = eventKey(subject, fire.event.seq)
      if (delivered.has(key)) return showDecision(joinedDecisionLine(fire), fire)
      remember(waiting, key, [...(waiting.get(key) ?? []), fire])
      return
    }
    // Schedules' records name a timer, not an event; events come from EVENTS or a trigger's source
    // stream; --trigger narrows them to its own.
    if (!o.events || subject.startsWith(Subjects.scheduleTimersPrefix)) return
    if (o.trigger !== undefined && fire.trigger !== o.trigger) return
    if (o.ndjson) printNdjson(Option.isSome(parsed) ? parsed.value : undefined)
    else showDecision(eventLine(fire), fire)
  }

  const warned = { fire: false }
  const subs = [
    nc.subscribe(o.trigger !== undefined ? Subjects.deliveriesOf(o.trigger) : Subjects.deliveriesAll, {
      callback: (e, m) => {
        if (e !== null) printWarning(`cannot read delivery records: ${e.message}`)
        else onDelivery(m)
      },
    }),
  ]
  // Decisions are only needed to be joined on a terminal, or shown with --events.
  if (o.events || !o.ndjson)
    subs.push(
      nc.subscribe(Subjects.triggerFireAll, {
        callback: (e, m) => {
          if (e === null) return onFire(m)
          if (warned.fire) return
          warned.fire = true
          printWarning(`cannot read trigger decisions on ${Subjects.triggerFireAll}: ${e.message}`)
        },
      }),
    )
  return subs
}

/** Resolves on Ctrl-C or SIGTERM; `false` if the connection closed first. */
const untilStopped = (nc: NatsConnection): Promise<boolean> =>
  new Promise((resolve) => {
    const stop = () => resolve(true)
    process.once("SIGINT", stop)
    process.once("SIGTERM", stop)
    void nc.closed().then(() => resolve(false))
  })

export const tailCommand = Command.make(
  "tail",
  {
    trigger: Flag.String("trigger").pipe(
      Flag.withDescription("only deliveries to this trigger name (`_`: paths naming no valid trigger)"),
      Flag.optional,
    ),
    events: Flag.Boolean("events").pipe(
      Flag.withoutNegation,
      Flag.withDescription(
        "also show evaluations of events published straight to event.> or read from a source (no delivery)",
      ),
      Flag.withDefault(false),
    ),
  },
  (input) =>
    Effect.gen(function* () {
      const trigger = Option.getOrUndefined(input.trigger)
      if (trigger !== undefined && trigger !== NO_TRIGGER && !isValidName(trigger))
        return yield* usageError("--trigger: must be a trigger name (or _)")
      yield* withNats((nc, shared) =>
        Effect.gen(function* () {
          const ndjson = shared.json || process.stdout.isTTY !== true
          const runs = ndjson ? undefined : runFollower(nc, (r) => printLine(runEndLine(r)))
          startTail(nc, { trigger, events: input.events, ndjson }, runs)
          yield* Effect.addFinalizer(() => Effect.sync(() => runs?.stop()))
          yield* Effect.promise(() => nc.flush())
          const watched = trigger !== undefined ? Subjects.deliveriesOf(trigger) : Subjects.deliveriesAll
          process.stderr.write(
            `dagnats: tailing ${watched}${input.events ? " and event evaluations" : ""} ` + `(Ctrl-C to stop)\n`,
          )
          const stopped = yield* Effect.promise(() => untilStopped(nc))
          if (!stopped) return yield* new Unreachable({ message: "lost the connection to NATS" })
        }),
      )
    }),
).pipe(
  Command.withDescription(
    "webhook deliveries live until Ctrl-C: a line each on a terminal, NDJSON records when piped or with --json",
  ),
  Command.withExamples([
    {
      command: "dagnats tail",
      description: "every webhook request as it is answered, with the runs it started and how they ended",
    },
    { command: "dagnats tail --trigger github --events", description: "one webhook, plus events from NATS clients" },
    { command: "dagnats tail | jq .response.status", description: "NDJSON: one delivery record per line" },
  ]),
)
