// Starting a run exactly once: the run record is created in KV `dagnats_runs` with create-only
// semantics and, at the same time, `workflow.started` is published on `history.{run_id}` only if
// that subject is still empty (and with a Nats-Msg-Id). A crash between the two writes heals on the
// event's redelivery, and a late replay never duplicates either. The event carries the run's trace
// context (the inbound event's traceparent, or a new trace) so the engine continues that trace.
import { Context, Effect } from "effect"
import type { JetStreamClient } from "../nats/jetstream-api.js"
import type { KV } from "../nats/kv-api.js"
import { headers as natsHeaders } from "../nats/core-api.js"
import { Headers, Subjects } from "../protocol/names.js"
import { runRecord, workflowStarted, type RunSpec } from "../domain/workflow-started.js"
import { continueOrStart } from "../domain/traceparent.js"
import { toUnavailable } from "../nats/conditions.js"
import { isRevisionMismatch, recoverWhen } from "../nats/errors.js"
import type { Unavailable } from "../domain/errors.js"

interface StartOutcome {
  readonly runId: string
  /** false when the run existed already (a replay): nothing new was started. */
  readonly created: boolean
}

export interface RunStarterShape {
  readonly start: (spec: RunSpec) => Effect.Effect<StartOutcome, Unavailable>
}

export class RunStarter extends Context.Service<RunStarter, RunStarterShape>()("dagnats/runs/RunStarter") {}

const encoder = new TextEncoder()

export const make = (runs: KV, js: JetStreamClient): RunStarterShape => {
  /** Publishes `workflow.started` unless the run's history holds a message already (then does nothing). */
  const publishStarted = (spec: RunSpec, at: string) =>
    Effect.tryPromise({
      try: async () => {
        const h = natsHeaders()
        h.set(Headers.contentType, "application/json")
        const traceParent = continueOrStart(spec.traceParent)
        h.set(Headers.traceparent, traceParent)
        const event = workflowStarted(spec, at, traceParent)
        const published = js.publish(Subjects.history(spec.runId), encoder.encode(JSON.stringify(event)), {
          msgID: `${spec.runId}.workflow.started`,
          headers: h,
          // The server refuses the event once the run's history holds anything: a replay of a run
          // whose start was published (by this serve or another) adds nothing, however late.
          expect: { lastSubjectSequence: 0 },
        })
        await recoverWhen(published, isRevisionMismatch, undefined)
      },
      catch: toUnavailable,
    })

  const createRecord = (spec: RunSpec, at: string) =>
    Effect.tryPromise({
      try: () => {
        const created = runs.create(spec.runId, encoder.encode(JSON.stringify(runRecord(spec, at))))
        return recoverWhen(
          created.then(() => true),
          isRevisionMismatch,
          false,
        )
      },
      catch: toUnavailable,
    })

  // Both writes are conditional on the server (create-only, empty subject only), so they go out
  // together: one round trip per run start instead of two, and either can be repeated safely.
  const start = (spec: RunSpec) =>
    Effect.gen(function* () {
      const at = new Date().toISOString()
      const [created] = yield* Effect.all([createRecord(spec, at), publishStarted(spec, at)], {
        concurrency: 2,
      })
      return { runId: spec.runId, created }
    })

  return { start }
}
