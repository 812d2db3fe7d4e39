// The `workflow.started` history event and the run record, in the wire shape the DagNats
// Go engine reads. Pure: the runs adapter only publishes and stores what these return.
import type { RunStatus } from "./run-status.js"

type RunSource = "webhook" | "event" | "manual" | "schedule"

export interface RunRecord {
  readonly run_id: string
  readonly workflow: string
  /** `pending` when created; the outcomes consumer moves it forward from the engine's events. */
  readonly status: RunStatus
  readonly input: unknown
  readonly trigger: { readonly name: string | null; readonly type: RunSource }
  readonly event: { readonly subject: string; readonly seq: number; readonly delivery_id: string | null } | null
  readonly created_at: string
  /** How many events the run covers (1, or the size of a debounce window or batch). */
  readonly count: number
  /** When the status last changed; absent while pending. */
  readonly updated_at?: string
  /** When the engine reported the run completed, failed or cancelled. */
  readonly finished_at?: string
  /** `payload.error` of the engine's workflow.failed event. */
  readonly error?: string
}

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
 * The engine's Event carries `trace_parent` at the top level (it continues the trace from there);
 * the payload repeats it so a reader of the payload alone sees it too.
 */
export const workflowStarted = (s: RunSpec, timestamp: string, traceParent: string) => ({
  type: "workflow.started" as const,
  run_id: s.runId,
  timestamp,
  trace_parent: traceParent,
  payload: {
    trigger: s.source,
    source: s.triggerName ?? "manual",
    workflow_id: s.workflow,
    timestamp,
    data: s.input,
    trace_parent: traceParent,
  },
})
