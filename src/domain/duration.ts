// Human durations as used in trigger definitions and CLI flags ("500ms", "5s", "1m", "1h30m", "7d").
// Stored as the string the user gave; converted to milliseconds where timers need them.

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/y
const WHOLE = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d))+$/

/** Milliseconds for a duration string, or undefined when it is not one. */
export const parseDurationMs = (text: string): number | undefined => {
  if (!WHOLE.test(text)) return undefined
  let total = 0
  PART.lastIndex = 0
  for (let m = PART.exec(text); m !== null; m = PART.exec(text)) {
    total += Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS]
  }
  return Math.round(total)
}

/** The shortest readable form of a millisecond count, for messages and tables. */
export const formatDurationMs = (ms: number): string => {
  if (ms % UNIT_MS.d === 0 && ms > 0) return `${ms / UNIT_MS.d}d`
  if (ms % UNIT_MS.h === 0 && ms > 0) return `${ms / UNIT_MS.h}h`
  if (ms % UNIT_MS.m === 0 && ms > 0) return `${ms / UNIT_MS.m}m`
  if (ms % UNIT_MS.s === 0 && ms > 0) return `${ms / UNIT_MS.s}s`
  return `${ms}ms`
}

export const SEVEN_DAYS_MS = 7 * UNIT_MS.d
export const ONE_HOUR_MS = UNIT_MS.h
