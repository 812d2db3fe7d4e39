// Trigger history on TRIGGER_HISTORY (SPEC §6): one record per evaluation outcome on
// `trigger.fire.{name}`, deduplicated per trigger and event so a redelivery does not repeat it,
// and read back newest first for `trigger history`, each fire with its run's current status.
import { Effect } from "effect"
import { DeliverPolicy, type JetStreamClient } from "@nats-io/jetstream"
import { headers as natsHeaders } from "@nats-io/nats-core"
import { Streams, Subjects } from "../protocol/names.js"
import type { FireRecord } from "../domain/fire-record.js"
import { toUnavailable } from "../nats/errors.js"
import type { KV } from "@nats-io/kv"
import { getRun } from "../runs/query.js"

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

/** The newest `limit` records of one trigger, newest first. */
export const readHistory = (js: JetStreamClient, name: string, limit: number) =>
  Effect.tryPromise({
    try: async () => {
      const consumer = await js.consumers.get(Streams.triggerHistory, {
        filter_subjects: Subjects.triggerFire(name),
        deliver_policy: DeliverPolicy.All,
      })
      const info = await consumer.info(true)
      const total = info.num_pending
      const newest: Array<unknown> = []
      if (total === 0) return newest
      const iter = await consumer.consume()
      let seen = 0
      for await (const m of iter) {
        seen++
        if (seen > total - limit) {
          try {
            newest.push(JSON.parse(decoder.decode(m.data)))
          } catch {
            /* not ours; skip */
          }
        }
        if (m.info.pending === 0) break
      }
      await iter.close()
      // Records written while reading are newer than `total`: keep exactly the newest `limit`.
      return newest.reverse().slice(0, limit)
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
