// The time range of a replay: `--since` and `--until` as a duration ago ("2h", "30m") or an RFC 3339
// time. Pure: now is a parameter.
import { parseDurationMs } from "../domain/duration.js"

const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$/i

/** Milliseconds since the epoch for `text`, or a message saying what it must be. */
export const parseTimeBound = (field: string, text: string, nowMs: number): number | string => {
  const ago = parseDurationMs(text)
  if (ago !== undefined) return nowMs - ago
  if (RFC3339.test(text)) {
    const ms = Date.parse(text)
    if (!Number.isNaN(ms)) return ms
  }
  return (
    `${field}: must be a duration ago such as 2h or 30m, or an RFC 3339 time such as 2026-01-01T00:00:00Z ` +
    `(got "${text.slice(0, 64)}")`
  )
}

export interface ReplayRange {
  /** Evaluate events stored at or after this; undefined: from the oldest stored. */
  readonly sinceMs: number | undefined
  /** Evaluate events stored at or before this. */
  readonly untilMs: number
}

export const parseRange = (
  since: string | undefined,
  until: string | undefined,
  nowMs: number,
): ReplayRange | string => {
  const s = since === undefined ? undefined : parseTimeBound("since", since, nowMs)
  if (typeof s === "string") return s
  const u = until === undefined ? nowMs : parseTimeBound("until", until, nowMs)
  if (typeof u === "string") return u
  if (s !== undefined && s > u) return "since: must not be later than until"
  return { sinceMs: s, untilMs: u }
}
