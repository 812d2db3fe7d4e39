// What an expression's syntax tree says before it runs, for compiling it (expressions.ts): its shape
// for the cost bound (node count, comprehension nesting, widest literal), the parts of `body` it reads
// (so only those are converted to CEL values), and whether a `when` is known not to be a bool. Pure:
// reads the parser's tree, evaluates nothing.
type Cel = typeof import("@bufbuild/cel")
/** A parsed expression and its syntax tree, as the library's parser returns them. */
export type Parsed = ReturnType<Cel["parse"]>
export type Expr = Parsed["expr"]

export interface Shape {
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
export interface Projection {
  whole: boolean
  readonly fields: Map<string, Projection>
}
const projection = (): Projection => ({ whole: false, fields: new Map() })

export const projectionOf = (root: Expr): Projection => {
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

export const shapeOf = (root: Expr): Shape => {
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
export const knownNonBool = (e: Expr): string | undefined => {
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
