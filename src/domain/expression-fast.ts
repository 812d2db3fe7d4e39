// A direct evaluator for the `when` conditions most triggers are made of (field comparisons with
// literals joined by &&, ||, !, `in` a literal list, has()), run on the JSON payload as it is instead
// of through the CEL library, which costs several microseconds per evaluation even for one
// comparison. It decides only what it can decide exactly as CEL would: any value it is unsure of (a
// missing key, a type it does not compare, an operator outside the subset) makes it answer
// `undefined`, and the library evaluates the expression as if there were no fast path, errors and
// their messages included. The unit test checks it against the library on every expression and
// payload of its corpus. Pure.
import type { Expr } from "./expression-ast.js"

/** An event's values as a condition reads them; `headers` by lowercase name. */
export interface FastVars {
  readonly payload: unknown
  readonly headers: ReadonlyMap<string, string>
  readonly subject: string
}

/** A compiled condition: true or false as CEL would say, or undefined when only CEL can say. */
export type FastCondition = (vars: FastVars, trigger: string) => boolean | undefined

const UNSURE = Symbol("unsure")
type Value = unknown
type Node = (vars: FastVars, trigger: string) => Value

type Kind = "string" | "number" | "boolean" | "null"
const kindOf = (v: Value): Kind | undefined =>
  v === null
    ? "null"
    : typeof v === "string" || typeof v === "number" || typeof v === "boolean"
      ? (typeof v as Kind)
      : undefined

const isRecord = (v: Value): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v)

/** `key` of a JSON object or of the headers map; UNSURE when absent (CEL: no such key) or not a map. */
const field = (container: Value, key: string): Value => {
  if (container instanceof Map) return container.has(key) ? container.get(key) : UNSURE
  if (isRecord(container)) return Object.hasOwn(container, key) ? container[key] : UNSURE
  return UNSURE
}

/** A literal's value as the payload's JSON would hold it; UNSURE for literals outside the subset. */
const constantValue = (e: Expr): Value => {
  if (e.exprKind.case !== "constExpr") return UNSURE
  const c = e.exprKind.value.constantKind
  switch (c.case) {
    case "stringValue":
    case "boolValue":
    case "doubleValue":
      return c.value
    case "int64Value": {
      // Beyond 2^53 a JavaScript number is not the int CEL compares.
      const n = Number(c.value)
      return Number.isSafeInteger(n) ? n : UNSURE
    }
    case "nullValue":
      return null
    default:
      return UNSURE
  }
}

const compare: Record<string, (a: number, b: number) => boolean> = {
  "_<_": (a, b) => a < b,
  "_<=_": (a, b) => a <= b,
  "_>_": (a, b) => a > b,
  "_>=_": (a, b) => a >= b,
}

const compileNode = (e: Expr): Node | undefined => {
  const k = e.exprKind
  switch (k.case) {
    case "constExpr": {
      const value = constantValue(e)
      return value === UNSURE ? undefined : () => value
    }
    case "identExpr": {
      switch (k.value.name) {
        case "body":
          return (v) => v.payload
        case "headers":
          return (v) => v.headers
        case "subject":
          return (v) => v.subject
        case "trigger":
          return (_, t) => t
        default:
          return undefined
      }
    }
    case "selectExpr": {
      const { operand, field: name, testOnly } = k.value
      if (operand === undefined) return undefined
      const inner = compileNode(operand)
      if (inner === undefined) return undefined
      if (!testOnly) return (v, t) => field(inner(v, t), name)
      // has(x.f): whether the map x has f; an error (so unsure) when x is not a map. The library
      // answers false for a key that holds null: that case is left to it.
      return (v, t) => {
        const c = inner(v, t)
        const present = c instanceof Map ? c.has(name) : isRecord(c) ? Object.hasOwn(c, name) : undefined
        if (present === undefined) return UNSURE
        return present && field(c, name) === null ? UNSURE : present
      }
    }
    case "callExpr":
      return compileCall(k.value.function, k.value.target, k.value.args)
    default:
      return undefined
  }
}

/**
 * `&&` (decided by a false) or `||` (decided by a true). CEL ignores an error on one side when the
 * other decides; this answers only when one side decides or both are known, and leaves the rest to CEL.
 */
const logical =
  (l: Node, r: Node, decisive: boolean): Node =>
  (v, t) => {
    const a = l(v, t)
    if (a === decisive) return decisive
    const b = r(v, t)
    if (b === decisive) return decisive
    return a === !decisive && b === !decisive ? !decisive : UNSURE
  }

const compileCall = (fn: string, target: Expr | undefined, args: ReadonlyArray<Expr>): Node | undefined => {
  if (target !== undefined) return undefined
  if (fn === "!_" && args.length === 1) {
    const x = compileNode(args[0]!)
    if (x === undefined) return undefined
    return (v, t) => {
      const b = x(v, t)
      return typeof b === "boolean" ? !b : UNSURE
    }
  }
  if (args.length !== 2) return undefined
  const [left, right] = args as [Expr, Expr]
  if (fn === "@in") return compileIn(left, right)
  const l = compileNode(left)
  const r = compileNode(right)
  if (l === undefined || r === undefined) return undefined
  switch (fn) {
    case "_&&_":
      return logical(l, r, false)
    case "_||_":
      return logical(l, r, true)
    case "_[_]": {
      const key = constantValue(right)
      if (typeof key !== "string") return undefined
      return (v, t) => field(l(v, t), key)
    }
    case "_==_":
    case "_!=_": {
      const equal = fn === "_==_"
      return (v, t) => {
        const a = l(v, t)
        const b = r(v, t)
        const ka = kindOf(a)
        // Values of two kinds, lists and maps: CEL's rules, not these.
        if (ka === undefined || ka !== kindOf(b)) return UNSURE
        return (a === b) === equal
      }
    }
    default: {
      const op = compare[fn]
      if (op === undefined) return undefined
      // Numbers only: JSON's ints and doubles and CEL's compare as numbers; strings order by code point in CEL.
      return (v, t) => {
        const a = l(v, t)
        const b = r(v, t)
        return typeof a === "number" && typeof b === "number" ? op(a, b) : UNSURE
      }
    }
  }
}

/** `x in [literals of one kind]`, or `"name" in headers`. */
const compileIn = (left: Expr, right: Expr): Node | undefined => {
  const x = compileNode(left)
  if (x === undefined) return undefined
  if (right.exprKind.case === "identExpr" && right.exprKind.value.name === "headers") {
    return (v, t) => {
      const name = x(v, t)
      return typeof name === "string" ? v.headers.has(name) : UNSURE
    }
  }
  if (right.exprKind.case !== "listExpr" || right.exprKind.value.optionalIndices.length > 0) return undefined
  const items = right.exprKind.value.elements.map(constantValue)
  const kind = items.length > 0 ? kindOf(items[0]) : undefined
  if (kind === undefined || kind === "null" || items.some((i) => i === UNSURE || kindOf(i) !== kind)) return undefined
  const set = new Set(items)
  return (v, t) => {
    const a = x(v, t)
    return kindOf(a) === kind ? set.has(a) : UNSURE
  }
}

/** The direct evaluator of a `when`, or undefined when it is outside the subset (CEL alone evaluates it). */
export const fastConditionOf = (root: Expr): FastCondition | undefined => {
  const node = compileNode(root)
  if (node === undefined) return undefined
  return (vars, trigger) => {
    const r = node(vars, trigger)
    return typeof r === "boolean" ? r : undefined
  }
}
