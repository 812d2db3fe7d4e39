// The trigger model: what a definition may contain, the rules spanning its fields (each field's own
// rule is in trigger-fields.ts), and the read-only view that leaves secrets out. Pure: no I/O,
// usable from the service, the CLI and tests.
import { Schema, SchemaIssue } from "effect"
import { DEFAULT_SCHEME, isSchemeName, secretProblem } from "./signatures/index.js"
import { MAX_SUBJECT_LENGTH, isValidSubjectPattern, isWithinEvents } from "./subjects.js"
import { ONE_HOUR_MS } from "./duration.js"
import { CatchUpModes } from "./schedule.js"
import {
  Batch,
  CronText,
  DEFAULT_RESPOND_TIMEOUT,
  Debounce,
  Expression,
  Filter,
  Filters,
  Name,
  Respond,
  Scheme,
  Secret,
  Source,
  StoredCronText,
  StoredExpression,
  Timezone,
  TriggerType,
  durationWithin,
} from "./trigger-fields.js"
export {
  Name,
  isValidName,
  Filter,
  Filters,
  Debounce,
  DEFAULT_RESPOND_TIMEOUT,
  respondTimeoutMs,
  type Respond,
  Source,
  KvOps,
  type KvOp,
} from "./trigger-fields.js"

/** Schedule triggers: a cron expression read in a time zone, and what to do about missed instants. */
const scheduleFields = {
  cron: Schema.optionalKey(CronText),
  timezone: Schema.optionalKey(Timezone),
  catch_up: Schema.optionalKey(Schema.Literals(CatchUpModes)),
}
const SCHEDULE_ONLY = ["cron", "timezone", "catch_up"] as const
/** A schedule starts runs by itself: nothing about events applies to it. */
const EVENT_ONLY = [
  "subject",
  "source",
  "filters",
  "when",
  "input",
  "debounce",
  "batch",
  "secrets",
  "scheme",
  "verify",
  "tolerance",
  "respond",
] as const

/** The fields a user defines. Everything optional here has a documented default. */
const definitionFields = {
  name: Name,
  workflow: Name,
  type: TriggerType,
  enabled: Schema.optionalKey(Schema.Boolean),
  secrets: Schema.optionalKey(
    Schema.Array(Secret).pipe(
      Schema.check(
        Schema.makeFilter((a) => (a.length <= 2 ? undefined : "at most 2 secrets (current and next, for rotation)")),
      ),
    ),
  ),
  scheme: Schema.optionalKey(Scheme),
  verify: Schema.optionalKey(Schema.Boolean),
  tolerance: Schema.optionalKey(durationWithin(ONE_HOUR_MS, "1h")),
  subject: Schema.optionalKey(
    Schema.String.pipe(
      Schema.check(
        Schema.makeFilter((s: string) =>
          !isValidSubjectPattern(s)
            ? `must be a NATS subject pattern of at most ${MAX_SUBJECT_LENGTH} characters ` +
              "(tokens separated by '.', '*' for one token, '>' last)"
            : undefined,
        ),
      ),
    ),
  ),
  /** An event trigger on a stream or KV bucket of the operator's instead of EVENTS. */
  source: Schema.optionalKey(Source),
  filters: Schema.optionalKey(Filters),
  /** CEL: must be true for an event to go on, after `filters`. */
  when: Schema.optionalKey(Expression("when")),
  /** CEL: its value is the run input instead of the whole payload (for a batch, per event). */
  input: Schema.optionalKey(Expression("input")),
  debounce: Schema.optionalKey(Debounce),
  batch: Schema.optionalKey(Batch),
  respond: Schema.optionalKey(Respond),
  ...scheduleFields,
}

const WEBHOOK_ONLY = ["secrets", "scheme", "verify", "tolerance", "respond"] as const

/** Rules that span fields; each names the field it is about. */
const crossFieldRules = Schema.makeFilter((d: { readonly [K in keyof typeof definitionFields]?: unknown }) => {
  const issues: Array<{ path: ReadonlyArray<PropertyKey>; issue: string }> = []
  if (d.type === "webhook" && d.source !== undefined) {
    issues.push({ path: ["source"], issue: "only allowed for event triggers" })
  }
  if (d.type === "webhook" && d.subject !== undefined) {
    issues.push({
      path: ["subject"],
      issue:
        "not allowed for webhook triggers, which listen on event.webhook.{name}; use an event trigger for a subject",
    })
  }
  if (d.type === "event") {
    if (d.subject === undefined) issues.push({ path: ["subject"], issue: "required for event triggers" })
    else if (d.source === undefined && typeof d.subject === "string" && !isWithinEvents(d.subject)) {
      issues.push({
        path: ["subject"],
        issue: "must be inside event.> (for example event.deploy.* or event.webhook.github)",
      })
    }
    // A batch fires with every event it counted, read back from the stream; a bucket keeps only the
    // latest revisions of a key, so the earlier changes of a batch could be gone by then.
    if (typeof d.source === "object" && d.source !== null && "kv" in d.source && d.batch !== undefined) {
      issues.push({
        path: ["batch"],
        issue:
          "not supported on a KV bucket, which keeps only the latest revisions of a key (a batch could not read " +
          "the earlier changes back); use debounce, or trigger on a stream",
      })
    }
    for (const key of WEBHOOK_ONLY) {
      if (d[key] !== undefined) issues.push({ path: [key], issue: "only allowed for webhook triggers" })
    }
  }
  if (d.type === "schedule") {
    if (d.cron === undefined) issues.push({ path: ["cron"], issue: "required for schedule triggers" })
    for (const key of EVENT_ONLY) {
      if (d[key] !== undefined) issues.push({ path: [key], issue: "not allowed for schedule triggers" })
    }
  } else {
    for (const key of SCHEDULE_ONLY) {
      if (d[key] !== undefined) issues.push({ path: [key], issue: "only allowed for schedule triggers" })
    }
  }
  if (d.debounce !== undefined && d.batch !== undefined) {
    issues.push({ path: ["debounce"], issue: "cannot be combined with batch; choose one" })
  }
  // One request waits for one run: a window would join many requests into one run, or delay it.
  if (d.respond !== undefined && (d.debounce !== undefined || d.batch !== undefined)) {
    issues.push({
      path: ["respond"],
      issue:
        `cannot be combined with ${d.debounce !== undefined ? "debounce" : "batch"}: ` +
        "a synchronous webhook answers with its own run",
    })
  }
  return issues.length === 0 ? undefined : issues
})

/**
 * Each secret must be usable by the trigger's scheme (a Standard Webhooks secret is base64). Only on
 * definitions, not on stored triggers: one stored before this rule stays readable.
 */
const secretsFitScheme = Schema.makeFilter((d: { readonly [K in keyof typeof definitionFields]?: unknown }) => {
  const scheme = String(d.scheme ?? DEFAULT_SCHEME)
  if (d.type !== "webhook" || !Array.isArray(d.secrets) || !isSchemeName(scheme)) return undefined
  const issues = d.secrets.flatMap((secret: unknown, i) => {
    const problem = typeof secret === "string" ? secretProblem(scheme, secret) : undefined
    return problem === undefined ? [] : [{ path: ["secrets", i], issue: `${scheme} secret ${problem}` }]
  })
  return issues.length === 0 ? undefined : issues
})

export const TriggerDefinition = Schema.Struct(definitionFields).pipe(
  Schema.check(crossFieldRules),
  Schema.check(secretsFitScheme),
)
export type TriggerDefinition = typeof TriggerDefinition.Type

/**
 * The fields of an update, each checked on its own (so a bad duration is a usage error before
 * anything is sent); rules across fields need the stored trigger and are the service's to check.
 */
export const TriggerPatch = Schema.Struct({
  ...definitionFields,
  workflow: Schema.optionalKey(Name),
  type: Schema.optionalKey(TriggerType),
})

/** What is stored in KV `dagnats_triggers`: the definition plus fields the service maintains. */
export const StoredTrigger = Schema.Struct({
  ...definitionFields,
  cron: Schema.optionalKey(StoredCronText),
  when: Schema.optionalKey(StoredExpression),
  input: Schema.optionalKey(StoredExpression),
  created_at: Schema.String,
  updated_at: Schema.String,
  revision: Schema.Number,
}).pipe(Schema.check(crossFieldRules))
export type StoredTrigger = typeof StoredTrigger.Type

const { secrets: _secrets, ...viewFields } = StoredTrigger.fields
const viewShape = { ...viewFields, revision: Schema.Finite, secret_count: Schema.optionalKey(Schema.Finite) }

/** The read view returned by every read path: secrets replaced by how many are set. */
export const TriggerView = Schema.Struct(viewShape)
export type TriggerView = typeof TriggerView.Type

/** create and update answer the trigger, with warnings (an unregistered workflow) when there are any. */
export const TriggerReply = Schema.Struct({ ...viewShape, warnings: Schema.optionalKey(Schema.Array(Schema.String)) })

/** A trigger as triggers.list shows it: open windows, and a schedule's next fire time. */
export const TriggerListItem = Schema.Struct({
  ...viewShape,
  open: Schema.optionalKey(Schema.Finite),
  next_fire_at: Schema.optionalKey(Schema.String),
})

/** triggers.list: name order; `next` is the `after` of the next page; `truncated` when cut for size. */
export const TriggerListReply = Schema.Struct({
  triggers: Schema.Array(TriggerListItem),
  truncated: Schema.optionalKey(Schema.Literal(true)),
  next: Schema.optionalKey(Schema.String),
})

export const toView = (t: StoredTrigger): TriggerView => {
  const { secrets, ...rest } = t
  return t.type === "webhook" ? { ...rest, secret_count: secrets?.length ?? 0 } : rest
}

/** The defaults of an optional field made explicit, so readers never guess. */
export const withDefaults = (d: TriggerDefinition): TriggerDefinition =>
  d.type === "webhook"
    ? {
        ...d,
        enabled: d.enabled ?? true,
        scheme: d.scheme ?? "hmac-sha256",
        verify: d.verify ?? true,
        secrets: d.secrets ?? [],
        ...(d.respond !== undefined ? { respond: { timeout: d.respond.timeout ?? DEFAULT_RESPOND_TIMEOUT } } : {}),
      }
    : d.type === "schedule"
      ? { ...d, enabled: d.enabled ?? true, timezone: d.timezone ?? "UTC", catch_up: d.catch_up ?? "last" }
      : { ...d, enabled: d.enabled ?? true }

/** Fields a user may change with update (name, type and the service's own fields may not). */
export const UPDATABLE_FIELDS = [
  "workflow",
  "enabled",
  "secrets",
  "scheme",
  "verify",
  "tolerance",
  "subject",
  "source",
  "filters",
  "when",
  "input",
  "debounce",
  "batch",
  "respond",
  "cron",
  "timezone",
  "catch_up",
] as const

/** The subject an event must be published on to reach this trigger. */
export const listenSubject = (t: Pick<StoredTrigger, "type" | "name" | "subject">): string =>
  t.type === "webhook" ? `event.webhook.${t.name}` : (t.subject ?? "")

const formatter = SchemaIssue.makeFormatterStandardSchemaV1()

/** How many keys a union member found missing or unexpected: how far the input is from its shape. */
const shapeDistance = (member: SchemaIssue.Issue): number =>
  member._tag === "Composite"
    ? member.issues.filter(
        (i) => i._tag === "Pointer" && (i.issue._tag === "MissingKey" || i.issue._tag === "UnexpectedKey"),
      ).length
    : 0

/**
 * A union failure reports every member's issues, so `{field: ""}` would also read "field: unknown
 * field; header: required". Keep only the member whose shape the input is closest to; when
 * several are equally close (or none applied), report the union's own message (the forms it
 * accepts).
 */
const pickUnionMember = (issue: SchemaIssue.Issue): SchemaIssue.Issue => {
  switch (issue._tag) {
    case "AnyOf": {
      const distances = issue.issues.map(shapeDistance)
      const closest = issue.issues.filter((_, i) => distances[i] === Math.min(...distances))
      if (closest.length === 1) return pickUnionMember(closest[0]!)
      const message = issue.ast.annotations?.["message"]
      return typeof message === "string" ? new SchemaIssue.InvalidValue({ message }) : issue
    }
    case "Composite":
      return new SchemaIssue.Composite(
        issue.ast,
        issue.issues.map(pickUnionMember) as [SchemaIssue.Issue, ...Array<SchemaIssue.Issue>],
      )
    case "Pointer":
      return new SchemaIssue.Pointer(issue.path, pickUnionMember(issue.issue))
    case "Filter":
      return new SchemaIssue.Filter(issue.filter, pickUnionMember(issue.issue))
    default:
      return issue
  }
}

/** One line per problem, each starting with the field path: `debounce.timeout: must be at least …`. */
export const describeIssue = (issue: SchemaIssue.Issue): string =>
  formatter(pickUnionMember(issue))
    .issues.map((i) => {
      const path = (i.path ?? [])
        .map((p) => (typeof p === "object" && p !== null && "key" in p ? p.key : p))
        .map((p, n) => (typeof p === "number" ? `[${p}]` : n === 0 ? String(p) : `.${String(p)}`))
        .join("")
      const message =
        i.message === "Missing key"
          ? "required"
          : i.message === "Expected no excess property"
            ? "unknown field"
            : i.message
      return path === "" ? message : `${path}: ${message}`
    })
    .join("; ")
