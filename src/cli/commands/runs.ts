// `dagnats run …`, `dagnats event publish` and `dagnats trigger fire|history|test`.
import { Effect, Option } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import { endpointSubject } from "../../protocol/names.js"
import { callAndPrint, root, withNats } from "../shared.js"
import { parseDurationMs } from "../../domain/duration.js"
import { isFinal } from "../../domain/run-status.js"
import { isDeliveryId } from "../../domain/delivery.js"
import { limitRows, requestLimit, truncatedNote } from "../list-hint.js"
import { printJson, printLine, printRecord, printTable } from "../output.js"
import { argumentText, parseJsonText } from "../payload.js"
import { EngineFire, EventFire, History, Matched, Run, RunList, ScheduleFire, Started } from "../replies.js"
import { tryShape } from "../reply-shape.js"
import { waitProgress } from "../wait-progress.js"
import { Refused, Unreachable, usageError } from "../exit.js"
import { publishEvent, publishPayload } from "../lean/publish.js"
import { fromPlain, requestAs } from "../client.js"
import { publishExamples, runListExamples, runStartExamples } from "../examples.js"
import { scheduleTest } from "./schedule-test.js"
import { replayCommand } from "./event-replay.js"
import { eventDead } from "./event-dead.js"

type AnyCommand = Command.Command<any, any, any, any, any>

/** A JSON flag's value: JSON text, `@FILE` or `-` (stdin); a usage error names the flag and the file. */
const parseJsonFlag = (flag: string, value: string) => {
  const source = argumentText(value, flag)
  const parsed = source.ok ? parseJsonText(source.text, source.from) : source
  return parsed.ok ? Effect.succeed(parsed.value) : Effect.fail(usageError(parsed.message))
}

const optionalJson = (flag: string, value: Option.Option<string>) =>
  Option.isSome(value) ? Effect.map(parseJsonFlag(flag, value.value), (v) => ({ input: v })) : Effect.succeed({})

const limitFlag = Flag.Int("limit").pipe(
  Flag.withDescription("how many, newest first (1-1000, default 20)"),
  Flag.optional,
)
const limitField = (limit: Option.Option<number>) =>
  Option.isSome(limit)
    ? limit.value >= 1 && limit.value <= 1000
      ? Effect.succeed({ limit: limit.value })
      : Effect.fail(usageError("--limit: must be a whole number from 1 to 1000"))
    : Effect.succeed({})

const inputFlag = Flag.String("input").pipe(
  Flag.withDescription("run input as JSON, @FILE to read a file or - to read stdin (default {})"),
  Flag.optional,
)
const keyFlag = Flag.String("key").pipe(
  Flag.withDescription("idempotency key: the same key never starts a second run"),
  Flag.optional,
)
const keyField = (key: Option.Option<string>) => (Option.isSome(key) ? { key: key.value } : {})

const short = (value: unknown, max = 60) => {
  const s = JSON.stringify(value) ?? ""
  return s.length > max ? `${s.slice(0, max - 1)}…` : s
}

const runStart = Command.make(
  "start",
  { workflow: Argument.String("workflow"), input: inputFlag, key: keyFlag },
  ({ workflow, input, key }) =>
    Effect.gen(function* () {
      const body = { workflow, ...(yield* optionalJson("--input", input)), ...keyField(key) }
      yield* callAndPrint(endpointSubject("runs", "start"), body, Started, (r) =>
        printLine(`started run ${r.run_id} of workflow ${workflow}`),
      )
    }),
).pipe(Command.withDescription("start a run of a workflow by hand"), Command.withExamples(runStartExamples))

/** The statuses of a run's lifecycle, as `run list --status` accepts them. */
const RUN_STATUSES = ["pending", "running", "completed", "failed", "cancelled"] as const

const runList = Command.make(
  "list",
  {
    workflow: Flag.String("workflow").pipe(Flag.withDescription("only runs of this workflow"), Flag.optional),
    trigger: Flag.String("trigger").pipe(Flag.withDescription("only runs started by this trigger"), Flag.optional),
    status: Flag.Literals("status", RUN_STATUSES).pipe(
      Flag.withDescription(`only runs in this status (${RUN_STATUSES.join(", ")})`),
      Flag.optional,
    ),
    limit: limitFlag,
  },
  ({ workflow, trigger, status, limit }) =>
    Effect.gen(function* () {
      yield* limitField(limit)
      const shown = Option.getOrUndefined(limit)
      const wanted = requestLimit(shown, (yield* root).json)
      const body = {
        ...(Option.isSome(workflow) ? { workflow: workflow.value } : {}),
        ...(Option.isSome(trigger) ? { trigger: trigger.value } : {}),
        ...(Option.isSome(status) ? { status: status.value } : {}),
        ...(wanted !== undefined ? { limit: wanted } : {}),
      }
      yield* callAndPrint(endpointSubject("runs", "list"), body, RunList(wanted), (reply) => {
        const { rows: runs, hint } = limitRows(reply.runs, shown)
        if (runs.length === 0) return printLine("no runs")
        printTable(
          ["RUN ID", "WORKFLOW", "TRIGGER", "STATUS", "CREATED", "INPUT"],
          runs.map((r) => [
            r.run_id,
            r.workflow,
            r.trigger.name ?? `(${r.trigger.type})`,
            r.status,
            r.created_at,
            "input" in r ? short(r.input) : "-",
          ]),
        )
        if (hint !== undefined) process.stderr.write(`${hint}\n`)
        truncatedNote(reply, "runs were left out or had fields cut (`dagnats run get ID` shows a whole run)")
      })
    }),
).pipe(Command.withDescription("list runs, newest first"), Command.withExamples(runListExamples))

const describeEvent = (e: Run["event"]) =>
  e === null
    ? "-"
    : `${e.subject} #${e.seq}${e.delivery_id !== null && e.delivery_id !== undefined ? ` delivery ${e.delivery_id}` : ""}`

const describeRun = (r: Run): ReadonlyArray<readonly [string, string]> => [
  ["run id", r.run_id],
  ["workflow", r.workflow],
  ["status", r.status],
  ...(r.error !== undefined ? ([["error", r.error]] as const) : []),
  ["trigger", `${r.trigger.name ?? "-"} (${r.trigger.type})`],
  ["event", describeEvent(r.event)],
  ["created", r.created_at],
  ...(r.updated_at !== undefined ? ([["updated", r.updated_at]] as const) : []),
  ...(r.finished_at !== undefined ? ([["finished", r.finished_at]] as const) : []),
  ["input", "input" in r ? (JSON.stringify(r.input) ?? "-") : "-"],
]

/** How often `run get --wait` asks again: status changes arrive within a second of the engine's event. */
const WAIT_POLL_MS = 500
const DEFAULT_WAIT = "5m"

/**
 * `--wait` polls runs.get until the run is completed, failed or cancelled (a poll, not a watch: the
 * CLI only talks to the micro service). Exit 0 completed, 1 failed or cancelled, 3 on timeout. On a
 * terminal, stderr shows the state and the time waited meanwhile (wait-progress.ts).
 */
const waitForFinal = (id: string, timeoutText: string) => {
  // Checked before connecting: a bad flag is a usage error (exit 2) whether or not NATS is up.
  const timeoutMs = parseDurationMs(timeoutText)
  if (timeoutMs === undefined || timeoutMs <= 0) {
    return Effect.fail(usageError(`--timeout: must be a duration such as 30s or 5m (got "${timeoutText}")`))
  }
  return withNats((nc, shared) => {
    const progress = waitProgress(id)
    return Effect.gen(function* () {
      const deadline = Date.now() + timeoutMs
      while (true) {
        const r = yield* requestAs(nc, endpointSubject("runs", "get"), { run_id: id }, Run)
        if (isFinal(r.status)) {
          progress.clear()
          if (shared.json) printJson(r)
          else printRecord(describeRun(r))
          if (r.status === "completed") return
          const why = r.error !== undefined ? `: ${r.error}` : ""
          return yield* new Refused({ message: `run ${id} ${r.status}${why}` })
        }
        if (Date.now() + WAIT_POLL_MS > deadline) {
          const message = `run ${id} is still ${r.status} after ${timeoutText}`
          return yield* new Unreachable({ message })
        }
        progress.show(r.status)
        yield* Effect.sleep(WAIT_POLL_MS)
      }
    }).pipe(Effect.ensuring(Effect.sync(progress.clear)))
  })
}

const runGet = Command.make(
  "get",
  {
    id: Argument.String("id"),
    wait: Flag.Boolean("wait").pipe(
      Flag.withoutNegation,
      Flag.withDescription(
        "block until the run is completed, failed or cancelled (a terminal shows its state meanwhile)",
      ),
      Flag.withDefault(false),
    ),
    timeout: Flag.String("timeout").pipe(
      Flag.withDescription(`with --wait: give up after this long (default ${DEFAULT_WAIT}), exit 3`),
      Flag.optional,
    ),
  },
  ({ id, wait, timeout }) =>
    wait
      ? waitForFinal(
          id,
          Option.getOrElse(timeout, () => DEFAULT_WAIT),
        )
      : Option.isSome(timeout)
        ? Effect.fail(usageError("--timeout: only with --wait"))
        : callAndPrint(endpointSubject("runs", "get"), { run_id: id }, Run, (r) => printRecord(describeRun(r))),
).pipe(Command.withDescription("show one run record; --wait blocks until it is completed, failed or cancelled"))

export const runCommand: AnyCommand = Command.make("run").pipe(
  Command.withDescription("start and inspect workflow runs"),
  Command.withSubcommands([runStart, runList, runGet]),
)

const fire = Command.make(
  "fire",
  { name: Argument.String("name"), input: inputFlag, key: keyFlag },
  ({ name, input, key }) =>
    Effect.gen(function* () {
      const body = { name, ...(yield* optionalJson("--input", input)), ...keyField(key) }
      yield* callAndPrint(endpointSubject("triggers", "fire"), body, Started, (r) =>
        printLine(`trigger ${name} fired: run ${r.run_id}`),
      )
    }),
).pipe(Command.withDescription("start a run of the trigger's workflow by hand (source manual)"))

/**
 * One row of `trigger history`. Anything may be published on trigger.fire.NAME: besides dagnats'
 * records (of an event or a schedule instant, with the run's current status) there are the DagNats
 * engine's own, and a record of neither shape is shown as such rather than failing the command.
 */
const historyRow = (record: unknown): ReadonlyArray<string> => {
  const f = tryShape(ScheduleFire, record) ?? tryShape(EventFire, record)
  if (f !== undefined) {
    return [
      f.at,
      f.outcome,
      f.outcome === "fired"
        ? `run ${f.run_id ?? "-"}${f.count !== undefined && f.count > 1 ? ` (${f.count} events)` : ""}`
        : "detail" in f && f.detail !== undefined
          ? `${f.reason ?? ""}: ${f.detail}`
          : (f.reason ?? f.error ?? ""),
      f.run_status ?? "-",
      "scheduled_at" in f ? `scheduled ${f.scheduled_at}` : `${f.event.subject} #${f.event.seq}`,
    ]
  }
  const engine = tryShape(EngineFire, record)
  if (engine !== undefined) {
    const detail = engine.skipped === true ? (engine.skip_reason ?? "") : `run ${engine.run_id ?? "-"}`
    return [engine.fired_at, engine.skipped === true ? "skipped" : "fired", detail, "-", "(a DagNats engine record)"]
  }
  return ["-", "unknown", "a record of no shape dagnats knows", "-", "-"]
}

const history = Command.make("history", { name: Argument.String("name"), limit: limitFlag }, ({ name, limit }) =>
  Effect.gen(function* () {
    const body = { name, ...(yield* limitField(limit)) }
    const subject = endpointSubject("triggers", "history")
    yield* callAndPrint(subject, body, History(Option.getOrUndefined(limit)), (reply) => {
      const { fires } = reply
      if (fires.length === 0) return printLine(`no history for trigger ${name}`)
      printTable(["AT", "OUTCOME", "DETAIL", "RUN STATUS", "EVENT"], fires.map(historyRow))
      truncatedNote(reply, "records were left out or cut")
    })
  }),
).pipe(Command.withDescription("show the trigger's evaluation outcomes, newest first"))

/** The test's verdict, and the run input when a mapping made it differ from the payload that was sent. */
const printMatched = (
  r: { readonly matched: boolean; readonly reason?: string | undefined; readonly detail?: string | undefined },
  sent?: unknown,
) => {
  const detail = r.detail !== undefined ? ` (${r.detail})` : ""
  printLine(
    r.matched ? `matched${r.reason !== undefined ? ` (${r.reason})` : ""}` : `not matched: ${r.reason ?? ""}${detail}`,
  )
  const input = (r as { input?: unknown }).input
  if (r.matched && input !== undefined && JSON.stringify(input) !== JSON.stringify(sent)) {
    printLine(`run input: ${JSON.stringify(input)}`)
  }
}

/** `--delivery ID` or `--event SEQ` as the request's stored source; at most one. */
const storedSourceFlags = (
  delivery: Option.Option<string>,
  event: Option.Option<number>,
): { readonly delivery: string } | { readonly event_seq: number } | { readonly error: string } | undefined => {
  if (Option.isSome(delivery) && Option.isSome(event)) return { error: "--delivery, --event: give one of them" }
  if (Option.isSome(delivery))
    return isDeliveryId(delivery.value)
      ? { delivery: delivery.value }
      : { error: "--delivery: must be a delivery id (26 characters, as in the Dagnats-Delivery header)" }
  if (Option.isSome(event))
    return Number.isSafeInteger(event.value) && event.value >= 1
      ? { event_seq: event.value }
      : { error: "--event: must be an EVENTS sequence (a whole number from 1)" }
  return undefined
}

const test = Command.make(
  "test",
  {
    name: Argument.String("name"),
    payload: Flag.String("payload").pipe(
      Flag.withDescription(
        "the event payload as JSON, @FILE to read a file or - to read stdin (webhook and event triggers)",
      ),
      Flag.optional,
    ),
    count: Flag.Int("count").pipe(
      Flag.withDescription("schedule triggers: how many next fire times (default 5)"),
      Flag.optional,
    ),
    subject: Flag.String("subject").pipe(
      Flag.withDescription("the event subject (default: the trigger's own)"),
      Flag.optional,
    ),
    header: Flag.String("header").pipe(
      Flag.withDescription("NAME=VALUE inbound header, for header filters and expressions"),
      Flag.atLeast(0),
    ),
    when: Flag.String("when").pipe(
      Flag.withDescription("a CEL condition to test instead of the stored when (nothing is saved)"),
      Flag.optional,
    ),
    delivery: Flag.String("delivery").pipe(
      Flag.withDescription("re-evaluate the event a webhook delivery stored (its Dagnats-Delivery id)"),
      Flag.optional,
    ),
    event: Flag.Int("event").pipe(
      Flag.withDescription("re-evaluate the EVENTS message with this sequence"),
      Flag.optional,
    ),
  },
  ({ name, payload, subject, header, count, when, delivery, event }) =>
    Effect.gen(function* () {
      const stored = storedSourceFlags(delivery, event)
      if (stored !== undefined) {
        if (Option.isSome(payload) || Option.isSome(subject) || header.length > 0 || Option.isSome(count))
          return yield* usageError("--delivery/--event: the stored event has its own payload, subject and headers")
        if ("error" in stored) return yield* usageError(stored.error)
        const body = { name, ...stored, ...(Option.isSome(when) ? { when: when.value } : {}) }
        return yield* callAndPrint(endpointSubject("triggers", "test"), body, Matched, (r) => printMatched(r))
      }
      if (Option.isNone(payload)) return yield* scheduleTest(name, count)
      const parsed = yield* parseJsonFlag("--payload", payload.value)
      const headers: Record<string, string> = {}
      for (const h of header) {
        const eq = h.indexOf("=")
        if (eq <= 0) return yield* usageError(`--header: must be NAME=VALUE (got "${h}")`)
        headers[h.slice(0, eq)] = h.slice(eq + 1)
      }
      const body = {
        name,
        payload: parsed,
        ...(Option.isSome(subject) ? { subject: subject.value } : {}),
        ...(header.length > 0 ? { headers } : {}),
        ...(Option.isSome(when) ? { when: when.value } : {}),
      }
      yield* callAndPrint(endpointSubject("triggers", "test"), body, Matched, (r) => printMatched(r, parsed))
    }),
).pipe(
  Command.withDescription(
    "check a payload (or a stored delivery or event) against the trigger's subject, filters and when as they " +
      "are now, and show the run input it would get (or a schedule's next fire times); starts nothing",
  ),
)

export const triggerRunCommands: ReadonlyArray<AnyCommand> = [fire, history, test]

const publish = Command.make(
  "publish",
  {
    subject: Argument.String("subject").pipe(Argument.withDescription("a subject inside event.>")),
    json: Argument.String("json").pipe(
      Argument.withDescription("the payload as JSON, @FILE to read a file or - to read stdin"),
      Argument.optional,
    ),
    file: Flag.String("file").pipe(
      Flag.withDescription("read the payload from this file; - reads stdin"),
      Flag.optional,
    ),
    id: Flag.String("id").pipe(
      Flag.withDescription("delivery id (Nats-Msg-Id): the same id is stored once"),
      Flag.optional,
    ),
  },
  ({ subject, json, file, id }) =>
    Effect.gen(function* () {
      const input = {
        subject,
        json: Option.getOrUndefined(json),
        file: Option.getOrUndefined(file),
        id: Option.getOrUndefined(id),
      }
      const text = yield* Effect.try({ try: () => publishPayload(input), catch: fromPlain })
      yield* withNats((nc, shared) =>
        Effect.tryPromise({ try: () => publishEvent(nc, input, text, shared.json), catch: fromPlain }),
      )
    }),
).pipe(
  Command.withDescription("publish a JSON event to the EVENTS stream (no payload: {} on a terminal)"),
  Command.withExamples(publishExamples),
)

export const eventCommand: AnyCommand = Command.make("event").pipe(
  Command.withDescription("publish and replay events; list dead letters"),
  Command.withSubcommands([publish, replayCommand, eventDead]),
)
