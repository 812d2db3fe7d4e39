// The `workflow.started` history event and the run record, in the wire shape the DagNats
// Go engine reads. Pure: the runs adapter only publishes and stores what these return.
import type { RunRecord, RunSource } from "./run-record.js"

export type { RunRecord } from "./run-record.js"

export interface RunSpec {
  readonly runId: string
  readonly workflow: string
  readonly input: unknown
  readonly source: RunSource
  readonly triggerName: string | null
  readonly event: RunRecord["event"]
  readonly count: number
  /** W3C traceparent the run continues: the inbound event's, or a new trace (see traceparent.ts). */
  readonly traceParent?: string | undefined
  /** The engine's name for what started it, when not the source's own (a synchronous webhook: `http`). */
  readonly engineKind?: "http"
}

export const runRecord = (s: RunSpec, createdAt: string): RunRecord => ({
  run_id: s.runId,
  workflow: s.workflow,
  status: "pending",
  input: s.input,
  trigger: { name: s.triggerName, type: s.source },
  event: s.event,
  created_at: createdAt,
  count: s.count,
})

/**
 * What started a run in the engine's own envelope vocabulary (`webhook`, `subject`, `cron`, `http`,
 * `manual`), so workers that branch on `payload.trigger` treat dagnats runs like the engine's own:
 * an event trigger (or a source) is the engine's `subject`, a schedule its `cron`. Synchronous
 * webhooks are `http` (RunSpec.engineKind). The run record keeps dagnats's names.
 */
export const ENGINE_KIND: Readonly<Record<RunSource, "webhook" | "subject" | "cron" | "manual">> = {
  webhook: "webhook",
  event: "subject",
  schedule: "cron",
  manual: "manual",
}

/**
 * The engine's Event carries `trace_parent` at the top level (it continues the trace from there);
 * the payload repeats it so a reader of the payload alone sees it too.
 */
export const workflowStarted = (s: RunSpec, timestamp: string, traceParent: string) => ({
  type: "workflow.started" as const,
  run_id: s.runId,
  timestamp,
  trace_parent: traceParent,
  payload: {
    trigger: s.engineKind ?? ENGINE_KIND[s.source],
    source: s.triggerName ?? "manual",
    workflow_id: s.workflow,
    timestamp,
    data: s.input,
    trace_parent: traceParent,
  },
})
