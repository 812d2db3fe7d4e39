// Trigger expressions in CEL (@bufbuild/cel): a `when` condition and an `input` mapping, compiled once
// and evaluated per event. Owns the rules a stored expression must satisfy (length, syntax with
// line:column, a `when` known not to be a bool), how a JSON payload becomes CEL values (integers that
// are safe in JavaScript become CEL `int`, every other number `double`; CEL compares int and double
// with each other, so `body.amount > 1000` and `body.price > 9.5` hold whatever the JSON spelling), how
// a CEL value becomes JSON again, and the cost bound. Pure: no I/O.
//
// The library has no cost limit or time budget, and JavaScript cannot interrupt a synchronous
// evaluation, so the bound is computed before running: the work of an expression is at most its node
// count times (largest collection it can iterate + 1) to the power of its comprehension nesting
// depth. Collections come from the payload (converted once, measuring the largest list or map) or
// from literals in the expression; regular expressions are RE2 (linear time). An evaluation whose
// bound exceeds MAX_COST is not run: it is an error ("no match" for `when`). What the syntax tree
// says before running (cost shape, the parts of `body` read, non-bool `when`s) is expression-ast.ts;
// which part of a false `when` was false, for `trigger test`, is when-explain.ts.
import { createRequire } from "node:module"
import { Result } from "effect"
import type { CelEnv, CelInput, CelValue } from "@bufbuild/cel"
import { knownNonBool, projectionOf, shapeOf, type Expr, type Parsed, type Projection } from "./expression-ast.js"
import { fastConditionOf } from "./expression-fast.js"

type Cel = typeof import("@bufbuild/cel")
type CelExt = typeof import("@bufbuild/cel/ext")
/**
 * The library is loaded on first use (its CommonJS build, synchronously): it takes ~150 ms to import,
 * which every CLI start that never meets an expression would otherwise pay.
 */
let loaded: { readonly cel: Cel; readonly env: CelEnv } | undefined
export const lib = () => {
  if (loaded === undefined) {
    const require = createRequire(import.meta.url)
    const cel = require("@bufbuild/cel") as Cel
    // The strings extension (split, join, indexOf, lowerAscii, replace, …), as cel-go users know it.
    const { strings } = require("@bufbuild/cel/ext") as CelExt
    loaded = { cel, env: cel.celEnv({ funcs: strings }) }
  }
  return loaded
}
const isCelUint = (v: unknown) => lib().cel.isCelUint(v)
const isCelList = (v: unknown) => lib().cel.isCelList(v)
const isCelMap = (v: unknown) => lib().cel.isCelMap(v)

/** Longest expression accepted, in characters. */
export const MAX_EXPRESSION_LENGTH = 4096
/** Largest estimated evaluation cost (AST nodes visited) run for one event. */
export const MAX_COST = 1_000_000

export type ExpressionField = "when" | "input"

/** One event as expressions see it: the parsed payload, its headers and subject, shared by every trigger. */
export interface ExpressionVars {
  readonly payload: unknown
  readonly headers: ReadonlyMap<string, string>
  readonly subject: string
}

export interface CompiledExpression {
  readonly field: ExpressionField
  readonly source: string
  /** Evaluates against one event's variables (the trigger name is bound here). */
  readonly evaluate: (vars: ExpressionVars, trigger: string) => { ok: true; value: unknown } | EvalFailure
}
interface EvalFailure {
  readonly ok: false
  readonly error: string
}

export type Compiled = { readonly ok: true; readonly program: CompiledExpression } | EvalFailure

/** 1-based line and column of a character offset in the source. */
export const lineColumn = (source: string, offset: number): string => {
  const before = source.slice(0, Math.max(0, offset))
  const lines = before.split("\n")
  return `${lines.length}:${(lines.at(-1)?.length ?? 0) + 1}`
}

const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e))

/** The parser says `<input>:L:C: message`; keep the position and the message. */
const parseError = (e: unknown): string => {
  const text = errorText(e)
  const m = /^<input>:(\d+):(\d+): ([\s\S]*)$/.exec(text)
  return m !== null ? `${m[1]}:${m[2]}: ${m[3]}` : `1:1: ${text}`
}

/** The offset of an expression node, for line:column. */
export const offsetOf = (parsed: Parsed, e: Expr): number => parsed.sourceInfo?.positions[String(e.id)] ?? 0

const TRUE = { ok: true, value: true } as const
const FALSE = { ok: true, value: false } as const

/**
 * Compiles one expression: the length rule, the parser (errors with line:column), for `when` a
 * result known not to be a bool, then the evaluation plan, and for a `when` within its subset the
 * direct evaluator that answers first (expression-fast.ts; `fast: false` leaves it out, for the test
 * that holds it to the library's answers). Never throws.
 */
export const compileExpression = (
  field: ExpressionField,
  source: string,
  options: { readonly fast?: boolean } = {},
): Compiled => {
  if (source.length > MAX_EXPRESSION_LENGTH) {
    return { ok: false, error: `must be at most ${MAX_EXPRESSION_LENGTH} characters (got ${source.length})` }
  }
  if (source.trim() === "") return { ok: false, error: "must be a CEL expression, not empty" }
  const { cel, env } = lib()
  // The library reports a syntax error, a planning error and an evaluation error by throwing.
  const read = Result.try({ try: () => cel.parse(source), catch: parseError })
  if (read._tag === "Failure") return { ok: false, error: read.failure }
  const parsed = read.success
  if (field === "when") {
    const kind = knownNonBool(parsed.expr)
    if (kind !== undefined) {
      return {
        ok: false,
        error: `${lineColumn(source, offsetOf(parsed, parsed.expr))}: must be a bool condition, but this is ${kind}`,
      }
    }
  }
  const planned = Result.try({ try: () => cel.plan(env, parsed), catch: (e) => `1:1: ${errorText(e)}` })
  if (planned._tag === "Failure") return { ok: false, error: planned.failure }
  const run = planned.success
  const shape = shapeOf(parsed.expr)
  const reads = projectionOf(parsed.expr)
  const fast = field === "when" && options.fast !== false ? fastConditionOf(parsed.expr) : undefined
  return {
    ok: true,
    program: {
      field,
      source,
      evaluate: (vars, trigger) => {
        const decided = fast?.(vars, trigger)
        if (decided !== undefined) return decided ? TRUE : FALSE
        const seen = { n: vars.headers.size }
        const body = project(vars.payload, reads, seen)
        const widest = Math.max(seen.n, shape.widestLiteral)
        const cost = shape.nodes * (widest + 1) ** shape.depth
        if (cost > MAX_COST) {
          return {
            ok: false,
            error:
              `too costly for this payload: ${shape.depth} nested comprehension(s) over up to ${widest} items ` +
              `(estimated ${cost.toExponential(1)} steps, limit ${MAX_COST.toExponential(1)})`,
          }
        }
        const ran = Result.try({
          try: (): CelValue | Error => run({ body, headers: vars.headers, subject: vars.subject, trigger }),
          catch: errorText,
        })
        if (ran._tag === "Failure") return { ok: false, error: ran.failure }
        const result = ran.success
        if (cel.isCelError(result)) return { ok: false, error: result.message }
        return { ok: true, value: result }
      },
    },
  }
}

/** Why an expression cannot be stored (`line:column: message`), or undefined when it compiles. */
export const expressionProblem = (field: ExpressionField, source: string): string | undefined => {
  const c = compileExpression(field, source)
  return c.ok ? undefined : c.error
}

/** A JSON value as CEL reads it; `widest` grows to the largest list or map met. */
const toCel = (v: unknown, widest: { n: number }): CelInput => {
  if (v === null || typeof v === "string" || typeof v === "boolean") return v
  if (typeof v === "number") return Number.isSafeInteger(v) ? BigInt(v) : v
  if (Array.isArray(v)) {
    if (v.length > widest.n) widest.n = v.length
    return v.map((x) => toCel(x, widest))
  }
  if (typeof v === "object") {
    const entries = Object.entries(v as Record<string, unknown>)
    if (entries.length > widest.n) widest.n = entries.length
    return new Map(entries.map(([k, x]) => [k, toCel(x, widest)]))
  }
  return null
}

/** The part of a JSON value a projection reads, as CEL values; other values (lists, scalars) whole. */
const project = (v: unknown, p: Projection, widest: { n: number }): CelInput => {
  if (p.whole || typeof v !== "object" || v === null || Array.isArray(v)) return toCel(v, widest)
  const out = new Map<string, CelInput>()
  const record = v as Record<string, unknown>
  for (const [field, inner] of p.fields) {
    if (Object.hasOwn(record, field)) out.set(field, project(record[field], inner, widest))
  }
  return out
}

/**
 * The variables of one event: the JSON payload (null when it is not JSON) and the headers by lowercase
 * name. Each expression converts the parts of the payload it reads; the payload's nesting is already
 * bounded by the decoder, so the recursion is bounded too.
 */
export const expressionVars = (
  payload: unknown,
  headers: ReadonlyMap<string, string>,
  subject: string,
): ExpressionVars => ({ payload, headers, subject })

export type WhenOutcome = { readonly matched: true } | { readonly matched: false; readonly detail: string }

/** A `when` holds only when it evaluates to true; an error or any other value is a non-match, with why. */
export const evaluateWhen = (program: CompiledExpression, vars: ExpressionVars, trigger: string): WhenOutcome => {
  const r = program.evaluate(vars, trigger)
  if (!r.ok) return { matched: false, detail: `when failed: ${r.error}` }
  if (r.value === true) return { matched: true }
  if (r.value === false) return { matched: false, detail: "when was false" }
  return { matched: false, detail: `when gave ${celTypeName(r.value)}, not a bool` }
}

const celTypeName = (v: unknown): string =>
  typeof v === "bigint"
    ? "an int"
    : typeof v === "number"
      ? "a double"
      : typeof v === "string"
        ? "a string"
        : v === null
          ? "null"
          : isCelUint(v)
            ? "a uint"
            : isCelList(v)
              ? "a list"
              : isCelMap(v)
                ? "a map"
                : "a value of another type"

/** A CEL result as JSON: ints and doubles as numbers, maps as objects (keys as strings), lists as arrays. */
export const celToJson = (v: unknown): { ok: true; value: unknown } | EvalFailure => {
  if (v === null || typeof v === "string" || typeof v === "boolean") return { ok: true, value: v }
  if (typeof v === "bigint") return { ok: true, value: Number(v) }
  if (typeof v === "number") {
    return Number.isFinite(v) ? { ok: true, value: v } : { ok: false, error: `${v} is not a JSON number` }
  }
  if (isCelUint(v)) return { ok: true, value: Number(v.value) }
  if (isCelList(v) || Array.isArray(v)) {
    const out: Array<unknown> = []
    for (const x of v as Iterable<unknown>) {
      const j = celToJson(x)
      if (!j.ok) return j
      out.push(j.value)
    }
    return { ok: true, value: out }
  }
  if (isCelMap(v) || v instanceof Map) {
    const out: Record<string, unknown> = {}
    for (const [k, x] of v as ReadonlyMap<unknown, unknown>) {
      const j = celToJson(x)
      if (!j.ok) return j
      const key = isCelUint(k) ? String(k.value) : String(k)
      Object.defineProperty(out, key, { value: j.value, enumerable: true, writable: true, configurable: true })
    }
    return { ok: true, value: out }
  }
  return { ok: false, error: `${celTypeName(v)} cannot be a run input (JSON); convert it, e.g. with string()` }
}

export type InputOutcome = { readonly ok: true; readonly input: unknown } | EvalFailure

/** The run input an `input` mapping makes of one event, or why it cannot. */
export const evaluateInput = (program: CompiledExpression, vars: ExpressionVars, trigger: string): InputOutcome => {
  const r = program.evaluate(vars, trigger)
  if (!r.ok) return { ok: false, error: `input failed: ${r.error}` }
  const j = celToJson(r.value)
  return j.ok ? { ok: true, input: j.value } : { ok: false, error: `input failed: ${j.error}` }
}
