// Cron expressions as wall-clock calendars: cron-parser reads the fields (names, ranges, steps, L
// and #), and this module answers "the first (or last) wall-clock time the fields match, from here"
// with plain integer arithmetic on the civil calendar, skipping whole months and days that cannot
// match. Wall-clock times are written as epoch milliseconds of the same fields read in UTC; which
// real instants they are is the time zone's business (schedule.ts). Pure: no clock.
import { CronExpressionParser } from "cron-parser"

export const DAY_MS = 86_400_000

/** The fields of one expression, as lookup tables. */
export interface CronCalendar {
  /** next[v] is the smallest value ≥ v in the field, -1 when none; prev[v + 1] the largest ≤ v. */
  readonly seconds: Steps
  readonly minutes: Steps
  readonly hours: Steps
  /** Whether the hour field names every hour (`*`): such an expression follows real time. */
  readonly everyHour: boolean
  readonly months: ReadonlyArray<boolean>
  readonly dom: ReadonlyArray<boolean>
  readonly domLast: boolean
  readonly domWild: boolean
  readonly dow: ReadonlyArray<boolean>
  /** dowLast[w]: `wL`, the last weekday w of the month. */
  readonly dowLast: ReadonlyArray<boolean>
  readonly dowWild: boolean
  /** `w#n`: only the n-th weekday w of the month; 0 when not used. */
  readonly nth: number
  /** The days of a month (1-31) that can match at all, in order. */
  readonly possibleDays: ReadonlyArray<number>
}

interface Steps {
  readonly next: ReadonlyArray<number>
  readonly prev: ReadonlyArray<number>
}

const steps = (values: ReadonlyArray<number>, max: number): Steps => {
  const has = new Array<boolean>(max + 1).fill(false)
  for (const v of values) if (v >= 0 && v <= max) has[v] = true
  const next = new Array<number>(max + 2).fill(-1)
  for (let v = max, n = -1; v >= 0; v--) next[v] = n = has[v] ? v : n
  const prev = new Array<number>(max + 2).fill(-1)
  for (let v = 0, p = -1; v <= max; v++) prev[v + 1] = p = has[v] ? v : p
  return { next, prev }
}

const nextOf = (s: Steps, v: number): number => (v < 0 ? s.next[0]! : (s.next[v] ?? -1))
const prevOf = (s: Steps, v: number): number => (v < 0 ? -1 : (s.prev[Math.min(v, s.prev.length - 2) + 1] ?? -1))

/**
 * Read an expression (throws what cron-parser says when it is not one). `seed` pins `H` fields:
 * the same seed always gives the same values.
 */
export const compileCalendar = (expr: string, seed: string): CronCalendar => {
  const f = CronExpressionParser.parse(expr, { tz: "UTC", currentDate: new Date(0), hashSeed: seed }).fields
  const nums = (vs: ReadonlyArray<number | string>) => vs.filter((v): v is number => typeof v === "number")
  const months = new Array<boolean>(13).fill(false)
  for (const m of nums(f.month.values)) months[m] = true
  const dom = new Array<boolean>(32).fill(false)
  for (const d of nums(f.dayOfMonth.values)) dom[d] = true
  const dow = new Array<boolean>(7).fill(false)
  for (const w of nums(f.dayOfWeek.values)) if (w >= 0 && w <= 6) dow[w] = true
  const dowLast = new Array<boolean>(7).fill(false)
  for (const w of f.dayOfWeek.values) {
    if (typeof w === "string" && w.endsWith("L") && w.length > 1) dowLast[parseInt(w, 10) % 7] = true
  }
  const hours = nums(f.hour.values)
  const domWild = f.dayOfMonth.isWildcard
  const dowWild = f.dayOfWeek.isWildcard
  const nth = f.dayOfWeek.nthDay
  const domLast = f.dayOfMonth.hasLastChar
  const byDom = (d: number) => dom[d]! || (domLast && d >= 28)
  const byDow = (d: number) =>
    (dow.some(Boolean) && (nth <= 0 || Math.ceil(d / 7) === nth)) || (dowLast.some(Boolean) && d >= 22)
  const possible = (d: number) =>
    !domWild && dowWild ? byDom(d) : !domWild && !dowWild ? byDom(d) || byDow(d) : domWild && !dowWild ? byDow(d) : true
  const possibleDays = Array.from({ length: 31 }, (_, i) => i + 1).filter(possible)
  return {
    seconds: steps(nums(f.second.values), 59),
    minutes: steps(nums(f.minute.values), 59),
    hours: steps(hours, 23),
    everyHour: new Set(hours).size === 24,
    months,
    dom,
    domLast,
    domWild,
    dow,
    dowLast,
    dowWild,
    nth,
    possibleDays,
  }
}

const isLeap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0
const MONTH_DAYS = [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
export const daysInMonth = (y: number, m: number): number => (m === 2 && isLeap(y) ? 29 : MONTH_DAYS[m]!)

/** Day of week (0 = Sunday) of a civil date. */
const weekday = (y: number, m: number, d: number): number => {
  const days = Math.floor(Date.UTC(y, m - 1, d) / DAY_MS)
  return (((days + 4) % 7) + 7) % 7
}

/**
 * Whether a civil date matches the day fields, by the rules cron-parser applies: with both
 * day-of-month and day-of-week restricted either may match; otherwise the restricted one must.
 */
export const dayMatches = (c: CronCalendar, y: number, m: number, d: number): boolean => {
  const dim = daysInMonth(y, m)
  const byDom = c.dom[d]! || (c.domLast && d === dim)
  if (!c.domWild && c.dowWild) return byDom
  const w = weekday(y, m, d)
  const byDow = (c.dow[w]! && (c.nth <= 0 || Math.ceil(d / 7) === c.nth)) || (c.dowLast[w]! && d + 7 > dim)
  if (!c.domWild && !c.dowWild) return byDom || byDow
  if (c.domWild && !c.dowWild) return byDow
  return byDom
}

/** Counts calendar steps (days and months visited) so no search can run away. */
export interface Budget {
  left: number
}

/**
 * The first wall-clock time (whole seconds) at or after `from` that the fields match, or undefined
 * when there is none up to `until` (or the budget ran out first).
 */
export const firstAtOrAfter = (c: CronCalendar, from: number, until: number, budget: Budget): number | undefined => {
  const start = new Date(Math.ceil(from / 1000) * 1000)
  let y = start.getUTCFullYear()
  let mo = start.getUTCMonth() + 1
  let d = start.getUTCDate()
  let h = start.getUTCHours()
  let mi = start.getUTCMinutes()
  let s = start.getUTCSeconds()
  const nextDay = () => {
    d++
    h = mi = s = 0
    if (d > daysInMonth(y, mo)) {
      d = 1
      mo++
      if (mo > 12) ((mo = 1), y++)
    }
  }
  while (budget.left-- > 0) {
    if (Date.UTC(y, mo - 1, d) > until) return undefined
    if (!c.months[mo]) {
      d = 1
      h = mi = s = 0
      mo++
      if (mo > 12) ((mo = 1), y++)
      continue
    }
    if (!dayMatches(c, y, mo, d)) {
      nextDay()
      continue
    }
    const nh = nextOf(c.hours, h)
    if (nh < 0) {
      nextDay()
      continue
    }
    if (nh > h) ((h = nh), (mi = s = 0))
    const nm = nextOf(c.minutes, mi)
    if (nm < 0) {
      h++
      mi = s = 0
      continue
    }
    if (nm > mi) ((mi = nm), (s = 0))
    const ns = nextOf(c.seconds, s)
    if (ns < 0) {
      mi++
      s = 0
      continue
    }
    const at = Date.UTC(y, mo - 1, d, h, mi, ns)
    return at > until ? undefined : at
  }
  return undefined
}

/** The last wall-clock time (whole seconds) at or before `from` that the fields match, not before `until`. */
export const lastAtOrBefore = (c: CronCalendar, from: number, until: number, budget: Budget): number | undefined => {
  const start = new Date(Math.floor(from / 1000) * 1000)
  let y = start.getUTCFullYear()
  let mo = start.getUTCMonth() + 1
  let d = start.getUTCDate()
  let h = start.getUTCHours()
  let mi = start.getUTCMinutes()
  let s = start.getUTCSeconds()
  const endOfDay = () => ((h = 23), (mi = 59), (s = 59))
  const prevMonth = () => {
    mo--
    if (mo < 1) ((mo = 12), y--)
    d = daysInMonth(y, mo)
    endOfDay()
  }
  const prevDay = () => {
    d--
    endOfDay()
    if (d < 1) prevMonth()
  }
  while (budget.left-- > 0) {
    if (Date.UTC(y, mo - 1, d + 1) <= until) return undefined
    if (!c.months[mo]) {
      prevMonth()
      continue
    }
    if (!dayMatches(c, y, mo, d)) {
      prevDay()
      continue
    }
    const ph = prevOf(c.hours, h)
    if (ph < 0) {
      prevDay()
      continue
    }
    if (ph < h) ((h = ph), (mi = s = 59))
    const pm = prevOf(c.minutes, mi)
    if (pm < 0) {
      h--
      mi = s = 59
      continue
    }
    if (pm < mi) ((mi = pm), (s = 59))
    const ps = prevOf(c.seconds, s)
    if (ps < 0) {
      mi--
      s = 59
      continue
    }
    const at = Date.UTC(y, mo - 1, d, h, mi, ps)
    return at < until ? undefined : at
  }
  return undefined
}

/**
 * The longest run of days, over the whole 400-year Gregorian cycle (after which dates and weekdays
 * repeat), on which the day and month fields match no day; stops early once it exceeds `limitDays`.
 */
export const longestDryDays = (c: CronCalendar, limitDays: number): number => {
  // Some day of every month matches (a day up to 28, L, a weekday, or its 1st to 4th or last
  // occurrence): no month in the field goes without, so no gap reaches a year.
  const everyMonth = (d: ReadonlyArray<number>) => d.some((x) => x <= 28) || c.domLast
  const monthly =
    (!c.domWild && everyMonth(c.possibleDays.filter((d) => c.dom[d]))) ||
    (!c.dowWild && (c.dowLast.some(Boolean) || (c.dow.some(Boolean) && c.nth <= 4))) ||
    (c.domWild && c.dowWild)
  if (monthly && c.months.some(Boolean) && limitDays >= 366) return 0
  let last: number | undefined
  let first: number | undefined
  let longest = 0
  for (let y = 2000; y < 2400; y++) {
    for (let mo = 1; mo <= 12; mo++) {
      if (!c.months[mo]) continue
      const dim = daysInMonth(y, mo)
      for (const d of c.possibleDays) {
        if (d > dim) break
        if (!dayMatches(c, y, mo, d)) continue
        const day = Date.UTC(y, mo - 1, d) / DAY_MS
        if (last !== undefined) longest = Math.max(longest, day - last - 1)
        if (longest > limitDays) return longest
        first ??= day
        last = day
      }
    }
  }
  if (first === undefined || last === undefined) return Infinity
  // The cycle wraps: the gap from the last match to the first one of the next cycle.
  return Math.max(longest, first + 146_097 - last - 1)
}
