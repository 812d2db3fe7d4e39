// `dagnats run …`, `dagnats event publish` and `dagnats trigger fire|history|test` (SPEC §8).
import { readFileSync } from "node:fs"
import { Effect, Option } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import { headers as natsHeaders } from "@nats-io/nats-core"
import { jetstream } from "@nats-io/jetstream"
import { Streams, endpointSubject } from "../../protocol/names.js"
import { isValidSubjectLiteral, isWithinEvents } from "../../domain/subjects.js"
import type { RunRecord } from "../../domain/workflow-started.js"
import type { FireRecord } from "../../domain/fire-record.js"
import { callAndPrint, withNats } from "../shared.js"
import { printJson, printLine, printRecord, printTable } from "../output.js"
import { CliExit, ExitCode, usageError } from "../exit.js"
import { eventDead } from "./event-dead.js"

type AnyCommand = Command.Command<any, any, any, any, any>

const parseJsonFlag = (flag: string, text: string) =>
  Effect.try({ try: () => JSON.parse(text) as unknown, catch: () => usageError(`${flag}: must be valid JSON`) })

const optionalJson = (flag: string, value: Option.Option<string>) =>
  Option.isSome(value) ? Effect.map(parseJsonFlag(flag, value.value), (v) => ({ input: v })) : Effect.succeed({})

const limitFlag = Flag.Int("limit").pipe(Flag.withDescription("how many, newest first (1-1000, default 20)"), Flag.optional)
const limitField = (limit: Option.Option<number>) =>
  Option.isSome(limit)
    ? limit.value >= 1 && limit.value <= 1000
      ? Effect.succeed({ limit: limit.value })
      : Effect.fail(usageError("--limit: must be a whole number from 1 to 1000"))
    : Effect.succeed({})

const inputFlag = Flag.String("input").pipe(Flag.withDescription("run input as JSON (default {})"), Flag.optional)
const keyFlag = Flag.String("key").pipe(Flag.withDescription("idempotency key: the same key never starts a second run"), Flag.optional)
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
      yield* callAndPrint<{ run_id: string }>(endpointSubject("runs", "start"), body, (r) => printLine(`started run ${r.run_id} of workflow ${workflow}`))
    }),
).pipe(Command.withDescription("start a run of a workflow by hand"))

const runList = Command.make(
  "list",
  {
    workflow: Flag.String("workflow").pipe(Flag.withDescription("only runs of this workflow"), Flag.optional),
    trigger: Flag.String("trigger").pipe(Flag.withDescription("only runs started by this trigger"), Flag.optional),
    limit: limitFlag,
  },
  ({ workflow, trigger, limit }) =>
    Effect.gen(function* () {
      const body = {
        ...(Option.isSome(workflow) ? { workflow: workflow.value } : {}),
        ...(Option.isSome(trigger) ? { trigger: trigger.value } : {}),
        ...(yield* limitField(limit)),
      }
      yield* callAndPrint<{ runs: ReadonlyArray<RunRecord> }>(endpointSubject("runs", "list"), body, ({ runs }) => {
        if (runs.length === 0) return printLine("no runs")
        printTable(
          ["RUN ID", "WORKFLOW", "TRIGGER", "STATUS", "CREATED", "INPUT"],
          runs.map((r) => [r.run_id, r.workflow, r.trigger.name ?? `(${r.trigger.type})`, r.status, r.created_at, short(r.input)]),
        )
      })
    }),
).pipe(Command.withDescription("list runs, newest first"))

const runGet = Command.make("get", { id: Argument.String("id") }, ({ id }) =>
  callAndPrint<RunRecord>(endpointSubject("runs", "get"), { run_id: id }, (r) =>
    printRecord([
      ["run id", r.run_id],
      ["workflow", r.workflow],
      ["status", r.status],
      ["trigger", `${r.trigger.name ?? "-"} (${r.trigger.type})`],
      ["event", r.event === null ? "-" : `${r.event.subject} #${r.event.seq}${r.event.delivery_id !== null ? ` delivery ${r.event.delivery_id}` : ""}`],
      ["created", r.created_at],
      ["input", JSON.stringify(r.input)],
    ]),
  ),
).pipe(Command.withDescription("show one run record"))

export const runCommand: AnyCommand = Command.make("run").pipe(
  Command.withDescription("start and inspect workflow runs"),
  Command.withSubcommands([runStart, runList, runGet]),
)

const fire = Command.make("fire", { name: Argument.String("name"), input: inputFlag, key: keyFlag }, ({ name, input, key }) =>
  Effect.gen(function* () {
    const body = { name, ...(yield* optionalJson("--input", input)), ...keyField(key) }
    yield* callAndPrint<{ run_id: string }>(endpointSubject("triggers", "fire"), body, (r) => printLine(`trigger ${name} fired: run ${r.run_id}`))
  }),
).pipe(Command.withDescription("start a run of the trigger's workflow by hand (source manual)"))

const history = Command.make("history", { name: Argument.String("name"), limit: limitFlag }, ({ name, limit }) =>
  Effect.gen(function* () {
    const body = { name, ...(yield* limitField(limit)) }
    yield* callAndPrint<{ fires: ReadonlyArray<FireRecord> }>(endpointSubject("triggers", "history"), body, ({ fires }) => {
      if (fires.length === 0) return printLine(`no history for trigger ${name}`)
      printTable(
        ["AT", "OUTCOME", "DETAIL", "EVENT"],
        fires.map((f) => [
          f.at,
          f.outcome,
          f.outcome === "fired" ? `run ${f.run_id}${f.count !== undefined && f.count > 1 ? ` (${f.count} events)` : ""}` : (f.reason ?? f.error ?? ""),
          `${f.event.subject} #${f.event.seq}`,
        ]),
      )
    })
  }),
).pipe(Command.withDescription("show the trigger's evaluation outcomes, newest first"))

const test = Command.make(
  "test",
  {
    name: Argument.String("name"),
    payload: Flag.String("payload").pipe(Flag.withDescription("the event payload as JSON")),
    subject: Flag.String("subject").pipe(Flag.withDescription("the event subject (default: the trigger's own)"), Flag.optional),
    header: Flag.String("header").pipe(Flag.withDescription("NAME=VALUE inbound header, for header filters"), Flag.atLeast(0)),
  },
  ({ name, payload, subject, header }) =>
    Effect.gen(function* () {
      const parsed = yield* parseJsonFlag("--payload", payload)
      const headers: Record<string, string> = {}
      for (const h of header) {
        const eq = h.indexOf("=")
        if (eq <= 0) return yield* usageError(`--header: must be NAME=VALUE (got "${h}")`)
        headers[h.slice(0, eq)] = h.slice(eq + 1)
      }
      const body = { name, payload: parsed, ...(Option.isSome(subject) ? { subject: subject.value } : {}), ...(header.length > 0 ? { headers } : {}) }
      yield* callAndPrint<{ matched: boolean; reason?: string }>(endpointSubject("triggers", "test"), body, (r) =>
        printLine(r.matched ? `matched${r.reason !== undefined ? ` (${r.reason})` : ""}` : `not matched: ${r.reason ?? ""}`),
      )
    }),
).pipe(Command.withDescription("check a payload against the trigger's subject and filters; starts nothing"))

export const triggerRunCommands: ReadonlyArray<AnyCommand> = [fire, history, test]

const publish = Command.make(
  "publish",
  {
    subject: Argument.String("subject").pipe(Argument.withDescription("a subject inside event.>")),
    json: Argument.String("json").pipe(Argument.withDescription("the payload as JSON"), Argument.optional),
    file: Flag.String("file").pipe(Flag.withDescription("read the payload from this file"), Flag.optional),
    id: Flag.String("id").pipe(Flag.withDescription("delivery id (Nats-Msg-Id): the same id is stored once"), Flag.optional),
  },
  ({ subject, json, file, id }) =>
    Effect.gen(function* () {
      if (!isValidSubjectLiteral(subject) || !isWithinEvents(subject)) {
        return yield* usageError(`subject: must be a subject without wildcards inside event.> (got "${subject}")`)
      }
      if (Option.isSome(json) && Option.isSome(file)) return yield* usageError("give the payload as an argument or with --file, not both")
      const text = Option.isSome(file)
        ? yield* Effect.try({ try: () => readFileSync(file.value, "utf8"), catch: () => usageError(`--file: cannot read ${file.value}`) })
        : Option.getOrElse(json, () => "{}")
      yield* parseJsonFlag(Option.isSome(file) ? "--file" : "payload", text)
      yield* withNats((nc, shared) =>
        Effect.gen(function* () {
          const h = natsHeaders()
          h.set("Content-Type", "application/json")
          const ack = yield* Effect.tryPromise({
            try: () => jetstream(nc).publish(subject, text, { headers: h, ...(Option.isSome(id) ? { msgID: id.value } : {}), timeout: 5_000 }),
            catch: (e) => new CliExit({ code: ExitCode.unreachable, message: `publish to ${subject} failed: ${e instanceof Error ? e.message : String(e)} (is the EVENTS stream there? start \`dagnats serve\`)` }),
          })
          const reply = { stream: ack.stream, seq: ack.seq, duplicate: ack.duplicate }
          if (shared.json) printJson(reply)
          else printLine(`published to ${subject}: ${Streams.events} #${ack.seq}${ack.duplicate ? " (duplicate, not stored again)" : ""}`)
        }),
      )
    }),
).pipe(Command.withDescription("publish a JSON event to the EVENTS stream"))

export const eventCommand: AnyCommand = Command.make("event").pipe(
  Command.withDescription("publish events; list dead letters"),
  Command.withSubcommands([publish, eventDead]),
)
