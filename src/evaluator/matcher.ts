// Which triggers an event subject reaches, without scanning them all: a subject index over every
// trigger's listen subject, kept current from the trigger table, and each trigger's filters
// and CEL expressions compiled once per revision.
import { makeSubjectIndex } from "../domain/subject-index.js"
import { compileFilters, type CompiledFilters } from "../domain/filters.js"
import { listenSubject, type StoredTrigger } from "../domain/trigger.js"
import { makeExpressionCache, type TriggerExpressions } from "../domain/trigger-expressions.js"
import type { TriggerTableShape } from "../triggers/index.js"

interface MatchedTrigger {
  readonly trigger: StoredTrigger
  readonly filters: CompiledFilters
  /** Its `when` and `input` programs, or why they no longer compile (which disables only this trigger). */
  readonly expressions: TriggerExpressions
}

export interface Matcher {
  readonly match: (subject: string) => ReadonlyArray<MatchedTrigger>
  /**
   * The triggers the server routed an event on a subject dagnats refuses to (`match` has none);
   * a matcher without it (replay's, of one trigger) reaches none.
   */
  readonly reach?: (subject: string) => ReadonlyArray<StoredTrigger>
  readonly close: () => void
}

/**
 * Which triggers a matcher serves and the pattern each listens on: by default those on EVENTS; a
 * source stream's reader passes its own (the triggers on that stream, their patterns inside it).
 */
export interface MatcherScope {
  readonly includes: (t: StoredTrigger) => boolean
  readonly pattern: (t: StoredTrigger) => string
}

const EVENTS_SCOPE: MatcherScope = { includes: (t) => t.source === undefined, pattern: listenSubject }

export const makeMatcher = (table: TriggerTableShape, scope: MatcherScope = EVENTS_SCOPE): Matcher => {
  const index = makeSubjectIndex<string>()
  const compiled = new Map<string, { revision: number; updated: string; filters: CompiledFilters }>()
  const patterns = new Map<string, string>()
  const expressions = makeExpressionCache()

  const add = (t: StoredTrigger) => {
    // A schedule listens on no subject: its runs start from timers, never from events.
    if (t.type === "schedule" || !scope.includes(t)) return remove(t.name)
    const pattern = scope.pattern(t)
    const previous = patterns.get(t.name)
    if (previous !== pattern) {
      if (previous !== undefined) index.remove(previous, t.name)
      index.add(pattern, t.name)
      patterns.set(t.name, pattern)
    }
    compiled.delete(t.name)
  }
  const remove = (name: string) => {
    const previous = patterns.get(name)
    if (previous !== undefined) index.remove(previous, name)
    patterns.delete(name)
    compiled.delete(name)
    expressions.forget(name)
  }

  const unsubscribe = table.subscribe((change) => (change.kind === "put" ? add(change.trigger) : remove(change.name)))
  for (const t of table.all()) add(t)

  const filtersOf = (t: StoredTrigger): CompiledFilters => {
    const hit = compiled.get(t.name)
    if (hit !== undefined && hit.revision === t.revision && hit.updated === t.updated_at) return hit.filters
    const filters = compileFilters(t.filters ?? [])
    compiled.set(t.name, { revision: t.revision, updated: t.updated_at, filters })
    return filters
  }

  return {
    match: (subject) => {
      const out: Array<MatchedTrigger> = []
      for (const name of index.match(subject)) {
        const trigger = table.get(name)
        if (trigger !== undefined)
          out.push({ trigger, filters: filtersOf(trigger), expressions: expressions.get(trigger) })
      }
      return out
    },
    reach: (subject) => {
      const out: Array<StoredTrigger> = []
      for (const name of index.reach(subject)) {
        const trigger = table.get(name)
        if (trigger !== undefined) out.push(trigger)
      }
      return out
    },
    close: unsubscribe,
  }
}
