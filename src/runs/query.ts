// Reading runs back from KV `dagnats_runs` for `run get` and `run list`. Values are decoded defensively:
// a record someone else wrote that does not parse is skipped by list and reported by get.
import { Effect, Schema } from "effect"
import type { KV } from "@nats-io/kv"
import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream"
import { scanBack } from "../nats/scan-back.js"
import { Headers } from "../protocol/names.js"
import { NotFound } from "../domain/errors.js"
import type { RunRecord } from "../domain/workflow-started.js"
import { toUnavailable } from "../nats/conditions.js"

const decoder = new TextDecoder()

const RunRecordSchema = Schema.Struct({
  run_id: Schema.String,
  workflow: Schema.String,
  status: Schema.String,
  input: Schema.Unknown,
  trigger: Schema.Struct({ name: Schema.NullOr(Schema.String), type: Schema.String }),
  event: Schema.NullOr(
    Schema.Struct({ subject: Schema.String, seq: Schema.Number, delivery_id: Schema.NullOr(Schema.String) }),
  ),
  created_at: Schema.String,
  // Set by the run outcomes consumer once the engine reports progress.
  updated_at: Schema.optionalKey(Schema.String),
  finished_at: Schema.optionalKey(Schema.String),
  error: Schema.optionalKey(Schema.String),
})
const decodeRecord = Schema.decodeUnknownOption(RunRecordSchema)

const parse = (bytes: Uint8Array): RunRecord | undefined => {
  try {
    const json = JSON.parse(decoder.decode(bytes)) as unknown
    return decodeRecord(json)._tag === "Some" ? (json as RunRecord) : undefined
  } catch {
    return undefined
  }
}

export const getRun = (runs: KV, runId: string) =>
  Effect.gen(function* () {
    const entry = yield* Effect.tryPromise({ try: () => runs.get(runId), catch: toUnavailable })
    const record = entry !== null && entry.operation === "PUT" ? parse(entry.value) : undefined
    if (record === undefined) return yield* new NotFound({ kind: "run", name: runId })
    return record
  })

interface RunFilter {
  readonly workflow?: string | undefined
  readonly trigger?: string | undefined
  readonly status?: string | undefined
  readonly limit: number
}

/**
 * How far a serve's clock may run ahead of the NATS server's: a run's created_at comes from the
 * serve that started it, the stream timestamp from the server. NTP-synchronised clocks differ by
 * milliseconds; the margin costs reading this much more of the newest writes.
 */
const CLOCK_SKEW_MS = 250

/** Keeps the `limit` newest records seen (created_at, then run id, descending); memory is O(limit). */
const newest = (limit: number) => {
  const kept: Array<RunRecord> = []
  const ids = new Set<string>()
  const newer = (a: RunRecord, b: RunRecord) =>
    a.created_at !== b.created_at ? a.created_at > b.created_at : a.run_id > b.run_id
  return {
    offer: (r: RunRecord) => {
      // A record rewritten while the read runs could be met twice; the first (newer) one wins.
      if (ids.has(r.run_id)) return
      let i = kept.length
      while (i > 0 && newer(r, kept[i - 1]!)) i--
      if (i < limit) {
        kept.splice(i, 0, r)
        ids.add(r.run_id)
        if (kept.length > limit) ids.delete(kept.pop()!.run_id)
      }
    },
    full: () => kept.length >= limit,
    oldestMs: () => (kept.length === 0 ? Number.NaN : Date.parse(kept[kept.length - 1]!.created_at)),
    records: () => kept,
  }
}

/**
 * Newest first, reading KV `dagnats_runs` backwards from its newest write in growing windows. A run
 * record is written when the run is created and rewritten when its status changes, so its
 * created_at is never later than its newest write: once `limit` matches are kept and a window's
 * oldest write is older than the oldest kept created_at (less clock skew), no earlier write can
 * hold a newer run, and the read stops. Memory holds `limit` records plus a few buffered messages.
 */
export const listRuns = (runs: KV, js: JetStreamClient, jsm: JetStreamManager, filter: RunFilter) =>
  Effect.tryPromise({
    try: async () => {
      const status = await runs.status()
      const top = newest(filter.limit)
      if (status.values === 0) return top.records()
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
            (filter.workflow === undefined || r.workflow === filter.workflow) &&
            (filter.trigger === undefined || r.trigger.name === filter.trigger) &&
            (filter.status === undefined || r.status === filter.status)
          ) {
            top.offer(r)
          }
        },
        done: (oldestWriteMs) => top.full() && oldestWriteMs + CLOCK_SKEW_MS < top.oldestMs(),
      })
      return top.records()
    },
    catch: toUnavailable,
  })
