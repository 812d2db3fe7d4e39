// How often serve looks at the shared streams' settings for changes made by other programs:
// `DAGNATS_DRIFT_CHECK_INTERVAL` (a duration, 1 s to 1 h; default 60 s).
import { parseDurationMs } from "../domain/duration.js"
import type { Env } from "./settings.js"

export const DEFAULT_DRIFT_CHECK_MS = 60_000

/** The interval, or the default with a warning naming the variable when it is wrong. */
export const driftCheckInterval = (env: Env): { readonly ms: number; readonly warning?: string } => {
  const text = env["DAGNATS_DRIFT_CHECK_INTERVAL"]
  if (text === undefined || text === "") return { ms: DEFAULT_DRIFT_CHECK_MS }
  const ms = parseDurationMs(text)
  if (ms !== undefined && ms >= 1_000 && ms <= 3_600_000) return { ms }
  return {
    ms: DEFAULT_DRIFT_CHECK_MS,
    warning: `DAGNATS_DRIFT_CHECK_INTERVAL: must be a duration from 1s to 1h, such as "60s" (got "${text}"); using 60s`,
  }
}
