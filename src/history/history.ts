// Trigger history on TRIGGER_HISTORY: one record per evaluation outcome on
// `trigger.fire.{name}`, deduplicated per trigger and event so a redelivery does not repeat it,
// and read back newest first for `trigger history`, each fire with its run's current status.
import { Effect, Schema } from "effect"
import type { JetStreamClient, JetStreamManager } from "../nats/jetstream-api.js"
import { publishJsonNow, settledTogether, type StreamClient } from "../nats/publish-json.js"
import { Streams, Subjects } from "../protocol/names.js"
import { FIRE_LARGE_FIELDS, ForeignFire, HistoryFire, type FireRecord } from "../domain/fire-record.js"
import { cutToShare, fitList, jsonBytes, truncatedField } from "../domain/list-budget.js"
import { parseJsonBytes } from "../domain/json.js"
import { toUnavailable } from "../nats/conditions.js"
import type { KV } from "../nats/kv-api.js"
import { getRun } from "../runs/index.js"
import { scanBack } from "../nats/scan-back.js"

// One record per trigger, event and outcome: a timer that fires a window later records its own
// outcome under the same event without being taken for a duplicate.
const fireMsgId = (r: FireRecord) =>
  `${r.trigger}.${r.event.seq}.${r.outcome}${r.reason !== undefined ? `.${r.reason}` : ""}${r.run_id !== undefined ? `.${r.run_id}` : ""}`

/** An evaluation's records, written together: one wait for all of them (none for an empty list). */
export const recordOutcomes = (publisher: StreamClient, records: ReadonlyArray<FireRecord>) =>
  Effect.suspend(() =>
    settledTogether(
      records.map((r) => publishJsonNow(publisher, Subjects.triggerFire(r.trigger), r, { msgId: fireMsgId(r) })),
    ),
  ).pipe(Effect.asVoid)

/** One record on its own (a window's fire, a manual fire). */
export const recordOutcome = (publisher: StreamClient, r: FireRecord) => recordOutcomes(publisher, [r])

const decodeOwn = Schema.decodeUnknownOption(HistoryFire)
const isForeign = Schema.is(ForeignFire)

/** Room for the `run_status` withRunStatus adds to a fire after it was cut to its share. */
const RUN_STATUS_ROOM = 32

/**
 * A stored record as history answers it, cut to `share`: a dagnats record with only its own fields,
 * or another program's record (no `outcome`) as it is; anything else (not a JSON object, or an
 * `outcome` dagnats does not write) is no record and is passed over.
 */
const entryOf = (data: Uint8Array, share: number): object | undefined => {
  const parsed = parseJsonBytes(data)
  if (parsed._tag === "None") return undefined
  const json = parsed.value
  const own = decodeOwn(json)
  const room = share - RUN_STATUS_ROOM
  if (own._tag === "Some") return cutToShare(own.value, room, FIRE_LARGE_FIELDS).record
  if (!isForeign(json) || typeof json !== "object" || json === null || Array.isArray(json)) return undefined
  if (data.length <= room) return json
  // Another program's fields are unknown: the largest go first.
  const fields = Object.entries(json as Record<string, unknown>)
    .map(([k, v]) => [k, jsonBytes(v)] as const)
    .sort((a, b) => b[1] - a[1])
    .map(([k]) => k)
  return cutToShare(json, room, fields).record
}

export interface HistoryEntry {
  /** Its sequence in TRIGGER_HISTORY: where the next page starts. */
  readonly seq: number
  readonly fire: object
}

/**
 * The newest `limit` records of one trigger (older than `before`, when given), newest first, each
 * cut to `share` bytes. Starts at the trigger's last record and reads backwards in growing windows
 * (history is written in time order, so the last `limit` by sequence are the newest), keeping at
 * most `limit` records: the cost follows `limit` and how densely the trigger's records lie in the
 * stream, never the stream's size, and memory about one reply however large the records.
 */
export const readHistory = (
  js: JetStreamClient,
  jsm: JetStreamManager,
  name: string,
  limit: number,
  share: number,
  before?: number,
) =>
  Effect.tryPromise({
    try: async (): Promise<Array<HistoryEntry>> => {
      const subject = Subjects.triggerFire(name)
      const newest = await lastSeqOn(jsm, subject)
      const last = newest === undefined ? undefined : Math.min(newest, (before ?? Number.POSITIVE_INFINITY) - 1)
      if (last === undefined || last < 1) return []
      // Windows come newest first, each oldest first: gather a window, then put it before the rest.
      const kept: Array<HistoryEntry> = []
      let window: Array<HistoryEntry> = []
      await scanBack(js, jsm, {
        stream: Streams.triggerHistory,
        subject,
        lastSeq: last,
        initialWindow: limit,
        visit: (m) => {
          const fire = entryOf(m.data, share)
          if (fire !== undefined) window.push({ seq: m.seq, fire })
          // Only the newest `limit - kept` of a window can be returned: older ones are dropped at once.
          if (window.length > limit - kept.length) window.shift()
        },
        done: () => {
          kept.push(...window.reverse())
          window = []
          return kept.length >= limit
        },
      })
      return kept.slice(0, limit)
    },
    catch: toUnavailable,
  })

/** Run lookups at once while adding statuses to a history page: bounded, pages are up to 1,000. */
const STATUS_LOOKUPS = 16

/**
 * Each fired record with the current status of its run as `run_status` (the run record is the
 * truth; the history record is written once). A run whose record is gone gets no status.
 */
export const withRunStatus = (runs: KV, entries: ReadonlyArray<HistoryEntry>) =>
  Effect.forEach(
    entries,
    (e) => {
      const runId = (e.fire as { run_id?: unknown }).run_id
      if (typeof runId !== "string") return Effect.succeed(e)
      return getRun(runs, runId).pipe(
        Effect.map((r) => ({ seq: e.seq, fire: { ...e.fire, run_status: r.status } })),
        Effect.catchTag("NotFound", () => Effect.succeed(e)),
      )
    },
    { concurrency: STATUS_LOOKUPS },
  )

/**
 * A history page as triggers.history answers it: the entries that fit `budget`, `truncated` when
 * some were left out or cut, `next` (the `before` of the following page) when some were left out.
 */
export const historyReply = (entries: ReadonlyArray<HistoryEntry>, budget: number) => {
  const fit = fitList(entries, budget, (e) => jsonBytes(e.fire))
  const last = fit.items.at(-1)
  const cut = fit.items.some((e) => "cut" in e.fire)
  return {
    fires: fit.items.map((e) => e.fire),
    ...truncatedField(fit.truncated || cut),
    ...(fit.left > 0 && last !== undefined ? { next: last.seq } : {}),
  }
}

/** The sequence of the newest message on `subject`, or undefined when it has none (nats.js: null). */
const lastSeqOn = async (jsm: JetStreamManager, subject: string): Promise<number | undefined> =>
  (await jsm.streams.getMessage(Streams.triggerHistory, { last_by_subj: subject }))?.seq
