// Reading runs back from KV `dagnats_runs` for `run get` and `run list`. Values are decoded defensively:
// a record someone else wrote that does not parse is skipped by list and reported by get.
import { Effect, Option, Schema } from "effect"
import type { KV } from "../nats/kv-api.js"
import type { JetStreamClient, JetStreamManager } from "../nats/jetstream-api.js"
import { scanBack } from "../nats/scan-back.js"
import { Headers } from "../protocol/names.js"
import { NotFound } from "../domain/errors.js"
import { RUN_LARGE_FIELDS, RunRecord, type RunListItem } from "../domain/run-record.js"
import { cutToShare, fitList, recordShare } from "../domain/list-budget.js"
import { parseJsonBytes } from "../domain/json.js"
import { toUnavailable } from "../nats/conditions.js"

const decodeRecord = Schema.decodeUnknownOption(RunRecord)

/** The record, with only the fields the run record has; undefined when it is not one. */
const parse = (bytes: Uint8Array): RunRecord | undefined =>
  Option.getOrUndefined(Option.flatMap(parseJsonBytes(bytes), decodeRecord))

export const getRun = (runs: KV, runId: string) =>
  Effect.gen(function* () {
    const entry = yield* Effect.tryPromise({ try: () => runs.get(runId), catch: toUnavailable })
    const record = entry !== null && entry.operation === "PUT" ? parse(entry.value) : undefined
    if (record === undefined) return yield* new NotFound({ kind: "run", name: runId })
    return record
  })

/** Where a page of runs ends: the next page holds the runs older than this one (created_at, then run id). */
interface Position {
  readonly created_at: string
  readonly run_id: string
}

/** `next` and `before` as they travel: created_at, a space, the run id. */
export const cursorOf = (p: Position): string => `${p.created_at} ${p.run_id}`
export const parseCursor = (text: string): Position | undefined => {
  const at = text.lastIndexOf(" ")
  return at <= 0 ? undefined : { created_at: text.slice(0, at), run_id: text.slice(at + 1) }
}

interface RunFilter {
  readonly workflow?: string | undefined
  readonly trigger?: string | undefined
  readonly status?: string | undefined
  readonly limit: number
  /** Only runs older than this position (a `next` of an earlier page). */
  readonly before?: Position | undefined
  /** The bytes the runs of the reply may take (the server's max payload less the reply's own fields). */
  readonly budget: number
}

export interface RunPage {
  readonly runs: ReadonlyArray<RunListItem>
  /** Runs were left out for size, or had fields cut. */
  readonly truncated: boolean
  /** Where the next page starts (its `before`), when runs were left out for size. */
  readonly next?: string
}

/**
 * How far a serve's clock may run ahead of the NATS server's: a run's created_at comes from the
 * serve that started it, the stream timestamp from the server. NTP-synchronised clocks differ by
 * milliseconds; the margin costs reading this much more of the newest writes.
 */
const CLOCK_SKEW_MS = 250

const newer = (a: Position, b: Position) =>
  a.created_at !== b.created_at ? a.created_at > b.created_at : a.run_id > b.run_id

interface Kept {
  readonly run: RunListItem & Position
  readonly bytes: number
  readonly cut: boolean
}

/**
 * Keeps the `keep` newest records seen (created_at, then run id, descending), each already cut to
 * its share of the reply: memory is O(keep × share), about one reply, whatever the records hold.
 */
const newest = (keep: number) => {
  const kept: Array<Kept> = []
  const ids = new Set<string>()
  return {
    offer: (k: Kept) => {
      // A record rewritten while the read runs could be met twice; the first (newer) one wins.
      if (ids.has(k.run.run_id)) return
      let i = kept.length
      while (i > 0 && newer(k.run, kept[i - 1]!.run)) i--
      if (i < keep) {
        kept.splice(i, 0, k)
        ids.add(k.run.run_id)
        if (kept.length > keep) ids.delete(kept.pop()!.run.run_id)
      }
    },
    full: () => kept.length >= keep,
    oldestMs: () => (kept.length === 0 ? Number.NaN : Date.parse(kept[kept.length - 1]!.run.created_at)),
    kept: () => kept,
  }
}

/**
 * The reply from the newest matching records, newest first: those that fit the budget, and `next`
 * after the last one when some were left out for size (older ones past `limit` are not looked for).
 */
const page = (kept: ReadonlyArray<Kept>, budget: number): RunPage => {
  const fit = fitList(kept, budget, (k) => k.bytes)
  const last = fit.items.at(-1)
  return {
    runs: fit.items.map((k) => k.run),
    truncated: fit.truncated || fit.items.some((k) => k.cut),
    ...(fit.left > 0 && last !== undefined ? { next: cursorOf(last.run) } : {}),
  }
}

/**
 * Newest first, reading KV `dagnats_runs` backwards from its newest write in growing windows. A run
 * record is written when the run is created and rewritten when its status changes, so its
 * created_at is never later than its newest write: once `limit` matches are kept and a window's
 * oldest write is older than the oldest kept created_at (less clock skew), no earlier write can
 * hold a newer run, and the read stops. Each record is cut to its share of the reply as it is kept,
 * so memory holds about one reply plus a few buffered messages, however large the inputs.
 */
export const listRuns = (runs: KV, js: JetStreamClient, jsm: JetStreamManager, filter: RunFilter) =>
  Effect.tryPromise({
    try: async (): Promise<RunPage> => {
      const status = await runs.status()
      const top = newest(filter.limit)
      const share = recordShare(filter.budget, filter.limit)
      const before = filter.before
      if (status.values === 0) return { runs: [], truncated: false }
      await scanBack(js, jsm, {
        stream: status.streamInfo.config.name,
        subject: status.streamInfo.config.subjects?.[0] ?? ">",
        initialWindow: filter.limit,
        visit: (m) => {
          // Deletes and purges are markers without a record.
          const operation = m.header(Headers.kvOperation)
          if (operation !== undefined && operation !== "") return
          // Written before the oldest kept run was created: it cannot be newer; skip the parse.
          if (top.full() && m.timeMs + CLOCK_SKEW_MS < top.oldestMs()) return
          const r = parse(m.data)
          if (
            r !== undefined &&
            (before === undefined || newer(before, r)) &&
            (filter.workflow === undefined || r.workflow === filter.workflow) &&
            (filter.trigger === undefined || r.trigger.name === filter.trigger) &&
            (filter.status === undefined || r.status === filter.status)
          ) {
            // The stored bytes bound the record's size in the reply (its JSON, without unknown fields):
            // a large record is not encoded again just to learn that it is large.
            const c = cutToShare<RunListItem & Position>(r, share, RUN_LARGE_FIELDS, m.data.length)
            top.offer({ run: c.record, bytes: c.bytes, cut: c.cut })
          }
        },
        done: (oldestWriteMs) => top.full() && oldestWriteMs + CLOCK_SKEW_MS < top.oldestMs(),
      })
      return page(top.kept(), filter.budget)
    },
    catch: toUnavailable,
  })
