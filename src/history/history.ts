// Trigger history on TRIGGER_HISTORY: one record per evaluation outcome on
// `trigger.fire.{name}`, deduplicated per trigger and event so a redelivery does not repeat it,
// and read back newest first for `trigger history`, each fire with its run's current status.
import { Effect } from "effect"
import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream"
import { headers as natsHeaders } from "@nats-io/nats-core"
import { Streams, Subjects } from "../protocol/names.js"
import type { FireRecord } from "../domain/fire-record.js"
import { toUnavailable } from "../nats/conditions.js"
import type { KV } from "@nats-io/kv"
import { getRun } from "../runs/index.js"
import { scanBack } from "../nats/scan-back.js"
import { isNoMessageFound } from "../nats/errors.js"

const encoder = new TextEncoder()
const decoder = new TextDecoder()

export const recordOutcome = (js: JetStreamClient, r: FireRecord) =>
  Effect.tryPromise({
    try: () => {
      const h = natsHeaders()
      h.set("Content-Type", "application/json")
      // One record per trigger, event and outcome: a timer that fires a window later records its
      // own outcome under the same event without being taken for a duplicate.
      return js.publish(Subjects.triggerFire(r.trigger), encoder.encode(JSON.stringify(r)), {
        msgID: `${r.trigger}.${r.event.seq}.${r.outcome}${r.reason !== undefined ? `.${r.reason}` : ""}${r.run_id !== undefined ? `.${r.run_id}` : ""}`,
        headers: h,
      })
    },
    catch: toUnavailable,
  })

/**
 * The newest `limit` records of one trigger, newest first. Starts at the trigger's last record and
 * reads backwards in growing windows (history is written in time order, so the last `limit` by
 * sequence are the newest), keeping at most `limit` records: the cost follows `limit` and how
 * densely the trigger's records lie in the stream, never the stream's size.
 */
export const readHistory = (js: JetStreamClient, jsm: JetStreamManager, name: string, limit: number) =>
  Effect.tryPromise({
    try: async () => {
      const subject = Subjects.triggerFire(name)
      const last = await lastSeqOn(jsm, subject)
      if (last === undefined) return []
      // Windows come newest first, each oldest first: gather a window, then put it before the rest.
      const kept: Array<unknown> = []
      let window: Array<unknown> = []
      await scanBack(js, jsm, {
        stream: Streams.triggerHistory,
        subject,
        lastSeq: last,
        initialWindow: limit,
        visit: (m) => {
          try {
            window.push(JSON.parse(decoder.decode(m.data)))
          } catch {
            /* not ours; skip */
          }
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
export const withRunStatus = (runs: KV, fires: ReadonlyArray<unknown>) =>
  Effect.forEach(
    fires,
    (f) => {
      const runId = typeof f === "object" && f !== null ? (f as { run_id?: unknown }).run_id : undefined
      if (typeof runId !== "string") return Effect.succeed(f)
      return getRun(runs, runId).pipe(
        Effect.map((r) => ({ ...(f as object), run_status: r.status })),
        Effect.catchTag("NotFound", () => Effect.succeed(f)),
      )
    },
    { concurrency: STATUS_LOOKUPS },
  )
/** The sequence of the newest message on `subject`, or undefined when it has none. */
const lastSeqOn = async (jsm: JetStreamManager, subject: string): Promise<number | undefined> => {
  try {
    return (await jsm.streams.getMessage(Streams.triggerHistory, { last_by_subj: subject }))?.seq
  } catch (e) {
    if (isNoMessageFound(e)) return undefined
    throw e
  }
}
