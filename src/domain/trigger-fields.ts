// The value rules of a trigger definition's fields, one Schema each: names, durations, filters,
// debounce, batch, respond, secrets, expressions, cron text and time zones. The definition and the
// rules spanning fields are in trigger.ts. Pure.
import { Schema } from "effect"
import { SchemeNames } from "./signatures/types.js"
import { ONE_HOUR_MS, SEVEN_DAYS_MS, parseDurationMs } from "./duration.js"
import { cronProblem, isValidTimezone, storedCronProblem } from "./schedule.js"
import { isValidPath } from "./json-path.js"
import { wholeNumber } from "./whole-number.js"
import { MAX_EXPRESSION_LENGTH, expressionProblem, type ExpressionField } from "./expressions.js"

const NAME_RULE = "must be 1-64 characters of A-Z, a-z, 0-9, _ or -"
const NAME_PATTERN = /^[A-Za-z0-9_-]{1,64}$/

/** A trigger or workflow name: one KV key and one subject token. */
export const Name = Schema.String.pipe(Schema.check(Schema.isPattern(NAME_PATTERN, { message: NAME_RULE })))
export const isValidName = (s: string): boolean => NAME_PATTERN.test(s)

/** Longer than any sensible duration ("1h30m15s500ms" is 13): bounds what is parsed and echoed. */
const MAX_DURATION_LENGTH = 32

export const durationWithin = (maxMs: number, maxText: string) =>
  Schema.String.pipe(
    Schema.check(
      Schema.makeFilter((s: string) => {
        if (s.length > MAX_DURATION_LENGTH) {
          return `must be a duration of at most ${MAX_DURATION_LENGTH} characters, such as 500ms, 5s or 1m`
        }
        const ms = parseDurationMs(s)
        if (ms === undefined) return `must be a duration such as 500ms, 5s, 1m or 2h (got "${s.slice(0, 32)}")`
        if (ms <= 0) return "must be greater than 0"
        if (ms > maxMs) return `must be at most ${maxText}`
        return undefined
      }),
    ),
  )

const DotPath = Schema.String.pipe(
  Schema.check(
    Schema.makeFilter((s: string) => (isValidPath(s) ? undefined : "must be a dot path such as pull_request.head.ref")),
  ),
)

const FilterValue = Schema.String.pipe(
  Schema.check(Schema.isMaxLength(4096, { message: "must be at most 4096 characters" })),
)

const FieldFilter = Schema.Struct({ field: DotPath, value: FilterValue })
const HeaderFilter = Schema.Struct({
  header: Schema.String.pipe(
    Schema.check(Schema.isPattern(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,128}$/, { message: "must be an HTTP header name" })),
  ),
  value: FilterValue,
})
const FILTER_FORMS = "must be {field, value} or {header, value}"
export const Filter = Schema.Union([FieldFilter, HeaderFilter]).annotate({ message: FILTER_FORMS })
export type Filter = typeof Filter.Type
/** A trigger's filters (and those `trigger test` tries instead): at most 32. */
export const Filters = Schema.Array(Filter).pipe(
  Schema.check(Schema.makeFilter((a) => (a.length <= 32 ? undefined : "at most 32 filters"))),
)

export const Debounce = Schema.Struct({
  period: durationWithin(SEVEN_DAYS_MS, "7d"),
  timeout: Schema.optionalKey(durationWithin(SEVEN_DAYS_MS, "7d")),
  key: Schema.optionalKey(DotPath),
}).pipe(
  Schema.check(
    Schema.makeFilter((d) =>
      d.timeout !== undefined && (parseDurationMs(d.timeout) ?? 0) < (parseDurationMs(d.period) ?? 0)
        ? { path: ["timeout"], issue: `must be at least the period (${d.period})` }
        : undefined,
    ),
  ),
)
export type Debounce = typeof Debounce.Type

export const Batch = Schema.Struct({
  max_size: wholeNumber(1, 1000),
  timeout: durationWithin(ONE_HOUR_MS, "1h"),
  key: Schema.optionalKey(DotPath),
})
export type Batch = typeof Batch.Type

/** How long a synchronous webhook waits for its workflow's answer unless the trigger says otherwise. */
export const DEFAULT_RESPOND_TIMEOUT = "30s"
const FIVE_MINUTES_MS = 5 * 60_000

/** A synchronous webhook: the request is answered with what the run responds, within `timeout`. */
export const Respond = Schema.Struct({ timeout: Schema.optionalKey(durationWithin(FIVE_MINUTES_MS, "5m")) })
export type Respond = typeof Respond.Type

/** The wait of a synchronous webhook trigger in milliseconds (its own timeout, else the default). */
export const respondTimeoutMs = (r: Respond): number => parseDurationMs(r.timeout ?? DEFAULT_RESPOND_TIMEOUT) ?? 30_000

export const Secret = Schema.String.pipe(
  Schema.check(
    Schema.makeFilter((s: string) =>
      s.length >= 1 && s.length <= 1024 ? undefined : "each secret must be 1-1024 characters",
    ),
  ),
)

/** A CEL expression checked as it would be compiled: length, syntax (line:column), a bool `when`. */
export const Expression = (field: ExpressionField) =>
  Schema.String.pipe(Schema.check(Schema.makeFilter((s: string) => expressionProblem(field, s))))
/**
 * A stored expression needs only to be a bounded string: one that no longer compiles (edited in KV by
 * hand, or stored by a newer version) keeps its trigger readable, and the evaluator disables only it.
 */
export const StoredExpression = Schema.String.pipe(
  Schema.check(Schema.isMaxLength(MAX_EXPRESSION_LENGTH * 4, { message: "must be a CEL expression" })),
)

export const TriggerType = Schema.Literals(["webhook", "event", "schedule"])
export type TriggerType = typeof TriggerType.Type
export const Scheme = Schema.Literals(SchemeNames)

export const CronText = Schema.String.pipe(Schema.check(Schema.makeFilter((s: string) => cronProblem(s))))
/** A stored expression needs only its syntax: one stored before a newer rule (no H) stays readable. */
export const StoredCronText = Schema.String.pipe(Schema.check(Schema.makeFilter((s: string) => storedCronProblem(s))))
export const Timezone = Schema.String.pipe(
  Schema.check(
    Schema.makeFilter((s: string) =>
      isValidTimezone(s)
        ? undefined
        : `must be an IANA time zone such as UTC or Europe/Berlin (got "${s.slice(0, 64)}")`,
    ),
  ),
)

/** A JetStream stream or KV bucket name dagnats accepts: one token of a consumer name and a subject. */
const STREAM_NAME_PATTERN = /^[A-Za-z0-9_-]{1,100}$/
const StreamName = (what: string) =>
  Schema.String.pipe(
    Schema.check(
      Schema.isPattern(STREAM_NAME_PATTERN, { message: `must be a ${what} name: 1-100 of A-Z a-z 0-9 _ -` }),
    ),
  )

/**
 * A source is read in dagnats's own account and JetStream domain: a stream elsewhere is brought in
 * by the operator (a stream that `sources` it here), never read across.
 */
const ELSEWHERE =
  "not supported: dagnats reads sources in its own account and JetStream domain only; " +
  "create a stream here that sources or mirrors the other one and trigger on that"
const Elsewhere = Schema.Unknown.pipe(Schema.check(Schema.makeFilter(() => ELSEWHERE)))

export const KvOps = ["put", "delete"] as const
export type KvOp = (typeof KvOps)[number]

const Ops = Schema.Array(Schema.Literals(KvOps)).pipe(
  Schema.check(
    Schema.makeFilter((a: ReadonlyArray<string>) =>
      a.length === 0
        ? 'must list at least one of "put", "delete"'
        : new Set(a).size !== a.length
          ? "must not repeat an operation"
          : undefined,
    ),
  ),
)

/** A KV bucket's own stream is read as the bucket (its messages are changes, not payloads). */
const NotKvStream = Schema.makeFilter((s: string) =>
  s.startsWith("KV_")
    ? `${s} is the stream of KV bucket ${s.slice(3)}: trigger on the bucket instead ` +
      `(--kv ${s.slice(3)}, source {"kv": "${s.slice(3)}"})`
    : undefined,
)

const StreamSource = Schema.Struct({
  stream: StreamName("stream").pipe(Schema.check(NotKvStream)),
  domain: Schema.optionalKey(Elsewhere),
  account: Schema.optionalKey(Elsewhere),
})
const KvSource = Schema.Struct({
  kv: StreamName("KV bucket"),
  ops: Schema.optionalKey(Ops),
  domain: Schema.optionalKey(Elsewhere),
  account: Schema.optionalKey(Elsewhere),
})

/** Where an event trigger listens: absent for EVENTS, else a stream or a KV bucket of the operator's. */
export const Source = Schema.Union([StreamSource, KvSource]).annotate({
  message: 'must be {"stream": NAME} or {"kv": BUCKET, "ops"?: ["put","delete"]}',
})
export type Source = typeof Source.Type
