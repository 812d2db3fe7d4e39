// Runs the engine ends without a history event (workflow not registered, invalid definition, input
// rejected, singleton skip) are only in its KV `workflow_runs`, key `run.{run_id}`. This watches
// that bucket read-only and folds final run states into dagnats' records, so such runs end instead
// of staying pending. The bucket is the engine's: until it exists (the engine may start after
// serve), the watch is retried every few seconds; dagnats never creates or writes it.
import { Duration, Effect, Schedule, Stream } from "effect"
import { Kvm, type KvEntry } from "../nats/kv-api.js"
import type { KV } from "../nats/kv-api.js"
import { EngineNames, kvStream } from "../protocol/names.js"
import type { NatsHandles } from "../nats/connection.js"
import { toUnavailable } from "../nats/conditions.js"
import { describe, isStreamNotFound, recoverWhen } from "../nats/errors.js"
import { isRunId } from "../domain/run-id.js"
import { engineOutcome, foldEngineOutcome } from "../domain/run-status.js"
import { applyFold, jsonOf, makeSettledRuns, type StatusChange } from "./consumer.js"

/** How often a missing bucket (or a watch that ended) is tried again. */
const RETRY_EVERY = Duration.seconds(3)

const runIdOfKey = (key: string): string | undefined => {
  if (!key.startsWith(EngineNames.workflowRunKeyPrefix)) return undefined
  const id = key.slice(EngineNames.workflowRunKeyPrefix.length)
  return isRunId(id) ? id : undefined
}

/** One watch of `run.>` until it ends; resolves "missing" while the engine has no such bucket. */
const watchOnce = (h: NatsHandles, runs: KV, onChange: (c: StatusChange) => void, onOpen: Effect.Effect<void>) =>
  Effect.scoped(
    Effect.gen(function* () {
      const opened = yield* Effect.tryPromise({
        try: async () => {
          // Opening a bucket does not look for it: ask for its stream first.
          const info = await recoverWhen(h.jsm.streams.info(kvStream(EngineNames.workflowRuns)), isStreamNotFound, null)
          if (info === null) return undefined
          return await new Kvm(h.js).open(EngineNames.workflowRuns)
        },
        catch: toUnavailable,
      })
      if (opened === undefined) return "missing" as const
      const watch = yield* Effect.acquireRelease(
        Effect.tryPromise({ try: () => opened.watch({ key: EngineNames.workflowRunKeys }), catch: toUnavailable }),
        (w) => Effect.sync(() => w.stop()),
      )
      yield* onOpen
      const settled = makeSettledRuns()
      const handle = (entry: KvEntry) =>
        Effect.suspend(() => {
          const runId = runIdOfKey(entry.key)
          if (runId === undefined || entry.operation !== "PUT" || settled.has(runId)) return Effect.void
          const outcome = engineOutcome(jsonOf(entry.value))
          if (outcome === undefined) return Effect.void
          return applyFold(runs, runId, (record, nowIso) => foldEngineOutcome(record, outcome, nowIso), settled).pipe(
            Effect.map((change) => {
              if (change !== undefined && change.from !== change.to) onChange(change)
            }),
            // One record that cannot be folded now is picked up by the next watch (from the start).
            Effect.retry({ schedule: Schedule.spaced(RETRY_EVERY), times: 3 }),
          )
        })
      yield* Stream.fromAsyncIterable(watch, toUnavailable).pipe(Stream.runForEach(handle))
      return "ended" as const
    }),
  )

/** Watch the engine's run states for as long as serve runs (forked into the caller's scope). */
export const watchEngineRuns = (h: NatsHandles, runs: KV, onChange: (c: StatusChange) => void) =>
  Effect.gen(function* () {
    let announced = false
    // Said once: the watch may end (bucket deleted, connection trouble) and open again.
    const onOpen = Effect.suspend(() => {
      if (announced) return Effect.void
      announced = true
      return Effect.logInfo(`reading run outcomes from the engine's ${EngineNames.workflowRuns}`)
    })
    const once = watchOnce(h, runs, onChange, onOpen).pipe(
      Effect.catch((e) => Effect.logWarning(`watching the engine's ${EngineNames.workflowRuns}: ${describe(e)}`)),
    )
    yield* once.pipe(Effect.repeat(Schedule.spaced(RETRY_EVERY)), Effect.forkScoped)
  })
