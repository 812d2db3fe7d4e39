// Run outcomes: one durable pull consumer on WORKFLOW_HISTORY (`history.>`), shared by every serve
// like the evaluator's, that folds each run's lifecycle events (written by the engine) into its
// record in KV `dagnats_runs`. Updates are revision-checked, so concurrent serves and redeliveries
// cannot move a run backwards or lose an update; events of runs dagnats did not start are acked.
import { Effect, Option, Schema } from "effect"
import type { JsMsg } from "../nats/jetstream-api.js"
import type { KV } from "../nats/kv-api.js"
import { Consumers, Streams, Subjects } from "../protocol/names.js"
import type { NatsHandles } from "../nats/connection.js"
import { ensureDurable, runWorker, type DurableSpec, type Verdict } from "../nats/worker.js"
import { toUnavailable } from "../nats/conditions.js"
import { isRevisionMismatch, recoverWhen } from "../nats/errors.js"
import { isRunId } from "../domain/run-id.js"
import { parseJsonBytes } from "../domain/json.js"
import {
  foldRunStatus,
  isFinal,
  lifecycleEvent,
  statusForEvent,
  type Fold,
  type RunStatus,
} from "../domain/run-status.js"
import { utf8Bytes } from "../domain/utf8.js"
import { isOwnWorkflowStarted } from "../domain/workflow-started.js"

const outcomesSpec: DurableSpec = {
  stream: Streams.workflowHistory,
  name: Consumers.outcomes,
  filterSubject: Subjects.historyAll,
  ackWaitMs: 30_000,
  maxAckPending: 4_096,
  // History events folded at once per serve: most are one KV read of a run that is not ours.
  maxInFlight: 32,
  // `new`, as for EVENTS: the engine's history may hold a month of runs that are not ours.
}

export const ensureOutcomesConsumer = (h: NatsHandles) => ensureDurable(h, outcomesSpec)

/** A status change made by one event, for logs and metrics. */
export interface StatusChange {
  readonly runId: string
  readonly from: string
  readonly to: RunStatus
}

/** What the record must have for the fold to apply; the rest of it is kept as stored. */
const StoredRun = Schema.Struct({ run_id: Schema.String, status: Schema.String })
const decodeStoredRun = Schema.decodeUnknownOption(StoredRun)

/** The JSON value of a KV entry or an engine event; undefined when it is not JSON. */
export const jsonOf = (bytes: Uint8Array): unknown => Option.getOrUndefined(parseJsonBytes(bytes))

/**
 * Run ids whose events need no KV read: runs that are not ours (their record is written before
 * their workflow.started, so a run without one when the engine reports on it never gets one) and
 * runs already final. The engine writes many step events per run; this makes the second and later
 * ones free. Bounded: the oldest ids are forgotten first, which only costs a read again.
 */
export const makeSettledRuns = (capacity = 10_000) => {
  const ids = new Map<string, true>()
  return {
    has: (id: string) => ids.has(id),
    add: (id: string) => {
      ids.delete(id)
      ids.set(id, true)
      if (ids.size > capacity) ids.delete(ids.keys().next().value!)
    },
  }
}
export type SettledRuns = ReturnType<typeof makeSettledRuns>

/** One fold of a run record: what the record becomes, from its stored JSON. */
type RecordFold = (record: { status: string }, nowIso: string) => Fold<{ status: string }>

/**
 * Apply a fold to one run record, revision-checked: resolves with the status change, or undefined
 * when nothing changed (no record of ours, or nothing to move). Fails only when NATS fails.
 */
export const applyFold = (
  runs: KV,
  runId: string,
  fold: RecordFold,
  settled: SettledRuns,
  now: () => Date = () => new Date(),
) =>
  Effect.gen(function* () {
    while (true) {
      const entry = yield* Effect.tryPromise({ try: () => runs.get(runId), catch: toUnavailable })
      const json = entry !== null && entry.operation === "PUT" ? jsonOf(entry.value) : undefined
      // No record, or one that is not a run record of ours (written by hand): leave it alone.
      if (entry === null || decodeStoredRun(json)._tag === "None") {
        settled.add(runId)
        return undefined
      }
      const record = json as { status: string }
      if (isSettled(record)) settled.add(runId)
      const result = fold(record, now().toISOString())
      if (!result.changed) return undefined
      const written = yield* Effect.tryPromise({
        try: async () => {
          const update = runs.update(runId, utf8Bytes(JSON.stringify(result.next)), entry.revision)
          return recoverWhen(
            update.then(() => true),
            isRevisionMismatch,
            false,
          )
        },
        catch: toUnavailable,
      })
      // Lost to a concurrent update (another serve, or the engine's next event): read and fold again.
      if (written) {
        if (isSettled(result.next)) settled.add(runId)
        return { runId, from: result.from, to: result.to } satisfies StatusChange
      }
    }
  })

/**
 * A run no later event can change: completed or cancelled. A failed run still takes the error of a
 * step.failed folded after its workflow.failed (the consumer handles events out of order).
 */
const isSettled = (record: { status: string }) => isFinal(record.status) && record.status !== "failed"

/**
 * Fold one history message into its run record. Resolves with the change, or undefined when
 * nothing changed: not a lifecycle event, our own workflow.started, a run that is not ours, or a
 * status the record already has or passed. Fails (to be retried) only when NATS fails.
 */
const foldMessage = (runs: KV, data: Uint8Array, seq: number, settled: SettledRuns = makeSettledRuns()) =>
  Effect.suspend(() => {
    // One for every run serve starts, carrying its whole input: told by its first bytes, not parsed.
    if (isOwnWorkflowStarted(data)) return Effect.succeed(undefined)
    const event = lifecycleEvent(jsonOf(data))
    // Cheap checks first: only 32-hex ids can be ours, and most of the engine's history is step
    // events of runs that are not ours or are over.
    if (event === undefined || statusForEvent(event.type) === undefined || !isRunId(event.runId))
      return Effect.succeed(undefined)
    if (settled.has(event.runId)) return Effect.succeed(undefined)
    return applyFold(runs, event.runId, (record, nowIso) => foldRunStatus(record, { ...event, seq }, nowIso), settled)
  })

/** Retry a message whose record could not be read or written (NATS trouble) after this long. */
const RETRY_DELAY_MS = 1_000

export const runOutcomesLoop = (h: NatsHandles, runs: KV, onChange: (c: StatusChange) => void) =>
  Effect.suspend(() => {
    const settled = makeSettledRuns()
    return runWorker(h, outcomesSpec, (m: JsMsg): Effect.Effect<Verdict> =>
      foldMessage(runs, m.data, m.seq, settled).pipe(
        Effect.map((change): Verdict => {
          if (change !== undefined && change.from !== change.to) onChange(change)
          return { ack: true }
        }),
        Effect.catchCause((cause) =>
          Effect.logWarning(`run outcome from ${m.subject} #${m.seq} failed, will retry: ${String(cause)}`).pipe(
            Effect.as<Verdict>({ ack: false, delayMs: RETRY_DELAY_MS }),
          ),
        ),
      ),
    )
  })
