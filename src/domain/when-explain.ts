// Why a `when` did not hold, for `trigger test`: the first part of an `a && b && c` chain that was false
// or failed, with its position. Each part is compiled and evaluated on its own (expressions.ts), so it
// costs a few evaluations; the evaluator's hot path never calls it. Pure.
import { Result } from "effect"
import { compileExpression, lib, lineColumn, offsetOf, type ExpressionVars } from "./expressions.js"
import type { Expr, Parsed } from "./expression-ast.js"

/**
 * Why a `when` that is a chain of `&&` did not hold: the first part that was false (or failed), with its
 * position, for `trigger test`. Each part is evaluated on its own, so this costs a few evaluations; the
 * evaluator's hot path never calls it. Undefined when the expression is not such a chain.
 */
export const explainFalseWhen = (source: string, vars: ExpressionVars, trigger: string): string | undefined => {
  const { cel } = lib()
  const read = Result.try((): Parsed => cel.parse(source))
  if (read._tag === "Failure") return undefined
  const parsed = read.success
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
