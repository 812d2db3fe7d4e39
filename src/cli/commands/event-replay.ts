// `dagnats event replay --trigger T [--since 2h|RFC3339] [--until …] [--subject S] [--dead] [--dry-run]`:
// evaluate stored events again against a trigger as it is now, through `dagnats.events.replay`.
// serve does a replay in parts, one request each; every reply says where the next part starts, and
// the command asks on until none is left (or --timeout passes), adding the parts up. Progress goes to
// stderr on a terminal, between parts; serve stops when the command does.
import { Effect, Option, Schema } from "effect"
import { Command, Flag } from "effect/cli"
import { endpointSubject } from "../../protocol/names.js"
import { parseDurationMs } from "../../domain/duration.js"
import { request } from "../client.js"
import { withNats } from "../shared.js"
import { printJson, printLine, printTable } from "../output.js"
import { Refused, Unreachable, usageError } from "../exit.js"
import type { ReplayReply } from "../../replay/index.js"

/** A replay reads up to 14 days of events; give it far longer than an ordinary request. */
const DEFAULT_TIMEOUT = "10m"
/** How long one part may take to answer: serve bounds a part to a few seconds of work. */
const PART_TIMEOUT_MS = 60_000
/** Runs (and, for a dry run, per-event lines) printed; the counts go on beyond this. */
const MAX_LISTED = 1_000

const SUBJECT = endpointSubject("events", "replay")

/** One part's reply, as this command understands it; a reply of another shape is refused, not guessed at. */
const PartReply = Schema.Struct({
  evaluated: Schema.Number,
  fired: Schema.Number,
  existing: Schema.Number,
  skipped: Schema.Number,
  runs: Schema.Array(Schema.String),
  removed: Schema.optionalKey(Schema.Number),
  events: Schema.optionalKey(
    Schema.Array(
      Schema.Struct({
        subject: Schema.String,
        seq: Schema.Number,
        outcome: Schema.Literals(["fired", "existing", "skipped"]),
        reason: Schema.optionalKey(Schema.String),
        run_id: Schema.optionalKey(Schema.String),
      }),
    ),
  ),
  next: Schema.optionalKey(
    Schema.Struct({
      from_seq: Schema.optionalKey(Schema.Number),
      since: Schema.optionalKey(Schema.String),
      until: Schema.String,
    }),
  ),
})
const decodePart = Schema.decodeUnknownOption(PartReply)

const opt = (flag: string, description: string) =>
  Flag.String(flag).pipe(Flag.withDescription(description), Flag.optional)
const switchFlag = (flag: string, description: string) =>
  Flag.Boolean(flag).pipe(Flag.withoutNegation, Flag.withDescription(description), Flag.withDefault(false))

type Totals = { evaluated: number; fired: number; existing: number; skipped: number; removed: number }
type EventLine = NonNullable<ReplayReply["events"]>[number]

const countsLine = (t: Totals) =>
  `${t.evaluated} evaluated, ${t.fired} fired, ${t.existing} existing, ${t.skipped} skipped`

export const replayCommand = Command.make(
  "replay",
  {
    trigger: Flag.String("trigger").pipe(Flag.withDescription("the trigger to evaluate events against, as it is now")),
    since: opt(
      "since",
      "events stored since this: a duration ago (2h) or an RFC 3339 time (default: the oldest stored)",
    ),
    until: opt("until", "events stored until this: a duration ago or an RFC 3339 time (default: now)"),
    subject: opt("subject", "only events on this subject (pattern) inside the trigger's own"),
    dead: switchFlag("dead", "replay dead letters (DAGNATS_DEAD) instead; each that now evaluates cleanly is removed"),
    dryRun: switchFlag("dry-run", "start nothing; report per event what would happen"),
    timeout: opt("timeout", `how long to wait for the replay to finish (default ${DEFAULT_TIMEOUT})`),
  },
  (input) =>
    Effect.gen(function* () {
      const timeoutText = Option.getOrElse(input.timeout, () => DEFAULT_TIMEOUT)
      const timeoutMs = parseDurationMs(timeoutText)
      if (timeoutMs === undefined || timeoutMs <= 0) {
        return yield* usageError("--timeout: must be a duration such as 30s or 10m")
      }
      yield* withNats((nc, shared) =>
        Effect.gen(function* () {
          const tty = process.stderr.isTTY === true
          const deadline = Date.now() + timeoutMs
          const first = {
            trigger: input.trigger,
            ...(Option.isSome(input.since) ? { since: input.since.value } : {}),
            ...(Option.isSome(input.until) ? { until: input.until.value } : {}),
            ...(Option.isSome(input.subject) ? { subject: input.subject.value } : {}),
            ...(input.dead ? { dead: true } : {}),
            ...(input.dryRun ? { dry_run: true } : {}),
          }
          const { since: _since, until: _until, ...continued } = first
          const totals: Totals = { evaluated: 0, fired: 0, existing: 0, skipped: 0, removed: 0 }
          const runs: Array<string> = []
          const events: Array<EventLine> = []
          /** Event lines (dry run) sent by every part, listed or not. */
          let eventLines = 0
          let shown = false
          yield* Effect.addFinalizer(() => Effect.sync(() => shown && process.stderr.write("\n")))
          let body: Record<string, unknown> = first
          for (;;) {
            const leftMs = deadline - Date.now()
            if (leftMs <= 0) {
              return yield* new Unreachable({
                message:
                  `the replay did not finish within ${timeoutText} (${countsLine(totals)} so far); ` +
                  "replay again with a longer --timeout: runs that exist are not started twice",
              })
            }
            const part = decodePart(yield* request(nc, SUBJECT, body, Math.min(leftMs, PART_TIMEOUT_MS)))
            if (Option.isNone(part)) {
              return yield* new Refused({ message: `the service answered ${SUBJECT} with a reply of an unknown shape` })
            }
            const p = part.value
            totals.evaluated += p.evaluated
            totals.fired += p.fired
            totals.existing += p.existing
            totals.skipped += p.skipped
            totals.removed += p.removed ?? 0
            for (const id of p.runs) if (runs.length < MAX_LISTED) runs.push(id)
            for (const e of p.events ?? []) if (events.length < MAX_LISTED) events.push(e)
            eventLines += p.events?.length ?? 0
            if (p.next === undefined) break
            if (tty) {
              process.stderr.write(`\rreplay: ${countsLine(totals)}`)
              shown = true
            }
            body = { ...continued, ...p.next }
          }
          const truncated = runs.length < totals.fired || events.length < eventLines
          const reply: ReplayReply = {
            evaluated: totals.evaluated,
            fired: totals.fired,
            existing: totals.existing,
            skipped: totals.skipped,
            runs,
            ...(input.dead ? { removed: totals.removed } : {}),
            ...(input.dryRun ? { events } : {}),
            ...(truncated ? { truncated: true } : {}),
          }
          if (shown) process.stderr.write("\n")
          shown = false
          if (shared.json) return printJson(reply)
          const what = input.dryRun ? "dry run, nothing started" : `${reply.fired} runs started`
          printLine(
            `replayed ${reply.evaluated} ${input.dead ? "dead letters" : "events"} ` +
              `against ${input.trigger} (${what}): ` +
              `${reply.fired} fired, ${reply.existing} existing, ${reply.skipped} skipped` +
              (reply.removed !== undefined ? `, ${reply.removed} dead letters removed` : ""),
          )
          if (input.dryRun && events.length > 0) {
            printTable(
              ["EVENT", "OUTCOME", "DETAIL"],
              events.map((e) => [
                `${e.subject} #${e.seq}`,
                e.outcome === "fired" ? "would fire" : e.outcome,
                e.run_id ?? e.reason ?? "",
              ]),
            )
          }
          if (truncated) printLine(`(only the first ${MAX_LISTED} runs and events are listed)`)
        }),
      )
    }),
).pipe(
  Command.withDescription(
    "evaluate stored events again against a trigger as it is now; runs that exist are not started again",
  ),
)
