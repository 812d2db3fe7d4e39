// What read paths add for a schedule trigger: its next fire time (list) and its next N instants in
// its own time zone and UTC (`trigger test`). Time is a parameter. A list answers from a cache per
// trigger version that holds until the instant it names; `trigger test` computes in slices and
// lets the event loop run between them, so a long answer never holds up webhooks.
import { Effect } from "effect"
import { generationOf, inZone, nextAfter, rfc3339, type ScheduleSpec } from "../domain/schedule.js"
import type { StoredTrigger } from "../domain/trigger.js"

/** At most this much work between two turns of the event loop. */
const SLICE_MS = 2

/** Let timers and sockets (webhooks) run: a macrotask, not a microtask. */
const letOthersRun = Effect.promise(() => new Promise<void>((resolve) => setImmediate(resolve)))

/** How a stored schedule trigger is read: its H fields (stored before they were refused) pinned to its name. */
export const specOf = (t: StoredTrigger): ScheduleSpec => ({
  cron: t.cron ?? "",
  timezone: t.timezone ?? "UTC",
  seed: t.name,
})

interface Remembered {
  readonly version: string
  readonly fromMs: number
  readonly next: number | undefined
}

/**
 * The next instant per trigger, for the version it was computed for: the first instant after
 * `fromMs` is also the first after any time before it, so the answer holds until then, whatever
 * the clock says when the list is asked again. "None" holds for a day: the next instant, if any, is
 * then still years away.
 */
const nextByTrigger = new Map<string, Remembered>()
const DAY_MS = 86_400_000
const MAX_REMEMBERED = 100_000

let computed = 0
/** How many next instants nextOf has computed rather than remembered (for tests). */
export const nextOfComputations = (): number => computed

const versionOf = (t: StoredTrigger) => `${generationOf(t)}|${t.cron}|${t.timezone}`

/** The first instant of `t` after `nowMs`, remembered for its version. */
export const nextOf = (t: StoredTrigger, nowMs: number): number | undefined => {
  const version = versionOf(t)
  const known = nextByTrigger.get(t.name)
  if (known !== undefined && known.version === version && known.fromMs <= nowMs) {
    if (known.next !== undefined && nowMs < known.next) return known.next
    // None within the horizon of fromMs: a day later the next one is still beyond this one's.
    if (known.next === undefined && nowMs < known.fromMs + DAY_MS) return undefined
  }
  computed++
  const next = nextAfter(specOf(t), nowMs)
  if (nextByTrigger.size >= MAX_REMEMBERED) nextByTrigger.clear()
  nextByTrigger.set(t.name, { version, fromMs: nowMs, next })
  return next
}

/** `next_fire_at` for an enabled schedule trigger that fires again; nothing for any other trigger. */
export const nextFireField = (t: StoredTrigger, nowMs: number): { readonly next_fire_at?: string } => {
  if (t.type !== "schedule" || t.enabled === false || t.cron === undefined) return {}
  const next = nextOf(t, nowMs)
  return next === undefined ? {} : { next_fire_at: rfc3339(next) }
}

/** At most this many triggers' next instants between two turns of the event loop. */
export const LIST_SLICE = 100

/**
 * nextFireField of each trigger, in slices like scheduleTest: a first list after a start computes
 * every trigger's next instant once, and a thousand of them must not hold up webhooks either.
 */
export const nextFireFields = (
  ts: ReadonlyArray<StoredTrigger>,
  nowMs: number,
): Effect.Effect<ReadonlyArray<{ readonly next_fire_at?: string }>> =>
  Effect.gen(function* () {
    const out: Array<{ readonly next_fire_at?: string }> = []
    let sliceStart = performance.now()
    for (const t of ts) {
      if (out.length % LIST_SLICE === LIST_SLICE - 1 || performance.now() - sliceStart > SLICE_MS) {
        yield* letOthersRun
        sliceStart = performance.now()
      }
      out.push(nextFireField(t, nowMs))
    }
    return out
  })

export const MAX_TEST_COUNT = 1_000

interface ScheduleTestReply {
  /** The next instants, RFC 3339 in UTC. */
  readonly next: ReadonlyArray<string>
  readonly timezone: string
  /** The same instants with the offset of the trigger's time zone. */
  readonly next_local: ReadonlyArray<string>
}

/** At most this many instants between two turns of the event loop. */
export const TEST_SLICE = 25

/**
 * The next `count` instants of `t` after `nowMs`. Each instant costs one bounded search (see
 * searchNext); after every TEST_SLICE of them, or SLICE_MS of work, the event loop gets a turn.
 */
export const scheduleTest = (t: StoredTrigger, count: number, nowMs: number): Effect.Effect<ScheduleTestReply> =>
  Effect.gen(function* () {
    const timezone = t.timezone ?? "UTC"
    const spec = specOf(t)
    const instants: Array<number> = []
    let at = nowMs
    let sliceStart = performance.now()
    let inSlice = 0
    while (instants.length < count) {
      if (inSlice >= TEST_SLICE || performance.now() - sliceStart > SLICE_MS) {
        yield* letOthersRun
        sliceStart = performance.now()
        inSlice = 0
      }
      inSlice++
      const n = nextAfter(spec, at)
      if (n === undefined || n <= at) break
      instants.push(n)
      at = n
    }
    return { next: instants.map(rfc3339), timezone, next_local: instants.map((ms) => inZone(ms, timezone)) }
  })
