// Turning `trigger create|update` flags into a trigger definition or patch. Pure, so every flag rule
// is unit-tested; the same Schema the service uses then checks the result before anything is sent.
import { readFileSync } from "node:fs"
import { Option, Result } from "effect"

export interface TriggerFlags {
  readonly workflow: Option.Option<string>
  readonly webhook: boolean
  readonly subject: Option.Option<string>
  readonly secret: ReadonlyArray<string>
  readonly secretFile: ReadonlyArray<string>
  readonly scheme: Option.Option<string>
  readonly verify: Option.Option<boolean>
  readonly tolerance: Option.Option<string>
  readonly filterField: ReadonlyArray<string>
  readonly filterValue: ReadonlyArray<string>
  readonly filterHeader: ReadonlyArray<string>
  readonly noFilters: boolean
  /** CEL: `--when EXPR` and `--input-map EXPR` (optional here so callers without them need not list them). */
  readonly when?: Option.Option<string>
  readonly inputMap?: Option.Option<string>
  readonly noWhen?: boolean
  readonly noInputMap?: boolean
  readonly debounce: Option.Option<string>
  readonly debounceTimeout: Option.Option<string>
  readonly debounceKey: Option.Option<string>
  readonly batchSize: Option.Option<number>
  readonly batchTimeout: Option.Option<string>
  readonly batchKey: Option.Option<string>
  readonly noDebounce: boolean
  readonly noBatch: boolean
  readonly disabled: boolean
  /** Schedule triggers (optional here so callers without schedule flags need not list them). */
  readonly cron?: Option.Option<string>
  readonly timezone?: Option.Option<string>
  readonly catchUp?: Option.Option<string>
  /** Synchronous webhooks: `--respond [--respond-timeout DUR]`, and `--no-respond` on update. */
  readonly respond?: boolean
  readonly respondTimeout?: Option.Option<string>
  readonly noRespond?: boolean
  /** A source of the operator's: `--stream NAME`, or `--kv BUCKET --key PATTERN [--ops put,delete]`. */
  readonly stream?: Option.Option<string>
  readonly kv?: Option.Option<string>
  readonly key?: Option.Option<string>
  readonly ops?: Option.Option<string>
}

export interface SecretSources {
  readonly readStdin: () => string
  readonly readFile: (path: string) => string
}

const defaultSecretSources: SecretSources = {
  readStdin: () => readFileSync(0, "utf8"),
  readFile: (path) => readFileSync(path, "utf8"),
}

type Result =
  { readonly ok: true; readonly value: Record<string, unknown> } | { readonly ok: false; readonly message: string }
const fail = (message: string): Result => ({ ok: false, message })

// A secret read from a file or stdin loses its trailing newline, as `echo secret > file` adds one.
const trimNewline = (s: string) => s.replace(/\r?\n$/, "")

const secrets = (f: TriggerFlags, io: SecretSources): ReadonlyArray<string> | string => {
  const out: Array<string> = []
  let stdinUsed = false
  for (const s of f.secret) {
    if (s === "-") {
      if (stdinUsed) return "--secret: stdin (-) can be given only once"
      stdinUsed = true
      out.push(trimNewline(io.readStdin()))
    } else out.push(s)
  }
  for (const path of f.secretFile) {
    const text = Result.try(() => io.readFile(path))
    if (text._tag === "Failure") return `--secret-file: cannot read ${path}`
    out.push(trimNewline(text.success))
  }
  return out
}

/** The filters --filter-field/--filter-value pairs and --filter-header give, or what is wrong with them. */
export const filters = (
  f: Pick<TriggerFlags, "filterField" | "filterValue" | "filterHeader">,
): ReadonlyArray<Record<string, string>> | string => {
  if (f.filterField.length !== f.filterValue.length) {
    return `--filter-field and --filter-value: give them in pairs (${f.filterField.length} fields, ${f.filterValue.length} values)`
  }
  const out: Array<Record<string, string>> = f.filterField.map((field, i) => ({ field, value: f.filterValue[i]! }))
  for (const h of f.filterHeader) {
    const eq = h.indexOf("=")
    if (eq <= 0) return `--filter-header: must be NAME=VALUE (got "${h}")`
    out.push({ header: h.slice(0, eq), value: h.slice(eq + 1) })
  }
  return out
}

const given = (o: Option.Option<string> | undefined): o is Option.Some<string> => o !== undefined && Option.isSome(o)

/** Schedule fields from --cron, --timezone and --catch-up; only the flags that were given appear. */
const scheduleFields = (f: TriggerFlags): Record<string, unknown> => ({
  ...(given(f.cron) ? { cron: f.cron.value } : {}),
  ...(given(f.timezone) ? { timezone: f.timezone.value } : {}),
  ...(given(f.catchUp) ? { catch_up: f.catchUp.value } : {}),
})

/** `source` (and `subject` from --key) from --stream, --kv, --key and --ops; only the flags given appear. */
const sourceFields = (f: TriggerFlags): Result => {
  const v: Record<string, unknown> = {}
  if (given(f.stream) && given(f.kv)) return fail("--stream and --kv: give one source, not both")
  if (given(f.key)) {
    if (!given(f.kv)) return fail("--key: the key pattern of a --kv trigger; give --kv BUCKET with it")
    if (Option.isSome(f.subject)) return fail("--key and --subject: a --kv trigger takes --key, not --subject")
    v["subject"] = f.key.value
  }
  if (given(f.ops) && !given(f.kv)) return fail("--ops: the KV operations of a --kv trigger; give --kv BUCKET with it")
  if (given(f.stream)) v["source"] = { stream: f.stream.value }
  if (given(f.kv)) {
    if (!given(f.key) && Option.isNone(f.subject)) return fail("--kv: give --key PATTERN (for example 'flags.>') too")
    if (Option.isSome(f.subject)) return fail("--kv and --subject: a --kv trigger takes --key, not --subject")
    const ops = given(f.ops) ? f.ops.value.split(",").map((o) => o.trim()) : undefined
    v["source"] = { kv: f.kv.value, ...(ops !== undefined ? { ops } : {}) }
  }
  return { ok: true, value: v }
}

/** Fields common to create and update; only the flags that were given appear. */
const commonFields = (f: TriggerFlags, io: SecretSources): Result => {
  const v: Record<string, unknown> = {}
  if (Option.isSome(f.workflow)) v["workflow"] = f.workflow.value
  if (Option.isSome(f.subject)) v["subject"] = f.subject.value
  const s = secrets(f, io)
  if (typeof s === "string") return fail(s)
  if (s.length > 0) v["secrets"] = s
  if (Option.isSome(f.scheme)) v["scheme"] = f.scheme.value
  if (Option.isSome(f.verify)) v["verify"] = f.verify.value
  if (Option.isSome(f.tolerance)) v["tolerance"] = f.tolerance.value
  const fl = filters(f)
  if (typeof fl === "string") return fail(fl)
  if (fl.length > 0) v["filters"] = fl
  if (given(f.when)) v["when"] = f.when.value
  if (given(f.inputMap)) v["input"] = f.inputMap.value
  if (Option.isSome(f.debounce)) {
    v["debounce"] = {
      period: f.debounce.value,
      ...(Option.isSome(f.debounceTimeout) ? { timeout: f.debounceTimeout.value } : {}),
      ...(Option.isSome(f.debounceKey) ? { key: f.debounceKey.value } : {}),
    }
  } else if (Option.isSome(f.debounceTimeout) || Option.isSome(f.debounceKey)) {
    return fail("--debounce-timeout and --debounce-key need --debounce")
  }
  if (Option.isSome(f.batchSize) || Option.isSome(f.batchTimeout)) {
    if (Option.isNone(f.batchSize)) return fail("--batch-size: required with --batch-timeout")
    if (Option.isNone(f.batchTimeout)) return fail("--batch-timeout: required with --batch-size")
    v["batch"] = {
      max_size: f.batchSize.value,
      timeout: f.batchTimeout.value,
      ...(Option.isSome(f.batchKey) ? { key: f.batchKey.value } : {}),
    }
  } else if (Option.isSome(f.batchKey)) {
    return fail("--batch-key needs --batch-size and --batch-timeout")
  }
  if (f.respond === true) v["respond"] = given(f.respondTimeout) ? { timeout: f.respondTimeout.value } : {}
  else if (given(f.respondTimeout)) return fail("--respond-timeout needs --respond")
  const source = sourceFields(f)
  if (!source.ok) return source
  return { ok: true, value: { ...v, ...source.value, ...scheduleFields(f) } }
}

export const createDefinition = (name: string, f: TriggerFlags, io: SecretSources = defaultSecretSources): Result => {
  if (given(f.stream) && given(f.kv)) return fail("--stream and --kv: give one source, not both")
  const sourced = given(f.stream) || given(f.kv) || given(f.key)
  if (f.webhook && sourced)
    return fail("source: a --webhook trigger listens on its own URL; --stream/--kv are for event triggers")
  if (f.webhook && Option.isSome(f.subject)) {
    return fail(
      "subject: a --webhook trigger listens on event.webhook.NAME; give either --webhook or --subject, not both",
    )
  }
  const schedule = given(f.cron)
  if (schedule && (f.webhook || Option.isSome(f.subject) || sourced)) {
    return fail("cron: a --cron trigger is a schedule; give one of --webhook, --subject or --cron")
  }
  if (!schedule && (given(f.timezone) || given(f.catchUp))) return fail("--timezone and --catch-up need --cron")
  if (given(f.stream) && Option.isNone(f.subject)) {
    return fail("--stream: give --subject PATTERN too, a pattern within the stream's subjects")
  }
  if (!f.webhook && !schedule && Option.isNone(f.subject) && !given(f.key) && !given(f.kv)) {
    return fail(
      "type: give --webhook for a webhook trigger, --subject SUBJ for an event trigger or --cron EXPR for a schedule",
    )
  }
  if (Option.isNone(f.workflow)) return fail("--workflow: required")
  if (f.noFilters || f.noDebounce || f.noBatch || f.noWhen === true || f.noInputMap === true || f.noRespond === true) {
    return fail("--no-filters, --no-when, --no-input-map, --no-debounce, --no-batch and --no-respond are for update")
  }
  const common = commonFields(f, io)
  if (!common.ok) return common
  return {
    ok: true,
    value: {
      name,
      type: f.webhook ? "webhook" : schedule ? "schedule" : "event",
      ...(f.disabled ? { enabled: false } : {}),
      ...common.value,
    },
  }
}

/** An update patch: given fields replace, `--no-X` clears, and choosing batch clears debounce. */
export const updatePatch = (name: string, f: TriggerFlags, io: SecretSources = defaultSecretSources): Result => {
  if (f.webhook) return fail("--webhook: the type of a trigger cannot change; delete it and create it again")
  const common = commonFields(f, io)
  if (!common.ok) return common
  const patch: Record<string, unknown> = { name, ...common.value }
  if (f.disabled) patch["enabled"] = false
  if (f.noFilters) {
    if ("filters" in patch) return fail("--no-filters cannot be combined with --filter-*")
    patch["filters"] = null
  }
  if (f.noWhen === true) {
    if ("when" in patch) return fail("--no-when cannot be combined with --when")
    patch["when"] = null
  }
  if (f.noInputMap === true) {
    if ("input" in patch) return fail("--no-input-map cannot be combined with --input-map")
    patch["input"] = null
  }
  if (f.noRespond === true) {
    if ("respond" in patch) return fail("--no-respond cannot be combined with --respond")
    patch["respond"] = null
  }
  if (f.noDebounce) patch["debounce"] = null
  if (f.noBatch) patch["batch"] = null
  if ("batch" in common.value && !("debounce" in common.value)) patch["debounce"] = null
  if ("debounce" in common.value && !("batch" in common.value)) patch["batch"] = null
  if (Object.keys(patch).length === 1) return fail("nothing to update: give at least one flag (see --help)")
  return { ok: true, value: patch }
}
