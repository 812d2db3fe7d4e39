// Starting a run exactly once: the run record is created in KV `dagnats_runs` with create-only
// semantics, then `workflow.started` is published on `history.{run_id}` with a Nats-Msg-Id. A replay
// finds the record and publishes the event only if history does not have it yet, so a crash
// between the two steps heals and a late replay never duplicates. The event carries the run's trace
// context (the inbound event's traceparent, or a new trace) so the engine continues that trace.
import { Context, Effect } from "effect"
import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream"
import type { KV } from "@nats-io/kv"
import { headers as natsHeaders } from "@nats-io/nats-core"
import { Headers, Streams, Subjects } from "../protocol/names.js"
import { runRecord, workflowStarted, type RunSpec } from "../domain/workflow-started.js"
import { continueOrStart } from "../domain/traceparent.js"
import { toUnavailable } from "../nats/conditions.js"
import { isNoMessageFound, isRevisionMismatch } from "../nats/errors.js"
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

export const make = (runs: KV, js: JetStreamClient, jsm: JetStreamManager): RunStarterShape => {
  const historyHas = (runId: string) =>
    Effect.tryPromise({
      try: async () => {
        try {
          // nats.js v3 answers "no message" with null; older versions threw NoMessageFound.
          return (
            (await jsm.streams.getMessage(Streams.workflowHistory, { last_by_subj: Subjects.history(runId) })) !== null
          )
        } catch (e) {
          if (isNoMessageFound(e)) return false
          throw e
        }
      },
      catch: toUnavailable,
    })

  const publishStarted = (spec: RunSpec, at: string) =>
    Effect.tryPromise({
      try: () => {
        const h = natsHeaders()
        h.set(Headers.contentType, "application/json")
        const traceParent = continueOrStart(spec.traceParent)
        h.set(Headers.traceparent, traceParent)
        const event = workflowStarted(spec, at, traceParent)
        return js.publish(Subjects.history(spec.runId), encoder.encode(JSON.stringify(event)), {
          msgID: `${spec.runId}.workflow.started`,
          headers: h,
        })
      },
      catch: toUnavailable,
    })

  const start = (spec: RunSpec) =>
    Effect.gen(function* () {
      const at = new Date().toISOString()
      const created = yield* Effect.tryPromise({
        try: async () => {
          try {
            await runs.create(spec.runId, encoder.encode(JSON.stringify(runRecord(spec, at))))
            return true
          } catch (e) {
            if (isRevisionMismatch(e)) return false
            throw e
          }
        },
        catch: toUnavailable,
      })
      if (created || !(yield* historyHas(spec.runId))) yield* publishStarted(spec, at)
      return { runId: spec.runId, created }
    })

  return { start }
}
