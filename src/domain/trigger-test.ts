// What `trigger test` answers for one event against a webhook or event trigger: the verdict the
// evaluator would reach (the first condition that fails, in its order: subject, stored expressions
// compiling, filters, `when`, `input`), and every condition's own result beside it (`checks`), each
// evaluated whether or not an earlier one failed, so one test shows all that would need to change.
// Values seen in the event are cut to 200 characters of JSON. Pure.
import { checkFilters, compileFilters, type Filter } from "./filters.js"
import { evaluateInput, evaluateWhen, expressionVars } from "./expressions.js"
import { explainFalseWhen } from "./when-explain.js"
import type { TriggerExpressions } from "./trigger-expressions.js"
import { subjectMatches } from "./subjects.js"

const SEEN_CHARS = 200

/** One condition's result, as `checks` in the reply lists them. */
export type TestCheck =
  | { readonly check: "subject"; readonly pass: boolean; readonly want: string; readonly seen: string }
  | {
      readonly check: "filter"
      readonly pass: boolean
      readonly field?: string
      readonly header?: string
      readonly want: unknown
      /** Absent when the field or header is missing; the JSON text cut to 200 characters when longer. */
      readonly seen?: unknown
      readonly seen_cut?: true
    }
  | {
      readonly check: "when"
      readonly pass: boolean
      readonly source: string
      /** Why it did not hold: false (with the false part of an `&&` chain), an error, or not a bool. */
      readonly detail?: string
    }
  | {
      readonly check: "input"
      readonly pass: boolean
      readonly source: string
      readonly input?: unknown
      readonly error?: string
    }

export interface TestReply {
  readonly matched: boolean
  readonly reason?: string
  readonly detail?: string
  readonly input?: unknown
  readonly checks: ReadonlyArray<TestCheck>
}

export interface TestedTrigger {
  readonly name: string
  readonly filters?: ReadonlyArray<Filter> | undefined
  readonly enabled?: boolean | undefined
  /** Windows map each event from its stored payload alone, without headers. */
  readonly windowed: boolean
  /** The subject it listens on. */
  readonly pattern: string
  /** Its `when` and `input` sources as tested (a `when` given to the test replaces the stored one). */
  readonly when?: string | undefined
  readonly input?: string | undefined
}

export interface TestedEvent {
  readonly payload: unknown
  readonly headers: ReadonlyMap<string, string>
  /** The event's subject; undefined when the trigger's pattern names no single one and none was given. */
  readonly subject: string | undefined
}

/** A seen value small enough to answer whole, or its JSON text cut. */
const seenValue = (v: unknown): { readonly seen: unknown; readonly seen_cut?: true } => {
  const text = JSON.stringify(v) ?? ""
  return text.length <= SEEN_CHARS ? { seen: v } : { seen: text.slice(0, SEEN_CHARS) + "…", seen_cut: true }
}

/** The trigger's verdict on one event and each condition's result. */
export const testTrigger = (t: TestedTrigger, expressions: TriggerExpressions, e: TestedEvent): TestReply => {
  const checks: Array<TestCheck> = []
  const subjectOk = e.subject === undefined || subjectMatches(t.pattern, e.subject)
  if (e.subject !== undefined) checks.push({ check: "subject", pass: subjectOk, want: t.pattern, seen: e.subject })

  const filters = t.filters ?? []
  for (const f of checkFilters(filters, e.payload, (n) => e.headers.get(n))) {
    const { seen: _seen, ...rest } = f
    checks.push({ check: "filter", ...rest, ...("seen" in f ? seenValue(f.seen) : {}) })
  }
  const filtered = compileFilters(filters)(e.payload, (n) => e.headers.get(n))

  const evalSubject = e.subject ?? t.pattern
  const vars = expressionVars(e.payload, e.headers, evalSubject)
  let whenDetail: string | undefined
  let inputOutcome: ReturnType<typeof evaluateInput> | undefined
  if (!expressions.ok) {
    const field = expressions.error.startsWith("when:") ? "when" : "input"
    const source = t[field] ?? ""
    const error = `does not compile: ${expressions.error.slice(field.length + 2)}`
    checks.push(
      field === "when"
        ? { check: "when", pass: false, source, detail: error }
        : { check: "input", pass: false, source, error },
    )
  } else {
    if (expressions.when !== undefined) {
      const w = evaluateWhen(expressions.when, vars, t.name)
      if (!w.matched) {
        // Which part of an `a && b && c` condition was false, when it is one.
        const part = w.detail === "when was false" ? explainFalseWhen(expressions.when.source, vars, t.name) : undefined
        whenDetail = part === undefined ? w.detail : `${w.detail}: ${part}`
      }
      const source = expressions.when.source
      checks.push({
        check: "when",
        pass: w.matched,
        source,
        ...(whenDetail !== undefined ? { detail: whenDetail } : {}),
      })
    }
    if (expressions.input !== undefined) {
      inputOutcome = evaluateInput(
        expressions.input,
        t.windowed ? expressionVars(e.payload, new Map(), evalSubject) : vars,
        t.name,
      )
      const source = expressions.input.source
      checks.push(
        inputOutcome.ok
          ? { check: "input", pass: true, source, input: inputOutcome.input }
          : { check: "input", pass: false, source, error: inputOutcome.error },
      )
    }
  }

  if (!subjectOk) return { matched: false, reason: `subject ${e.subject} does not match ${t.pattern}`, checks }
  if (!expressions.ok)
    return { matched: false, reason: `stored expression does not compile: ${expressions.error}`, checks }
  if (!filtered.matched) return { matched: false, reason: filtered.reason, checks }
  if (whenDetail !== undefined) return { matched: false, reason: "when did not hold", detail: whenDetail, checks }
  if (inputOutcome !== undefined && !inputOutcome.ok)
    return { matched: false, reason: "input mapping failed: no run would start", detail: inputOutcome.error, checks }
  // The run input is shown when a mapping makes it; without one it is the payload just sent.
  const mapped = inputOutcome !== undefined && inputOutcome.ok ? { input: inputOutcome.input } : {}
  return t.enabled === false
    ? { matched: true, reason: "trigger is disabled: no run would start", ...mapped, checks }
    : { matched: true, ...mapped, checks }
}
