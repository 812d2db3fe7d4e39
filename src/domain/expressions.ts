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
// bound exceeds MAX_COST is not run: it is an error ("no match" for `when`).
import { createRequire } from "node:module"
import type { CelEnv, CelInput, CelValue } from "@bufbuild/cel"

type Cel = typeof import("@bufbuild/cel")
type CelExt = typeof import("@bufbuild/cel/ext")
/**
 * The library is loaded on first use (its CommonJS build, synchronously): it takes ~150 ms to import,
 * which every CLI start that never meets an expression would otherwise pay.
 */
let loaded: { readonly cel: Cel; readonly env: CelEnv } | undefined
const lib = () => {
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

type Parsed = ReturnType<Cel["parse"]>
type Expr = Parsed["expr"]

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
const lineColumn = (source: string, offset: number): string => {
  const before = source.slice(0, Math.max(0, offset))
  const lines = before.split("\n")
  return `${lines.length}:${(lines.at(-1)?.length ?? 0) + 1}`
}

/** The parser says `<input>:L:C: message`; keep the position and the message. */
const parseError = (e: unknown): string => {
  const text = e instanceof Error ? e.message : String(e)
  const m = /^<input>:(\d+):(\d+): ([\s\S]*)$/.exec(text)
  return m !== null ? `${m[1]}:${m[2]}: ${m[3]}` : `1:1: ${text}`
}

interface Shape {
  nodes: number
  /** Deepest nesting of comprehensions (macros such as all, exists, map, filter). */
  depth: number
  /** Largest list or map literal: a comprehension may iterate it. */
  widestLiteral: number
}

const children = (e: Expr): ReadonlyArray<Expr> => {
  const k = e.exprKind
  switch (k.case) {
    case "selectExpr":
      return k.value.operand !== undefined ? [k.value.operand] : []
    case "callExpr":
      return [...(k.value.target !== undefined ? [k.value.target] : []), ...k.value.args]
    case "listExpr":
      return k.value.elements
    case "structExpr":
      return k.value.entries.flatMap((en) => [
        ...(en.keyKind.case === "mapKey" ? [en.keyKind.value] : []),
        ...(en.value !== undefined ? [en.value] : []),
      ])
    case "comprehensionExpr": {
      const c = k.value
      return [c.iterRange, c.accuInit, c.loopCondition, c.loopStep, c.result].filter((x) => x !== undefined)
    }
    default:
      return []
  }
}

/**
 * The parts of `body` an expression reads: `whole` when it uses the value itself (compares it, iterates
 * it, passes it to a function), else the fields it selects. Converting only these keeps the cost of an
 * expression proportional to what it reads, not to the payload: a field it never names cannot change
 * its result (presence, `has()` and missing-key errors of the fields it names are kept exactly).
 */
interface Projection {
  whole: boolean
  readonly fields: Map<string, Projection>
}
const projection = (): Projection => ({ whole: false, fields: new Map() })

const projectionOf = (root: Expr): Projection => {
  const top = projection()
  /** The chain of field selections `body.a.b` ending at `e`, or undefined when `e` is not one. */
  const chain = (e: Expr): Array<string> | undefined => {
    const k = e.exprKind
    if (k.case === "identExpr") return k.value.name === "body" ? [] : undefined
    if (k.case === "selectExpr" && k.value.operand !== undefined) {
      const inner = chain(k.value.operand)
      return inner === undefined ? undefined : [...inner, k.value.field]
    }
    return undefined
  }
  const walk = (e: Expr): void => {
    const k = e.exprKind
    // A comprehension variable named body would shadow the payload: read it all, to be safe.
    if (k.case === "comprehensionExpr" && (k.value.iterVar === "body" || k.value.accuVar === "body")) top.whole = true
    const path = chain(e)
    if (path !== undefined) {
      let node = top
      for (const field of path) {
        let next = node.fields.get(field)
        if (next === undefined) node.fields.set(field, (next = projection()))
        node = next
      }
      node.whole = true
      return
    }
    for (const c of children(e)) walk(c)
  }
  walk(root)
  return top
}

const shapeOf = (root: Expr): Shape => {
  const shape: Shape = { nodes: 0, depth: 0, widestLiteral: 0 }
  const walk = (e: Expr, depth: number): void => {
    shape.nodes++
    const k = e.exprKind
    const d = k.case === "comprehensionExpr" ? depth + 1 : depth
    if (d > shape.depth) shape.depth = d
    if (k.case === "listExpr") shape.widestLiteral = Math.max(shape.widestLiteral, k.value.elements.length)
    if (k.case === "structExpr") shape.widestLiteral = Math.max(shape.widestLiteral, k.value.entries.length)
    for (const c of children(e)) walk(c, d)
  }
  walk(root, 0)
  return shape
}

/** Functions and operators whose result is never a bool. */
const NON_BOOL_CALLS = new Set([
  "_+_",
  "_-_",
  "_*_",
  "_/_",
  "_%_",
  "-_",
  "_[_]",
  "size",
  "int",
  "uint",
  "double",
  "string",
  "bytes",
  "timestamp",
  "duration",
  "type",
  "lowerAscii",
  "upperAscii",
  "trim",
  "replace",
  "substring",
  "split",
  "join",
  "charAt",
  "indexOf",
  "lastIndexOf",
])

/** The kind of value an expression is known to produce without running it, when it is not a bool. */
const knownNonBool = (e: Expr): string | undefined => {
  const k = e.exprKind
  switch (k.case) {
    case "constExpr": {
      const c = k.value.constantKind.case
      if (c === "boolValue") return undefined
      return c === "nullValue"
        ? "null"
        : c === "stringValue"
          ? "a string"
          : c === "int64Value"
            ? "an int"
            : c === "uint64Value"
              ? "a uint"
              : c === "doubleValue"
                ? "a double"
                : "not a bool"
    }
    case "listExpr":
      return "a list"
    case "structExpr":
      return "a map"
    case "callExpr": {
      if (k.value.function === "_?_:_" && k.value.args.length === 3) {
        const a = knownNonBool(k.value.args[1]!)
        const b = knownNonBool(k.value.args[2]!)
        return a !== undefined && b !== undefined ? (a === b ? a : "not a bool") : undefined
      }
      // `_[_]` on a list or map of bools could be a bool; only a literal collection tells.
      if (k.value.function === "_[_]") return undefined
      return NON_BOOL_CALLS.has(k.value.function) ? `the result of ${k.value.function.replaceAll("_", "")}` : undefined
    }
    case "comprehensionExpr": {
      // map() and filter() accumulate a list and answer it; all() and exists() answer a bool.
      const c = k.value
      const answersAccu = c.result?.exprKind.case === "identExpr" && c.result.exprKind.value.name === c.accuVar
      return answersAccu && c.accuInit?.exprKind.case === "listExpr" ? "a list" : undefined
    }
    default:
      return undefined
  }
}

/** The offset of an expression node, for line:column. */
const offsetOf = (parsed: Parsed, e: Expr): number => parsed.sourceInfo?.positions[String(e.id)] ?? 0

/**
 * Compiles one expression: the length rule, the parser (errors with line:column), for `when` a
 * result known not to be a bool, then the evaluation plan. Never throws.
 */
export const compileExpression = (field: ExpressionField, source: string): Compiled => {
  if (source.length > MAX_EXPRESSION_LENGTH) {
    return { ok: false, error: `must be at most ${MAX_EXPRESSION_LENGTH} characters (got ${source.length})` }
  }
  if (source.trim() === "") return { ok: false, error: "must be a CEL expression, not empty" }
  const { cel, env } = lib()
  let parsed: Parsed
  try {
    parsed = cel.parse(source)
  } catch (e) {
    return { ok: false, error: parseError(e) }
  }
  if (field === "when") {
    const kind = knownNonBool(parsed.expr)
    if (kind !== undefined) {
      return {
        ok: false,
        error: `${lineColumn(source, offsetOf(parsed, parsed.expr))}: must be a bool condition, but this is ${kind}`,
      }
    }
  }
  let run: ReturnType<Cel["plan"]>
  try {
    run = cel.plan(env, parsed)
  } catch (e) {
    return { ok: false, error: `1:1: ${e instanceof Error ? e.message : String(e)}` }
  }
  const shape = shapeOf(parsed.expr)
  const reads = projectionOf(parsed.expr)
  return {
    ok: true,
    program: {
      field,
      source,
      evaluate: (vars, trigger) => {
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
        let result: CelValue | Error
        try {
          result = run({ body, headers: vars.headers, subject: vars.subject, trigger })
        } catch (e) {
          return { ok: false, error: e instanceof Error ? e.message : String(e) }
        }
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

/**
 * Why a `when` that is a chain of `&&` did not hold: the first part that was false (or failed), with its
 * position, for `trigger test`. Each part is evaluated on its own, so this costs a few evaluations; the
 * evaluator's hot path never calls it. Undefined when the expression is not such a chain.
 */
export const explainFalseWhen = (source: string, vars: ExpressionVars, trigger: string): string | undefined => {
  const { cel } = lib()
  let parsed: Parsed
  try {
    parsed = cel.parse(source)
  } catch {
    return undefined
  }
  const parts: Array<Expr> = []
  const flatten = (e: Expr): void => {
    const k = e.exprKind
    if (k.case === "callExpr" && k.value.function === "_&&_" && k.value.target === undefined) {
      for (const a of k.value.args) flatten(a)
    } else parts.push(e)
  }
  flatten(parsed.expr)
  if (parts.length < 2) return undefined
  for (const part of parts) {
    const start = offsetOf(parsed, part)
    const text = cel.unparse(part)
    const c = compileExpression("input", text)
    if (!c.ok) return undefined
    const r = c.program.evaluate(vars, trigger)
    if (!r.ok) return `${text} (at ${lineColumn(source, start)}) failed: ${r.error}`
    if (r.value !== true)
      return `${text} (at ${lineColumn(source, start)}) was ${r.value === false ? "false" : "not true"}`
  }
  return undefined
}
