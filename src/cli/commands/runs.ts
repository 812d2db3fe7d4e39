// `dagnats run …`, `dagnats event publish` and `dagnats trigger fire|history|test`.
import { Effect, Option } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import { endpointSubject } from "../../protocol/names.js"
import { callAndPrint, root, withNats } from "../shared.js"
import { parseDurationMs } from "../../domain/duration.js"
import { isFinal } from "../../domain/run-status.js"
import { limitRows, requestLimit, truncatedNote } from "../list-hint.js"
import { printJson, printLine, printRecord, printTable } from "../output.js"
import { EngineFire, EventFire, History, Run, RunList, ScheduleFire, Started } from "../replies.js"
import { tryShape } from "../reply-shape.js"
import { waitProgress } from "../wait-progress.js"
import { Refused, Unreachable, usageError } from "../exit.js"
import { publishEvent, publishPayload } from "../lean/publish.js"
import { fromPlain, requestAs } from "../client.js"
import { publishExamples, runListExamples, runStartExamples } from "../examples.js"
import { triggerTest } from "./trigger-test.js"
import { parseJsonFlag } from "./json-flag.js"
import { replayCommand } from "./event-replay.js"
import { eventDead } from "./event-dead.js"

type AnyCommand = Command.Command<any, any, any, any, any>

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

export const triggerRunCommands: ReadonlyArray<AnyCommand> = [fire, history, triggerTest]

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
