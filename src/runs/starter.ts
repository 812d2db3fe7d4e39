// Starting a run exactly once: the run record is created in KV `dagnats_runs` with create-only
// semantics and, at the same time, `workflow.started` is published on `history.{run_id}` only if
// that subject is still empty (and with a Nats-Msg-Id). A crash between the two writes heals on the
// event's redelivery, and a late replay never duplicates either. The event carries the run's trace
// context (the inbound event's traceparent, or a new trace) so the engine continues that trace.
import { Effect } from "effect"
import type { KV } from "../nats/kv-api.js"
import { settledTogether, publishIfEmptyNow, type StreamClient } from "../nats/publish-json.js"
import { Buckets, Headers, Subjects, kvKeySubject } from "../protocol/names.js"
import { encodedRunStart, type RunSpec } from "../domain/workflow-started.js"
import { continueOrStart } from "../domain/traceparent.js"
import { toUnavailable } from "../nats/conditions.js"
import { isRevisionMismatch } from "../nats/errors.js"
import type { Unavailable } from "../domain/errors.js"
import { utf8Bytes } from "../domain/utf8.js"

interface StartOutcome {
  readonly runId: string
  /** false when the run existed already (a replay): nothing new was started. */
  readonly created: boolean
}

export interface RunStarterShape {
  readonly start: (spec: RunSpec) => Effect.Effect<StartOutcome, Unavailable>
}

/** `bucket` is the name of `runs`' bucket: its record is created by a publish on the key's subject. */
export const make = (runs: KV, publisher: StreamClient, bucket: string = Buckets.runs): RunStarterShape => {
  /** Publishes `workflow.started` unless the run's history holds a message already (then does nothing). */
  const publishStarted = (runId: string, started: Uint8Array, traceParent: string) =>
    // The server refuses the event once the run's history holds anything: a replay of a run whose
    // start was published (by this serve or another) adds nothing, however late.
    publishIfEmptyNow(publisher, Subjects.history(runId), started, {
      msgId: `${runId}.workflow.started`,
      headers: [[Headers.traceparent, traceParent]],
    })

  // Create-only, as one conditional publish on the key's subject. A key that holds a message already
  // is handed to the KV client's own create, which tells a live record (the run exists) from a key
  // deleted by hand (created again) — the rare path of a replay or a redelivery.
  const createdByKv = (runId: string, bytes: Uint8Array) =>
    Effect.tryPromise({ try: () => runs.create(runId, bytes), catch: (e) => e }).pipe(
      Effect.as(true),
      Effect.catchIf(isRevisionMismatch, () => Effect.succeed(false)),
      Effect.mapError(toUnavailable),
    )

  // Both writes are conditional on the server (create-only, empty subject only), so they go out
  // together: one round trip per run start instead of two, and either can be repeated safely.
  // A plain pipeline, not a generator: this runs once per event, and Effect.gen costs ~2 µs a call.
  const start = (spec: RunSpec): Effect.Effect<StartOutcome, Unavailable> =>
    Effect.suspend(() => {
      const traceParent = continueOrStart(spec.traceParent)
      const { record, started } = encodedRunStart(spec, new Date().toISOString(), traceParent)
      const recordBytes = utf8Bytes(record)
      return settledTogether([
        publishIfEmptyNow(publisher, kvKeySubject(bucket, spec.runId), recordBytes, { contentType: false }),
        publishStarted(spec.runId, utf8Bytes(started), traceParent),
      ]).pipe(
        Effect.flatMap(([stored]) => (stored ? Effect.succeed(true) : createdByKv(spec.runId, recordBytes))),
        Effect.map((created) => ({ runId: spec.runId, created })),
      )
    })

  return { start }
}
