// How long run records and trigger history are kept: a duration such as 30d, or 0 for no limit.
// Pure: settings parse it, resources apply it as a stream's max age.
import { formatDurationMs, parseDurationMs } from "./duration.js"

export interface Retention {
  /** Max age in milliseconds; 0 keeps records without an age limit. */
  readonly ms: number
  /** The operator set it (flag or variable), rather than taking the default. */
  readonly explicit: boolean
}

/** Run records and trigger history answer "what happened to my webhook last week?"; a month covers it. */
const DEFAULT_RETENTION_MS = 30 * 86_400_000
export const DEFAULT_RETENTION: Retention = { ms: DEFAULT_RETENTION_MS, explicit: false }

/**
 * Under an hour would delete the records of runs still in progress, and would be shorter than the
 * streams' 2-minute duplicate window, which JetStream refuses.
 */
const MIN_RETENTION_MS = 3_600_000

/** Milliseconds for `30d`, `36h`, `0` or `forever` (both 0), or undefined when it is not one or under an hour. */
export const parseRetentionMs = (text: string): number | undefined => {
  if (text === "0" || text === "forever") return 0
  const ms = parseDurationMs(text)
  return ms === undefined || ms < MIN_RETENTION_MS ? undefined : ms
}

export const formatRetention = (ms: number): string => (ms === 0 ? "forever" : formatDurationMs(ms))
