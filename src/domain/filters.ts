// Trigger filters: `{field, value}` compares a dot path of the JSON payload with the
// filter value, `{header, value}` an inbound webhook header. All must hold; the first that does
// not is reported with a short reason for history and `trigger test`. Pure; `compileFilters`
// does the parsing once per trigger so the evaluator's hot path only compares.

import { Option, Result } from "effect"
import { parseJson } from "./json.js"
import { compilePath } from "./json-path.js"

export type Filter =
  { readonly field: string; readonly value: string } | { readonly header: string; readonly value: string }

type FilterOutcome =
  { readonly matched: true } | { readonly matched: false; readonly failed: Filter; readonly reason: string }

/** Looks up an inbound header by its lowercase name. */
export type HeaderLookup = (lowercaseName: string) => string | undefined

export type CompiledFilters = (payload: unknown, headers: HeaderLookup) => FilterOutcome

/** Quoted values in reasons are cut to this many characters: one line of history stays short. */
const MAX_QUOTED_LENGTH = 64

const MATCHED: FilterOutcome = { matched: true }

/** `JSON.stringify`, cut to `MAX_QUOTED_LENGTH` characters with a trailing `…`. */
const quote = (value: unknown): string => {
  // JSON.stringify throws on a BigInt or a cycle (never in parsed JSON, but a payload is `unknown`).
  const text = Result.getOrElse(
    Result.try(() => JSON.stringify(value) ?? String(value)),
    () => String(value),
  )
  if (text.length <= MAX_QUOTED_LENGTH) return text
  let end = MAX_QUOTED_LENGTH - 1
  // Do not split a surrogate pair.
  const code = text.charCodeAt(end - 1)
  if (code >= 0xd800 && code <= 0xdbff) end--
  return `${text.slice(0, end)}…`
}

/** Deep equality of JSON values; object key order is irrelevant, array order is not. */
const jsonEquals = (a: unknown, b: unknown): boolean => {
  if (a === b) return true
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false
    return a.every((item, i) => jsonEquals(item, b[i]))
  }
  const left = a as Record<string, unknown>
  const right = b as Record<string, unknown>
  const keys = Object.keys(left)
  if (keys.length !== Object.keys(right).length) return false
  return keys.every((key) => Object.hasOwn(right, key) && jsonEquals(left[key], right[key]))
}

/**
 * The value a field filter expects: the filter value parsed as JSON, or, when it is not JSON,
 * the string itself. Consequence (deliberate, it is what the spec's wording says): a filter value
 * that parses — `42`, `true`, `null` — does NOT match the payload strings `"42"`, `"true"`,
 * `"null"`; write the JSON string `"\"42\""` to match those. A value that does not parse
 * (`opened`) matches the string `"opened"`, and so does the JSON string `"\"opened\""`.
 */
const expectedFieldValue = (raw: string): unknown => Option.getOrElse(parseJson(raw), () => raw)

type Check = (payload: unknown, headers: HeaderLookup) => FilterOutcome

const compileFilter = (filter: Filter): Check => {
  if ("field" in filter) {
    const read = compilePath(filter.field)
    const want = expectedFieldValue(filter.value)
    const name = JSON.stringify(filter.field)
    return (payload) => {
      const got = read(payload)
      // A missing field never matches, not even the filter value `null`.
      if (!got.found) return { matched: false, failed: filter, reason: `field ${name} is missing` }
      if (jsonEquals(got.value, want)) return MATCHED
      return { matched: false, failed: filter, reason: `field ${name} is ${quote(got.value)}, want ${quote(want)}` }
    }
  }
  const lowercaseName = filter.header.toLowerCase()
  const name = JSON.stringify(lowercaseName)
  return (_payload, headers) => {
    const got = headers(lowercaseName)
    if (got === undefined) return { matched: false, failed: filter, reason: `header ${name} is missing` }
    if (got === filter.value) return MATCHED
    return { matched: false, failed: filter, reason: `header ${name} is ${quote(got)}, want ${quote(filter.value)}` }
  }
}

/**
 * Parses the filters once (JSON values, paths, lowercase header names) and returns a function
 * that evaluates them in order against one event, reporting the first that fails. No filters
 * always match.
 */
export const compileFilters = (filters: ReadonlyArray<Filter>): CompiledFilters => {
  const checks = filters.map(compileFilter)
  return (payload, headers) => {
    for (const check of checks) {
      const outcome = check(payload, headers)
      if (!outcome.matched) return outcome
    }
    return MATCHED
  }
}

/** One-shot `compileFilters(filters)(payload, headers)`, for `trigger test` and tests. */
export const evaluateFilters = (
  filters: ReadonlyArray<Filter>,
  payload: unknown,
  headers: HeaderLookup,
): FilterOutcome => compileFilters(filters)(payload, headers)

/** One filter's result for `trigger test`: what it wanted, what the event had (absent: missing), pass. */
export type FilterCheck = (
  { readonly field: string; readonly want: unknown } | { readonly header: string; readonly want: string }
) & { readonly pass: boolean; readonly seen?: unknown }

/**
 * Every filter evaluated on its own, in order (not only up to the first that fails), with the value
 * seen; pass is exactly what the evaluator decides for that filter. Seen values are as found: the
 * caller cuts them for a reply.
 */
export const checkFilters = (
  filters: ReadonlyArray<Filter>,
  payload: unknown,
  headers: HeaderLookup,
): ReadonlyArray<FilterCheck> =>
  filters.map((filter) => {
    const pass = compileFilter(filter)(payload, headers).matched
    if ("field" in filter) {
      const got = compilePath(filter.field)(payload)
      const want = expectedFieldValue(filter.value)
      return { field: filter.field, want, pass, ...(got.found ? { seen: got.value } : {}) }
    }
    const got = headers(filter.header.toLowerCase())
    return {
      header: filter.header.toLowerCase(),
      want: filter.value,
      pass,
      ...(got !== undefined ? { seen: got } : {}),
    }
  })
