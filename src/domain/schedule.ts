// Schedule triggers as pure logic: checking a cron expression and time zone, the instants a
// schedule fires at, and which missed instants to fire or skip after downtime. Time is always a
// parameter (epoch milliseconds), so every rule is unit-tested without a clock. cron-parser does the
// calendar arithmetic, DST gaps and repeats included (see the unit tests for Europe/Berlin).
import { CronExpressionParser, type CronExpression } from "cron-parser"

export const CatchUpModes = ["none", "last", "all"] as const
export type CatchUp = (typeof CatchUpModes)[number]

export interface ScheduleSpec {
  readonly cron: string
  /** An IANA time zone name; the trigger model defaults it to UTC. */
  readonly timezone: string
}

/** `all` fires at most this many missed instants per trigger after downtime; older ones are skipped. */
export const MAX_CATCH_UP = 100

/**
 * The one due instant counts as on time (not missed) when it is at most this late: timers are
 * handed back by JetStream and then started, which on a loaded machine with a thousand schedules
 * due at once takes seconds (measured: bench/schedules.mjs). Later than this, it was missed.
 */
export const ON_TIME_GRACE_MS = 10_000

/** Why the expression is not a usable 5- or 6-field cron expression, or undefined when it is. */
export const cronProblem = (expr: string): string | undefined => {
  const fields = expr.trim().split(/\s+/)
  // cron-parser also takes 4 fields or aliases such as @daily; the contract is 5, or 6 with seconds.
  if (fields.length !== 5 && fields.length !== 6) {
    return (
      "must have 5 fields (minute hour day-of-month month day-of-week) or 6 with seconds first " +
      `(got ${fields.length})`
    )
  }
  if (fields.some((f) => f.startsWith("@"))) return "must be fields, not an alias such as @daily"
  try {
    const it = CronExpressionParser.parse(expr, { tz: "UTC", currentDate: new Date(0) })
    it.next()
    return undefined
  } catch (e) {
    return `is not a valid cron expression: ${e instanceof Error ? e.message : String(e)}`
  }
}

/** Whether the runtime knows this IANA time zone name. */
export const isValidTimezone = (tz: string): boolean => {
  if (tz.length === 0 || tz.length > 64) return false
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz })
    return true
  } catch {
    return false
  }
}

const iterator = (s: ScheduleSpec, fromMs: number): CronExpression =>
  CronExpressionParser.parse(s.cron, { tz: s.timezone, currentDate: new Date(fromMs) })

/**
 * Remembered answers of nextAfter. A step costs up to ~2 ms of CPU for a daily 6-field expression,
 * and many triggers share an expression and come due together (every hourly job at :00): the
 * first one pays, the rest read the answer. Bounded; cleared when full.
 */
const nextCache = new Map<string, number | undefined>()
const NEXT_CACHE_MAX = 10_000

/** The first instant strictly after `afterMs`, or undefined when the schedule never fires again. */
export const nextAfter = (s: ScheduleSpec, afterMs: number): number | undefined => {
  const key = `${s.timezone}|${s.cron}|${afterMs}`
  if (nextCache.has(key)) return nextCache.get(key)
  let next: number | undefined
  try {
    next = iterator(s, afterMs).next().getTime()
  } catch {
    next = undefined
  }
  if (nextCache.size >= NEXT_CACHE_MAX) nextCache.clear()
  nextCache.set(key, next)
  return next
}

/** The next `count` instants strictly after `afterMs`, in order. */
export const nextInstants = (s: ScheduleSpec, afterMs: number, count: number): ReadonlyArray<number> => {
  const out: Array<number> = []
  let at = afterMs
  while (out.length < count) {
    const n = nextAfter(s, at)
    if (n === undefined || n <= at) break
    out.push(n)
    at = n
  }
  return out
}

/**
 * The instants in (afterMs, untilMs], oldest first, at most `cap` of them: the newest ones. `more`
 * says that older instants in the range were left out. Walks backwards from `untilMs`, so a long
 * downtime of a every-second schedule costs `cap` steps, not one per missed second.
 */
export const instantsBetween = (
  s: ScheduleSpec,
  afterMs: number,
  untilMs: number,
  cap: number,
): { readonly instants: ReadonlyArray<number>; readonly more: boolean } => {
  const newestFirst: Array<number> = []
  if (untilMs <= afterMs) return { instants: [], more: false }
  // prev() is strictly before its start: start just after untilMs so untilMs itself is included.
  const it = iterator(s, untilMs + 1)
  while (true) {
    let at: number
    try {
      at = it.prev().getTime()
    } catch {
      break
    }
    if (at <= afterMs) break
    if (newestFirst.length === cap) return { instants: newestFirst.reverse(), more: true }
    newestFirst.push(at)
  }
  return { instants: newestFirst.reverse(), more: false }
}

export interface FirePlan {
  /** Instants to start a run for, oldest first. */
  readonly fire: ReadonlyArray<number>
  /** Missed instants that start no run (their history says skipped), oldest first. */
  readonly skip: ReadonlyArray<number>
  /** Even older missed instants that were neither enumerated nor recorded one by one. */
  readonly skippedUncounted: boolean
}

/**
 * What to do with the instants that are due (`due`, oldest first, from instantsBetween with cap
 * MAX_CATCH_UP + 1; `more` when older ones were left out) at `nowMs`. In normal operation exactly
 * one instant is due, a little late at most: it fires whatever the mode. Otherwise instants came
 * due while no serve could fire them (downtime, or a timer held up for longer than a period), and
 * catch_up decides:
 * - none: fire none of them; the schedule resumes with its next instant;
 * - last: fire the newest; skip the others;
 * - all: fire up to MAX_CATCH_UP newest, oldest first; skip the older ones.
 */
export const planFire = (mode: CatchUp, due: ReadonlyArray<number>, more: boolean, nowMs: number): FirePlan => {
  if (due.length === 0) return { fire: [], skip: [], skippedUncounted: more }
  if (!more && due.length === 1 && nowMs - due[0]! <= ON_TIME_GRACE_MS) {
    return { fire: due, skip: [], skippedUncounted: false }
  }
  switch (mode) {
    case "none":
      return { fire: [], skip: due, skippedUncounted: more }
    case "last":
      return { fire: due.slice(-1), skip: due.slice(0, -1), skippedUncounted: more }
    case "all": {
      const cut = Math.max(0, due.length - MAX_CATCH_UP)
      return { fire: due.slice(cut), skip: due.slice(0, cut), skippedUncounted: more }
    }
  }
}

/**
 * What identifies one version of a schedule trigger: a timer armed for an older version (before an
 * update, a disable, or a delete and re-create under the same name) is stale and starts nothing.
 */
export const generationOf = (t: { readonly created_at: string; readonly revision: number }): string =>
  `${t.created_at}#${t.revision}`

/** An instant as RFC 3339 in UTC, as stored in run input and history. */
export const rfc3339 = (ms: number): string => new Date(ms).toISOString()

/** An instant as RFC 3339 with the offset of `timezone` (2026-03-29T03:00:00+02:00), for people. */
export const inZone = (ms: number, timezone: string): string => {
  const parts = new Intl.DateTimeFormat("en-CA", {
    timeZone: timezone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    hourCycle: "h23",
  }).formatToParts(new Date(ms))
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? "00"
  const local = `${get("year")}-${get("month")}-${get("day")}T${get("hour")}:${get("minute")}:${get("second")}`
  const offsetMin = Math.round((Date.parse(`${local}Z`) - (ms - (ms % 1000))) / 60_000)
  const sign = offsetMin < 0 ? "-" : "+"
  const abs = Math.abs(offsetMin)
  const two = (n: number) => String(n).padStart(2, "0")
  const offset = offsetMin === 0 && timezone === "UTC" ? "Z" : `${sign}${two(Math.floor(abs / 60))}:${two(abs % 60)}`
  return `${local}${offset}`
}
