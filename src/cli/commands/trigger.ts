// `dagnats trigger …`: trigger management through the micro service.
import { Effect, Schema } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import { Subjects, endpointSubject } from "../../protocol/names.js"
import {
  DEFAULT_RESPOND_TIMEOUT,
  TriggerDefinition,
  TriggerPatch,
  describeIssue,
  isValidName,
} from "../../domain/trigger.js"
import { createDefinition, updatePatch, type TriggerFlags } from "../trigger-flags.js"
import { callAndPrint, withNats } from "../shared.js"
import { fromPlain, requestAs } from "../client.js"
import { Deleted, Trigger, TriggerWithWarnings } from "../replies.js"
import { listTriggers, printTriggers, triggerSource } from "../lean/trigger-list.js"
import { printJson, printLine, printRecord, printWarning } from "../output.js"
import { usageError, withMessage, type CliFailure } from "../exit.js"
import { withFlagNames } from "../flag-names.js"
import { createExamples } from "../examples.js"

/** The service's refusal of a definition, in flag names (the service itself names JSON fields). */
const inFlagNames = Effect.mapError((e: CliFailure) => withMessage(e, withFlagNames(e.message)))

const name = Argument.String("name").pipe(Argument.withDescription("trigger name: 1-64 of A-Z a-z 0-9 _ -"))
const opt = (flag: string, description: string) =>
  Flag.String(flag).pipe(Flag.withDescription(description), Flag.optional)
const many = (flag: string, description: string) =>
  Flag.String(flag).pipe(Flag.withDescription(description), Flag.atLeast(0))
const switchFlag = (flag: string, description: string) =>
  Flag.Boolean(flag).pipe(Flag.withoutNegation, Flag.withDescription(description), Flag.withDefault(false))

const definitionFlags = {
  workflow: opt("workflow", "workflow to start a run of"),
  webhook: switchFlag("webhook", "a webhook trigger: POST /v1/webhooks/NAME"),
  subject: opt("subject", "an event trigger on this subject pattern inside event.> (or inside --stream's subjects)"),
  stream: opt("stream", "an event trigger on this stream of yours instead of EVENTS (with --subject)"),
  kv: opt("kv", "an event trigger on the changes of this KV bucket of yours (with --key)"),
  key: opt("key", "with --kv: the key pattern (e.g. 'flags.>')"),
  ops: opt("ops", "with --kv: the operations that start a run: put, delete or put,delete (default both)"),
  secret: many("secret", "webhook secret (repeat for rotation, at most 2; - reads stdin)"),
  secretFile: many("secret-file", "read a webhook secret from this file"),
  scheme: opt("scheme", "signature scheme: hmac-sha256 (default), github, stripe, slack, standard, shopify, gitlab"),
  verify: Flag.Boolean("verify").pipe(
    Flag.withDescription("verify signatures (default); --no-verify turns it off"),
    Flag.optional,
  ),
  tolerance: opt("tolerance", "accepted clock difference for signed timestamps (default 300s)"),
  filterField: many("filter-field", "payload dot path that must equal the matching --filter-value"),
  filterValue: many("filter-value", "value for the --filter-field at the same position (JSON or text)"),
  filterHeader: many("filter-header", "NAME=VALUE an inbound webhook header must have"),
  when: opt(
    "when",
    "CEL condition that must be true, after filters (e.g. 'body.action == \"opened\"'; see docs/expressions.md)",
  ),
  inputMap: opt(
    "input-map",
    "CEL expression whose value is the run input (e.g. '{\"pr\": body.number}'; batches: per event)",
  ),
  debounce: opt("debounce", "start one run once no event arrived for this long (e.g. 5s)"),
  debounceTimeout: opt("debounce-timeout", "start a run at the latest this long after a window's first event"),
  debounceKey: opt("debounce-key", "payload dot path: one debounce window per value"),
  batchSize: Flag.Int("batch-size").pipe(
    Flag.withDescription("start a run per this many events (1-1000)"),
    Flag.optional,
  ),
  batchTimeout: opt("batch-timeout", "start a run this long after a batch's first event (at most 1h)"),
  batchKey: opt("batch-key", "payload dot path: one batch per value"),
  respond: switchFlag("respond", "a synchronous webhook: answer the request with what the workflow responds"),
  respondTimeout: opt(
    "respond-timeout",
    "with --respond: how long the request waits for the answer (default 30s, at most 5m)",
  ),
  disabled: switchFlag("disabled", "create (or set) the trigger disabled"),
  requireWorkflow: switchFlag("require-workflow", "refuse unless the DagNats engine's workflow_defs has the workflow"),
  cron: opt("cron", 'a schedule trigger: cron expression, 5 fields or 6 with seconds first (e.g. "0 2 * * *")'),
  timezone: opt("timezone", "time zone the cron expression is read in (IANA name, default UTC)"),
  catchUp: opt("catch-up", "missed instants after downtime: none, last (default) or all (at most 100)"),
}

const updateOnlyFlags = {
  noFilters: switchFlag("no-filters", "remove every filter"),
  noWhen: switchFlag("no-when", "remove the when condition"),
  noInputMap: switchFlag("no-input-map", "remove the input mapping (runs get the whole payload again)"),
  noDebounce: switchFlag("no-debounce", "remove debounce"),
  noBatch: switchFlag("no-batch", "remove batching"),
  noRespond: switchFlag("no-respond", "answer 202 at once again instead of waiting for the workflow"),
}

const checkName = (n: string) =>
  isValidName(n)
    ? Effect.void
    : Effect.fail(usageError(`name: must be 1-64 characters of A-Z, a-z, 0-9, _ or - (got "${n.slice(0, 80)}")`))

const decodeDefinition = Schema.decodeUnknownExit(TriggerDefinition, { onExcessProperty: "error", errors: "all" })
const decodePatch = Schema.decodeUnknownExit(TriggerPatch, { onExcessProperty: "error", errors: "all" })

const usageFromExit = (exit: ReturnType<typeof decodeDefinition> | ReturnType<typeof decodePatch>) => {
  if (exit._tag === "Success") return Effect.void
  const issue = (exit.cause as { reasons?: ReadonlyArray<{ error?: { issue?: unknown } }> }).reasons?.[0]?.error?.issue
  const message = issue !== undefined ? withFlagNames(describeIssue(issue as never)) : "invalid trigger definition"
  return Effect.fail(usageError(message))
}

/**
 * CEL expressions are the service's to judge (its compiler is the one that will run them): they are
 * left out of the local check, and a bad one is the service's refusal (exit 1) naming the field.
 */
const withoutExpressions = (v: Record<string, unknown>) => {
  const { when: _when, input: _input, ...rest } = v
  return rest
}

/** Check a definition locally with the service's own Schema, so bad flags are usage errors (exit 2). */
const checkDefinition = (def: Record<string, unknown>) => usageFromExit(decodeDefinition(withoutExpressions(def)))

/** Check each field an update sets (cleared fields are null); the merged result is the service's to check. */
const checkPatch = (patch: Record<string, unknown>) =>
  usageFromExit(
    decodePatch(Object.fromEntries(Object.entries(withoutExpressions(patch)).filter(([, v]) => v !== null))),
  )

/** Where an event trigger listens: its subject, in its source when it has one. */
const listensOn = (t: Trigger): string =>
  t.source === undefined
    ? (t.subject ?? "")
    : t.source.stream !== undefined
      ? `${t.subject ?? ""} in stream ${t.source.stream}`
      : `keys ${t.subject ?? ""} of KV bucket ${t.source.kv ?? ""} (${(t.source.ops ?? ["put", "delete"]).join(", ")})`

const describeTrigger = (t: Trigger): ReadonlyArray<readonly [string, string]> => [
  ["name", t.name],
  ["type", t.type],
  ["workflow", t.workflow],
  ["enabled", String(t.enabled ?? true)],
  t.type === "schedule"
    ? ["schedule", `cron "${t.cron ?? ""}" in ${t.timezone ?? "UTC"}, catch-up ${t.catch_up ?? "last"}`]
    : ["listens on", t.type === "webhook" ? `${Subjects.webhook(t.name)} (POST /v1/webhooks/${t.name})` : listensOn(t)],
  ...(t.type === "webhook"
    ? ([
        ["scheme", t.scheme ?? "hmac-sha256"],
        ["verify", String(t.verify ?? true)],
        ["secrets", `${t.secret_count ?? 0} set`],
        ...(t.tolerance !== undefined ? ([["tolerance", t.tolerance]] as const) : []),
        // Shown only when set, as most webhooks answer 202 at once.
        ...(t.respond !== undefined
          ? ([["respond", `waits up to ${t.respond.timeout ?? DEFAULT_RESPOND_TIMEOUT}`]] as const)
          : []),
      ] as const)
    : []),
  [
    "filters",
    (t.filters ?? [])
      .map((f) => ("field" in f ? `${f.field}=${f.value}` : `header ${f.header}=${f.value}`))
      .join(", ") || "-",
  ],
  // Shown only when set: most triggers have neither.
  ...(t.when !== undefined ? ([["when", t.when]] as const) : []),
  ...(t.input !== undefined ? ([["input", t.input]] as const) : []),
  [
    "debounce",
    t.debounce === undefined
      ? "-"
      : `period ${t.debounce.period}${t.debounce.timeout !== undefined ? `, timeout ${t.debounce.timeout}` : ""}${t.debounce.key !== undefined ? `, key ${t.debounce.key}` : ""}`,
  ],
  [
    "batch",
    t.batch === undefined
      ? "-"
      : `size ${t.batch.max_size}, timeout ${t.batch.timeout}${t.batch.key !== undefined ? `, key ${t.batch.key}` : ""}`,
  ],
  ["revision", String(t.revision)],
  ["created", t.created_at],
  ["updated", t.updated_at],
]

const withRequire = (body: Record<string, unknown>, require: boolean) =>
  require ? { ...body, require_workflow: true } : body

/** create/update: the reply as usual, and each warning (an unregistered workflow) on stderr. */
const callWithWarnings = (subject: string, body: unknown, human: (t: Trigger) => void) =>
  withNats((nc, shared) =>
    Effect.gen(function* () {
      const reply = yield* requestAs(nc, subject, body, TriggerWithWarnings)
      if (shared.json) printJson(reply)
      else human(reply)
      for (const w of reply.warnings ?? []) printWarning(w)
    }),
  )

const create = Command.make("create", { name, ...definitionFlags }, (input) =>
  Effect.gen(function* () {
    yield* checkName(input.name)
    const def = createDefinition(input.name, {
      ...input,
      noFilters: false,
      noWhen: false,
      noInputMap: false,
      noDebounce: false,
      noBatch: false,
    } as TriggerFlags)
    if (!def.ok) return yield* usageError(def.message)
    yield* checkDefinition(def.value)
    yield* callWithWarnings(endpointSubject("triggers", "create"), withRequire(def.value, input.requireWorkflow), (t) =>
      printLine(
        `created ${t.type} trigger ${t.name} → workflow ${t.workflow} (${triggerSource(t)})` +
          (t.enabled === false ? ", disabled" : ""),
      ),
    ).pipe(inFlagNames)
  }),
).pipe(Command.withDescription("create a webhook, event or schedule trigger"), Command.withExamples(createExamples))

const update = Command.make("update", { name, ...definitionFlags, ...updateOnlyFlags }, (input) =>
  Effect.gen(function* () {
    yield* checkName(input.name)
    const patch = updatePatch(input.name, input as TriggerFlags)
    if (!patch.ok) return yield* usageError(patch.message)
    yield* checkPatch(patch.value)
    const body = withRequire(patch.value, input.requireWorkflow)
    yield* callWithWarnings(endpointSubject("triggers", "update"), body, (t) =>
      printLine(`updated trigger ${t.name} (revision ${t.revision})`),
    ).pipe(inFlagNames)
  }),
).pipe(Command.withDescription("change a trigger; given flags replace, --no-* flags remove"))

const list = Command.make("list", {}, () =>
  withNats((nc, shared) =>
    Effect.tryPromise({ try: () => listTriggers(nc), catch: fromPlain }).pipe(
      Effect.map((t) => printTriggers(t, shared.json)),
    ),
  ),
).pipe(Command.withDescription("list triggers, sorted by name"))

const get = Command.make("get", { name }, ({ name }) =>
  checkName(name).pipe(
    Effect.andThen(
      callAndPrint(endpointSubject("triggers", "get"), { name }, Trigger, (t) => printRecord(describeTrigger(t))),
    ),
  ),
).pipe(Command.withDescription("show one trigger (secrets are never shown, only how many are set)"))

const simple = (verb: "delete" | "enable" | "disable", past: string, description: string) =>
  Command.make(verb, { name }, ({ name }) =>
    checkName(name).pipe(
      Effect.andThen(
        callAndPrint(endpointSubject("triggers", verb), { name }, verb === "delete" ? Deleted : Trigger, () =>
          printLine(`${past} trigger ${name}`),
        ),
      ),
    ),
  ).pipe(Command.withDescription(description))

const triggerCommands = [
  create,
  list,
  get,
  update,
  simple("delete", "deleted", "delete a trigger"),
  simple("enable", "enabled", "enable a trigger"),
  simple("disable", "disabled", "disable a trigger (webhooks still accept and store; no runs start)"),
] as const

export const trigger = (extra: ReadonlyArray<Command.Command<any, any, any, any, any>> = []) =>
  Command.make("trigger").pipe(
    Command.withDescription("manage triggers"),
    Command.withSubcommands([...triggerCommands, ...extra] as never),
  )
