// Which stream a trigger with a source reads, the subject pattern it listens on inside that stream,
// and the filter subjects dagnats's consumer on a stream needs for all the triggers on it. Pure.
import type { StoredTrigger } from "../domain/trigger.js"
import { Consumers } from "../protocol/names.js"
import { sourcePattern, sourceStream } from "../protocol/sources.js"
import { compareVersions, parseVersion } from "../domain/server-version.js"

export const consumerName = (stream: string): string => Consumers.source(stream)

/** Every source stream the triggers read, each with the patterns of the triggers on it (enabled or not). */
export const streamsOf = (triggers: Iterable<StoredTrigger>): ReadonlyMap<string, ReadonlyArray<string>> => {
  const out = new Map<string, Array<string>>()
  for (const t of triggers) {
    const stream = sourceStream(t)
    if (stream === undefined) continue
    const patterns = out.get(stream) ?? []
    patterns.push(sourcePattern(t))
    out.set(stream, patterns)
  }
  return out
}

const tokens = (p: string) => p.split(".")

/** Every subject `a` matches, `b` matches too. */
export const covers = (b: string, a: string): boolean => {
  const x = tokens(a)
  const y = tokens(b)
  for (let i = 0; i < y.length; i++) {
    const t = y[i]!
    if (t === ">") return x.length > i
    if (i >= x.length) return false
    const u = x[i]!
    if (u === ">") return false
    if (t !== "*" && t !== u) return false
  }
  return x.length === y.length
}

/** Some subject matches both patterns. */
export const overlaps = (a: string, b: string): boolean => {
  const x = tokens(a)
  const y = tokens(b)
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const u = x[i]
    const t = y[i]
    if (u === ">" || t === ">") return u !== undefined && t !== undefined
    if (u === undefined || t === undefined) return false
    if (u !== "*" && t !== "*" && u !== t) return false
  }
  return true
}

/**
 * The consumer's filter subjects for these patterns: the fewest that cover them all. The server
 * refuses overlapping filter subjects, so patterns that overlap without one covering the other
 * (`a.*.x`, `a.b.*`) take no filter at all (every subject); so does a server without several
 * filter subjects (before 2.10) when more than one remain, and one where filters cannot be
 * changed (2.9) at all. The evaluator matches every subject itself either way.
 */
export const filterPlan = (patterns: ReadonlyArray<string>, server: "multi" | "none"): ReadonlyArray<string> => {
  if (server === "none") return []
  const unique = [...new Set(patterns)].sort()
  const kept = unique.filter((p) => !unique.some((q) => q !== p && covers(q, p)))
  for (let i = 0; i < kept.length; i++)
    for (let j = i + 1; j < kept.length; j++) if (overlaps(kept[i]!, kept[j]!)) return []
  return kept
}

/** Whether `filters` (empty: every subject) let through every subject of `patterns`. */
export const filtersCover = (filters: ReadonlyArray<string>, patterns: ReadonlyArray<string>): boolean =>
  filters.length === 0 || patterns.every((p) => filters.some((f) => covers(f, p)))

/** Whether a pattern can match anything in a stream with these subjects (none: a mirror or sourced stream). */
export const withinStream = (pattern: string, subjects: ReadonlyArray<string>): boolean =>
  subjects.length === 0 || subjects.some((s) => overlaps(pattern, s))

/** Several filter subjects, and changing them, came with nats-server 2.10. */
export const filterSupport = (serverVersion: string | undefined): "multi" | "none" => {
  const v = serverVersion === undefined ? undefined : parseVersion(serverVersion)
  return v !== undefined && compareVersions(v, { numbers: [2, 10, 0], preRelease: undefined }) >= 0 ? "multi" : "none"
}
