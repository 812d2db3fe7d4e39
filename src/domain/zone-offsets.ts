// A time zone's UTC offsets and their changes (DST and the rest), from the runtime's tz data
// (Intl), one UTC day at a time: the offset at the day's start and the one change within it, if
// any (no zone changes its offset twice within a day). Days are remembered, so walking the same
// stretch again costs a map lookup per day. Pure in effect: the answers never change.

const DAY_MS = 86_400_000

/** One UTC day of a zone: its offset at the start and, when the offset changes within it, the change. */
export interface ZoneDay {
  readonly startOffset: number
  /** The first whole second of the new offset, and that offset. */
  readonly change?: { readonly at: number; readonly offset: number }
}

const formatters = new Map<string, Intl.DateTimeFormat>()

const formatter = (tz: string): Intl.DateTimeFormat => {
  let f = formatters.get(tz)
  if (f === undefined) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone: tz,
      hourCycle: "h23",
      era: "short",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    })
    formatters.set(tz, f)
  }
  return f
}

const WALL = /^(\d+)\/(\d+)\/(\d+) (AD|BC), (\d+):(\d+):(\d+)$/

/** The offset (local minus UTC, milliseconds, whole seconds) of `tz` at instant `ms`. */
const offsetFromIntl = (tz: string, ms: number): number => {
  if (tz === "UTC") return 0
  const at = Math.floor(ms / 1000) * 1000
  const f = formatter(tz)
  // format() is several times cheaper than formatToParts(); the parts are the fallback should a
  // runtime write en-US differently.
  const m = WALL.exec(f.format(new Date(at)))
  let y: number, mo: number, d: number, h: number, mi: number, s: number, bc: boolean
  if (m !== null) {
    ;[mo, d, y, h, mi, s] = [m[1], m[2], m[3], m[5], m[6], m[7]].map(Number) as [
      number,
      number,
      number,
      number,
      number,
      number,
    ]
    bc = m[4] === "BC"
  } else {
    const parts = Object.fromEntries(f.formatToParts(new Date(at)).map((p) => [p.type, p.value]))
    ;[y, mo, d, h, mi, s] = [
      parts["year"],
      parts["month"],
      parts["day"],
      parts["hour"],
      parts["minute"],
      parts["second"],
    ].map(Number) as [number, number, number, number, number, number]
    bc = (parts["era"] ?? "").startsWith("B")
  }
  const wall = new Date(0)
  wall.setUTCFullYear(bc ? 1 - y : y, mo - 1, d)
  wall.setUTCHours(h, mi, s, 0)
  return wall.getTime() - at
}

const MAX_DAYS = 50_000
const days = new Map<string, ZoneDay>()
const midnights = new Map<string, number>()

/** The offset at the start of UTC day `index`, remembered. */
const midnightOffset = (tz: string, index: number): number => {
  const key = `${tz}|${index}`
  let o = midnights.get(key)
  if (o === undefined) {
    o = offsetFromIntl(tz, index * DAY_MS)
    if (midnights.size >= MAX_DAYS) midnights.clear()
    midnights.set(key, o)
  }
  return o
}

/** The zone's UTC day `index` (epoch day number). */
export const zoneDay = (tz: string, index: number): ZoneDay => {
  const key = `${tz}|${index}`
  const known = days.get(key)
  if (known !== undefined) return known
  const start = index * DAY_MS
  const startOffset = midnightOffset(tz, index)
  const endOffset = midnightOffset(tz, index + 1)
  let day: ZoneDay = { startOffset }
  if (endOffset !== startOffset) {
    // The change lies in (start, start + DAY]: halve down to the whole second it takes effect.
    let lo = start
    let hi = start + DAY_MS
    while (hi - lo > 1000) {
      const mid = lo + Math.floor((hi - lo) / 2000) * 1000
      if (offsetFromIntl(tz, mid) === startOffset) lo = mid
      else hi = mid
    }
    // A change exactly at the next day's start belongs to that day.
    day = hi < start + DAY_MS ? { startOffset, change: { at: hi, offset: offsetFromIntl(tz, hi) } } : { startOffset }
  }
  if (days.size >= MAX_DAYS) days.clear()
  days.set(key, day)
  return day
}

/** The offset of `tz` at instant `ms`. */
export const offsetAt = (tz: string, ms: number): number => {
  const day = zoneDay(tz, Math.floor(ms / DAY_MS))
  return day.change !== undefined && ms >= day.change.at ? day.change.offset : day.startOffset
}

/** A stretch of time with one offset: [start, end). */
export interface Regime {
  readonly start: number
  readonly end: number
  readonly offset: number
  /** The offset before `start` when a change happens there (not at the edge of the window). */
  readonly before?: number
  /** The offset after `end` when a change happens there. */
  readonly after?: number
}

/** The regimes covering UTC days [firstDay, lastDay], in order. */
export const regimes = (tz: string, firstDay: number, lastDay: number): ReadonlyArray<Regime> => {
  const out: Array<Regime> = []
  let start = firstDay * DAY_MS
  let offset = zoneDay(tz, firstDay).startOffset
  let before: number | undefined
  for (let i = firstDay; i <= lastDay; i++) {
    const day = zoneDay(tz, i)
    // A change exactly at midnight UTC: the day starts with a new offset.
    if (day.startOffset !== offset) {
      const at = i * DAY_MS
      out.push({ start, end: at, offset, ...(before !== undefined ? { before } : {}), after: day.startOffset })
      before = offset
      start = at
      offset = day.startOffset
    }
    if (day.change !== undefined) {
      out.push({
        start,
        end: day.change.at,
        offset,
        ...(before !== undefined ? { before } : {}),
        after: day.change.offset,
      })
      before = offset
      start = day.change.at
      offset = day.change.offset
    }
  }
  out.push({ start, end: (lastDay + 1) * DAY_MS, offset, ...(before !== undefined ? { before } : {}) })
  return out
}
