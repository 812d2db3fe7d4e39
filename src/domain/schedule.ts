// Schedule triggers as pure logic: checking a cron expression and time zone, the instants a
// schedule fires at, and which missed instants to fire or skip after downtime. Time is always a
// parameter (epoch milliseconds), so every rule is unit-tested without a clock. cron-parser reads
// the fields; the calendar arithmetic (cron-calendar.ts) and the DST rules (zone-offsets.ts and
// searchNext here) are ours, bounded by a horizon and a step budget.
import { Option, Result } from "effect"
import {
  DAY_MS,
  compileCalendar,
  firstAtOrAfter,
  lastAtOrBefore,
  longestDryDays,
  type Budget,
  type CronCalendar,
} from "./cron-calendar.js"
import { regimes, type Regime } from "./zone-offsets.js"

export const CatchUpModes = ["none", "last", "all"] as const
export type CatchUp = (typeof CatchUpModes)[number]

export interface ScheduleSpec {
  readonly cron: string
  /** An IANA time zone name; the trigger model defaults it to UTC. */
  readonly timezone: string
  /**
   * What `H` fields are pinned to (the trigger's name). New definitions may not use H; one stored
   * before that rule is read the same way by every serve and every call.
   */
  readonly seed?: string
}

/** `all` fires at most this many missed instants per trigger after downtime; older ones are skipped. */
export const MAX_CATCH_UP = 100

/**
 * The one due instant counts as on time (not missed) when it is at most this late: timers are
 * handed back by JetStream and then started, which on a loaded machine with a thousand schedules
 * due at once takes seconds (measured: bench/schedules.mjs). Later than this, it was missed.
 */
export const ON_TIME_GRACE_MS = 10_000

const fieldCountProblem = (expr: string): string | undefined => {
  const fields = expr.trim().split(/\s+/)
  // cron-parser also takes 4 fields or aliases such as @daily; the contract is 5, or 6 with seconds.
  if (fields.length !== 5 && fields.length !== 6) {
    return (
      "must have 5 fields (minute hour day-of-month month day-of-week) or 6 with seconds first " +
      `(got ${fields.length})`
    )
  }
  if (fields.some((f) => f.startsWith("@"))) return "must be fields, not an alias such as @daily"
  return undefined
}

const parseProblem = (expr: string): string | undefined => {
  const read = Result.try({
    try: () => calendarOf({ cron: expr, timezone: "UTC" }),
    catch: (e) => `is not a valid cron expression: ${e instanceof Error ? e.message : String(e)}`,
  })
  return read._tag === "Failure" ? read.failure : undefined
}

/**
 * Whether a field uses `H` (cron-parser's hashed value). Month and weekday names are read first,
 * as cron-parser does, so THU is not taken for an H.
 */
const usesHash = (expr: string): boolean =>
  expr
    .trim()
    .split(/\s+/)
    .some((f) => /H/i.test(f.replace(/[a-z]{3}/gi, "")))

/** Instants are looked for at most this far ahead (and back); an expression must fire within it. */
export const HORIZON_YEARS = 10
const HORIZON_DAYS = Math.floor(HORIZON_YEARS * 365.2425)
export const HORIZON_MS = HORIZON_DAYS * DAY_MS

/**
 * Why the expression is not a usable 5- or 6-field cron expression for a new or updated trigger,
 * or undefined when it is. Besides the syntax: no `H` (cron-parser draws it at random on every
 * reading, so two serves, or two calls, would disagree on the instant), and at least one instant
 * every HORIZON_YEARS years over the whole calendar cycle (so the bounded search always finds the
 * next one). Does not depend on the time it is asked at.
 */
export const cronProblem = (expr: string): string | undefined => {
  const shape = fieldCountProblem(expr)
  if (shape !== undefined) return shape
  if (usesHash(expr)) {
    return (
      "must not use H (a hashed value, which would be a different instant on every reading); " +
      "write the value you mean, such as 17 * * * * instead of H * * * *"
    )
  }
  const syntax = parseProblem(expr)
  if (syntax !== undefined) return syntax
  const dry = longestDryDays(calendarOf({ cron: expr, timezone: "UTC" }), HORIZON_DAYS)
  if (dry > HORIZON_DAYS) {
    const years = dry === Infinity ? "forever" : `${Math.floor(dry / 365.2425)} years`
    return (
      `must fire at least once every ${HORIZON_YEARS} years (this one can go ${years} without an instant; ` +
      `instants are looked for at most ${HORIZON_YEARS} years ahead)`
    )
  }
  return undefined
}

/**
 * What a stored trigger's expression must satisfy to be read at all: the syntax only. A trigger
 * stored before the rules of cronProblem (an H, a rare instant) stays readable, deletable and
 * updatable; its H fields are pinned (ScheduleSpec.seed), and an instant beyond the horizon is
 * found once it comes within it (the engine looks again).
 */
export const storedCronProblem = (expr: string): string | undefined => fieldCountProblem(expr) ?? parseProblem(expr)

/** A formatter for the zone; None when Intl does not know the name (it throws a RangeError). */
const zoneFormat = Option.liftThrowable((tz: string) => new Intl.DateTimeFormat("en-US", { timeZone: tz }))

/** Whether the runtime knows this IANA time zone name. */
export const isValidTimezone = (tz: string): boolean =>
  tz.length > 0 && tz.length <= 64 && Option.isSome(zoneFormat(tz))

const calendars = new Map<string, CronCalendar>()
const MAX_CALENDARS = 10_000

/** The expression's calendar, remembered. Throws when it is not one. */
const calendarOf = (s: ScheduleSpec): CronCalendar => {
  // Reading an expression costs cron-parser up to a millisecond: one reading per expression, and
  // per seed only where the seed matters (an H).
  const seed = usesHash(s.cron) ? (s.seed ?? "") : ""
  const key = `${seed}|${s.cron}`
  let c = calendars.get(key)
  if (c === undefined) {
    c = compileCalendar(s.cron, seed)
    if (calendars.size >= MAX_CALENDARS) calendars.clear()
    calendars.set(key, c)
  }
  return c
}

/**
 * Calendar steps (days and months visited) one computation may take. Searching HORIZON_YEARS
 * ahead costs at most ~3,700 days plus a few per round, so an accepted expression never runs out;
 * the budget is what keeps anything else (a stored expression, a bug) from freezing serve.
 */
export const STEP_BUDGET = 20_000

const spanOf = (r: Regime) => ({
  /** Spring forward at the end: wall-clock times in the gap are read with the offset before it. */
  gapEnd: r.after !== undefined && r.after > r.offset ? r.end + (r.after - r.offset) : r.end,
  /** Fall back at the start: the repeated wall-clock times, from the start to here, are a second pass. */
  repeatEnd: r.before !== undefined && r.before > r.offset ? r.start + r.before : r.start + r.offset,
})

const sec = (ms: number) => Math.floor(ms / 1000) * 1000

/**
 * The first instant strictly after `afterMs`, or undefined when there is none within HORIZON_YEARS
 * (or the budget ran out: never for an expression cronProblem accepts).
 *
 * The instants are the real times whose wall-clock time in the zone matches the fields, with the
 * two DST rules: a wall-clock time that does not exist (a spring-forward gap, of any length) is
 * read with the offset before the change, so it fires shifted by the gap (02:30 in Berlin's gap at
 * 03:30, 02:15 in Lord Howe's 30-minute gap at 02:45); in a fall-back repeat an expression that
 * names its hours fires in the first pass only, one whose hour field is `*` fires in both (it
 * follows real time). The zone is walked in stretches of one offset (three UTC days at a time),
 * and whole months and days that cannot match are skipped.
 */
export const searchNext = (
  s: ScheduleSpec,
  afterMs: number,
  budget: Budget = { left: STEP_BUDGET },
): number | undefined => {
  const cal = calendarOf(s)
  const limit = afterMs + HORIZON_MS
  let c = afterMs
  while (budget.left > 0) {
    const k = Math.floor(c / DAY_MS)
    let best: number | undefined
    for (const r of regimes(s.timezone, k - 1, k + 1)) {
      if (best !== undefined && r.start >= best) break
      const span = spanOf(r)
      const low = Math.max(r.start + r.offset, cal.everyHour ? -Infinity : span.repeatEnd, sec(c) + 1000 + r.offset)
      const high = span.gapEnd + r.offset - 1000
      if (low > high) continue
      const wall = firstAtOrAfter(cal, low, high, budget)
      if (wall !== undefined && (best === undefined || wall - r.offset < best)) best = wall - r.offset
    }
    if (best !== undefined) return best <= limit ? best : undefined
    // Nothing in these days: every later instant is at least a day before its wall-clock time
    // minus the largest offset, so jump to a day before the next wall-clock match.
    const windowEnd = (k + 2) * DAY_MS
    if (windowEnd > limit) return undefined
    const wall = firstAtOrAfter(cal, windowEnd - DAY_MS, limit + DAY_MS, budget)
    if (wall === undefined) return undefined
    c = Math.max(windowEnd - 1000, wall - DAY_MS)
  }
  return undefined
}

/** The last instant strictly before `beforeMs` and at or after `notBeforeMs`, by the rules of searchNext. */
export const searchPrev = (
  s: ScheduleSpec,
  beforeMs: number,
  notBeforeMs: number,
  budget: Budget = { left: STEP_BUDGET },
): number | undefined => {
  const cal = calendarOf(s)
  let c = beforeMs
  while (budget.left > 0) {
    const k = Math.floor((c - 1) / DAY_MS)
    let best: number | undefined
    for (const r of [...regimes(s.timezone, k - 1, k + 1)].reverse()) {
      const span = spanOf(r)
      if (best !== undefined && span.gapEnd <= best) break
      const low = Math.max(r.start + r.offset, cal.everyHour ? -Infinity : span.repeatEnd, notBeforeMs + r.offset)
      const high = Math.min(span.gapEnd + r.offset - 1000, Math.ceil(c / 1000) * 1000 - 1000 + r.offset)
      if (low > high) continue
      const wall = lastAtOrBefore(cal, high, low, budget)
      if (wall !== undefined && (best === undefined || wall - r.offset > best)) best = wall - r.offset
    }
    if (best !== undefined) return best
    const windowStart = (k - 1) * DAY_MS
    if (windowStart <= notBeforeMs) return undefined
    const wall = lastAtOrBefore(cal, windowStart + DAY_MS, notBeforeMs - DAY_MS, budget)
    if (wall === undefined) return undefined
    c = Math.min(windowStart, wall + DAY_MS)
  }
  return undefined
}

/**
 * Remembered answers of searchNext: many triggers share an expression and come due together (every
 * hourly job at :00): the first one computes, the rest read the answer. Bounded; cleared when full.
 */
const nextCache = new Map<string, number | undefined>()
const NEXT_CACHE_MAX = 10_000

// A stored expression or zone that no longer reads (cron-parser or Intl throws) has no instants.
const nextOrThrown = Option.liftThrowable((s: ScheduleSpec, afterMs: number) => searchNext(s, afterMs))
const prevOrThrown = Option.liftThrowable((s: ScheduleSpec, beforeMs: number, notBeforeMs: number) =>
  searchPrev(s, beforeMs, notBeforeMs),
)

/**
 * The first instant strictly after `afterMs`, or undefined when the schedule has none within
 * HORIZON_YEARS (or is not one); remembered per expression, zone, seed and time.
 */
export const nextAfter = (s: ScheduleSpec, afterMs: number): number | undefined => {
  const key = `${s.timezone}|${s.seed ?? ""}|${s.cron}|${afterMs}`
  if (nextCache.has(key)) return nextCache.get(key)
  const next = Option.getOrUndefined(nextOrThrown(s, afterMs))
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
 * says that older instants in the range were left out. Walks backwards from `untilMs` (at most
 * HORIZON_YEARS), so a long downtime of a every-second schedule costs `cap` steps, not one per
 * missed second.
 */
export const instantsBetween = (
  s: ScheduleSpec,
  afterMs: number,
  untilMs: number,
  cap: number,
): { readonly instants: ReadonlyArray<number>; readonly more: boolean } => {
  const newestFirst: Array<number> = []
  if (untilMs <= afterMs) return { instants: [], more: false }
  const notBefore = Math.max(sec(afterMs) + 1000, untilMs - HORIZON_MS)
  let before = untilMs + 1
  while (true) {
    const at = Option.getOrUndefined(prevOrThrown(s, before, notBefore))
    if (at === undefined || at <= afterMs) break
    if (newestFirst.length === cap) return { instants: newestFirst.reverse(), more: true }
    newestFirst.push(at)
    before = at
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

const rateOf = Option.liftThrowable((s: ScheduleSpec): number => {
  const c = calendarOf(s)
  const count = (steps: { readonly next: ReadonlyArray<number> }) =>
    steps.next.filter((v, i) => v === i && i < steps.next.length - 1).length
  return (count(c.seconds) * count(c.minutes) * count(c.hours)) / 86_400
})

/**
 * How many instants a second the expression fires on a day it fires at all (the busiest days):
 * every matching day has seconds × minutes × hours instants. Undefined when it is not an expression.
 */
export const instantsPerSecond = (s: ScheduleSpec): number | undefined => Option.getOrUndefined(rateOf(s))
