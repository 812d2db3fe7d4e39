// The time range of a replay: `--since` and `--until` as a duration ago ("2h", "30m") or an RFC 3339
// time, and where a continued replay resumes (a stream sequence). Pure: now is a parameter.
import { parseDurationMs } from "../domain/duration.js"

const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$/i

/** Milliseconds since the epoch for `text`, or a message saying what it must be. */
export const parseTimeBound = (field: string, text: string, nowMs: number): number | string => {
  const got = `(got "${text.slice(0, 64)}")`
  const ago = parseDurationMs(text)
  if (ago !== undefined) {
    // So long ago that it lies before any stored event, or past what a time can hold.
    const ms = nowMs - ago
    return Number.isFinite(ms) && ms >= 0 ? ms : `${field}: must be a duration ago that lies after 1970 ${got}`
  }
  const ms = RFC3339.test(text) ? Date.parse(text) : Number.NaN
  if (Number.isNaN(ms)) {
    return `${field}: must be a duration ago such as 2h or 30m, or an RFC 3339 time such as 2026-01-01T00:00:00Z ${got}`
  }
  return ms >= 0 ? ms : `${field}: must be a time from 1970 on ${got}`
}

export interface ReplayRange {
  /** Where to start: a stream sequence (a continued replay), a stored time, or the oldest stored. */
  readonly from: { readonly seq: number } | { readonly timeMs: number } | undefined
  /** Evaluate events stored at or before this. */
  readonly untilMs: number
}

export const parseRange = (
  since: string | undefined,
  until: string | undefined,
  fromSeq: number | undefined,
  nowMs: number,
): ReplayRange | string => {
  if (fromSeq !== undefined && since !== undefined) return "from_seq: not together with since"
  const s = since === undefined ? undefined : parseTimeBound("since", since, nowMs)
  if (typeof s === "string") return s
  const u = until === undefined ? nowMs : parseTimeBound("until", until, nowMs)
  if (typeof u === "string") return u
  if (s !== undefined && s > u) return "since: must not be later than until"
  return { from: fromSeq !== undefined ? { seq: fromSeq } : s !== undefined ? { timeMs: s } : undefined, untilMs: u }
}
