// Reading runs back from KV `dagnats_runs` for `run get` and `run list`. Values are decoded defensively:
// a record someone else wrote that does not parse is skipped by list and reported by get.
import { Effect, Schema } from "effect"
import type { KV } from "@nats-io/kv"
import { NotFound } from "../domain/errors.js"
import type { RunRecord } from "../domain/workflow-started.js"
import { toUnavailable } from "../nats/errors.js"

const decoder = new TextDecoder()

const RunRecordSchema = Schema.Struct({
  run_id: Schema.String,
  workflow: Schema.String,
  status: Schema.String,
  input: Schema.Unknown,
  trigger: Schema.Struct({ name: Schema.NullOr(Schema.String), type: Schema.String }),
  event: Schema.NullOr(Schema.Struct({ subject: Schema.String, seq: Schema.Number, delivery_id: Schema.NullOr(Schema.String) })),
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

export interface RunFilter {
  readonly workflow?: string | undefined
  readonly trigger?: string | undefined
  readonly limit: number
}

/** Newest first. Reads the bucket once with an ordered consumer (no request per key). */
export const listRuns = (runs: KV, filter: RunFilter) =>
  Effect.tryPromise({
    try: async () => {
      const status = await runs.status()
      const matches: Array<RunRecord> = []
      if (status.values === 0) return matches
      const iter = await runs.watch()
      for await (const e of iter) {
        if (e.operation === "PUT") {
          const r = parse(e.value)
          if (
            r !== undefined &&
            (filter.workflow === undefined || r.workflow === filter.workflow) &&
            (filter.trigger === undefined || r.trigger.name === filter.trigger)
          ) {
            matches.push(r)
          }
        }
        if (e.delta === 0) break
      }
      iter.stop()
      matches.sort((a, b) => (a.created_at < b.created_at ? 1 : a.created_at > b.created_at ? -1 : a.run_id < b.run_id ? 1 : -1))
      return matches.slice(0, filter.limit)
    },
    catch: toUnavailable,
  })
