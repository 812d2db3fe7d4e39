// The `workflow.started` history event and the run record (SPEC §6), in the wire shape the DagNats
// Go engine reads. Pure: the runs adapter only publishes and stores what these return.

export type RunSource = "webhook" | "event" | "manual" | "schedule"

export interface RunRecord {
  readonly run_id: string
  readonly workflow: string
  readonly status: "pending"
  readonly input: unknown
  readonly trigger: { readonly name: string | null; readonly type: RunSource }
  readonly event: { readonly subject: string; readonly seq: number; readonly delivery_id: string | null } | null
  readonly created_at: string
  /** How many events the run covers (1, or the size of a debounce window or batch). */
  readonly count: number
}

export interface RunSpec {
  readonly runId: string
  readonly workflow: string
  readonly input: unknown
  readonly source: RunSource
  readonly triggerName: string | null
  readonly event: RunRecord["event"]
  readonly count: number
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

export const workflowStarted = (s: RunSpec, timestamp: string) => ({
  type: "workflow.started" as const,
  run_id: s.runId,
  timestamp,
  payload: {
    trigger: s.source,
    source: s.triggerName ?? "manual",
    workflow_id: s.workflow,
    timestamp,
    data: s.input,
  },
})
