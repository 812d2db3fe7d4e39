// A trigger's expressions as the evaluator, replay, windows and `trigger test` use them: both fields
// compiled together (an error names the field), once per trigger revision, and the `input` mapping of
// one payload. The expressions themselves (compile, evaluate, JSON values) are expressions.ts. Pure.
import {
  compileExpression,
  evaluateInput,
  expressionVars,
  type CompiledExpression,
  type InputOutcome,
} from "./expressions.js"

/**
 * One payload mapped by a trigger's `input` (the identity without one): for windows, which apply it per
 * event when a batch or debounce fires. Headers are not kept in windows, so the mapping sees none.
 */
export const mapInput = (
  program: CompiledExpression | undefined,
  payload: unknown,
  subject: string,
  trigger: string,
): InputOutcome =>
  program === undefined
    ? { ok: true, input: payload }
    : evaluateInput(program, expressionVars(payload, new Map(), subject), trigger)

/** A trigger's compiled `when` and `input`, or why its stored expressions do not compile. */
export type TriggerExpressions =
  | { readonly ok: true; readonly when?: CompiledExpression; readonly input?: CompiledExpression }
  | { readonly ok: false; readonly error: string }

interface WithExpressions {
  readonly when?: string | undefined
  readonly input?: string | undefined
}

/**
 * Programs by field and source text, shared by every trigger whose expression reads the same: a
 * compiled program holds nothing of its trigger (the name is bound per evaluation), and a thousand
 * triggers made from one template then evaluate one plan, which stays in the CPU's caches, instead
 * of a thousand copies. Bounded; cleared when full.
 */
const shared = new Map<string, ReturnType<typeof compileExpression>>()
const SHARED_PROGRAMS = 10_000

const compileShared = (field: "when" | "input", source: string) => {
  const key = `${field}\n${source}`
  let c = shared.get(key)
  if (c === undefined) {
    c = compileExpression(field, source)
    if (shared.size >= SHARED_PROGRAMS) shared.clear()
    shared.set(key, c)
  }
  return c
}

/** Compiles both fields; an error names the field: `when: 1:8: …`. */
export const compileTriggerExpressions = (t: WithExpressions): TriggerExpressions => {
  const out: { when?: CompiledExpression; input?: CompiledExpression } = {}
  for (const field of ["when", "input"] as const) {
    const source = t[field]
    if (source === undefined) continue
    const c = compileShared(field, source)
    if (!c.ok) return { ok: false, error: `${field}: ${c.error}` }
    out[field] = c.program
  }
  return { ok: true, ...out }
}

const NONE: TriggerExpressions = { ok: true }

/**
 * Programs compiled once per trigger revision: a cache keyed by trigger name, valid while the revision
 * (and update time: a trigger deleted and created again restarts its revisions) is the same.
 */
export const makeExpressionCache = () => {
  const cache = new Map<string, { revision: number; updated: string; compiled: TriggerExpressions }>()
  return {
    get: (
      t: WithExpressions & { readonly name: string; readonly revision: number; readonly updated_at: string },
    ): TriggerExpressions => {
      if (t.when === undefined && t.input === undefined) return NONE
      const hit = cache.get(t.name)
      if (hit !== undefined && hit.revision === t.revision && hit.updated === t.updated_at) return hit.compiled
      const compiled = compileTriggerExpressions(t)
      cache.set(t.name, { revision: t.revision, updated: t.updated_at, compiled })
      return compiled
    },
    forget: (name: string) => void cache.delete(name),
  }
}
