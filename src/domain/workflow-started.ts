// The `workflow.started` history event and the run record, in the wire shape the DagNats
// Go engine reads. Pure. runRecord and workflowStarted state the shapes (typed against RunRecord);
// the runs adapter stores what encodedRunStart writes of them, which a test holds byte for byte to
// JSON.stringify of those two.
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

/** `,"key":json`, or nothing for a value JSON.stringify leaves out (undefined). */
const member = (key: string, json: string | undefined): string => (json === undefined ? "" : `,"${key}":${json}`)

/**
 * The JSON texts of the run record and of `workflow.started`, exactly as JSON.stringify writes
 * runRecord and workflowStarted (a test compares), with the input, which both carry and which can
 * be most of a run's bytes, stringified once instead of twice.
 */
export const encodedRunStart = (
  s: RunSpec,
  createdAt: string,
  traceParent: string,
): { readonly record: string; readonly started: string } => {
  const input = JSON.stringify(s.input) as string | undefined
  const runId = JSON.stringify(s.runId)
  const workflow = JSON.stringify(s.workflow)
  const at = JSON.stringify(createdAt)
  const trace = JSON.stringify(traceParent)
  const record =
    `{"run_id":${runId},"workflow":${workflow},"status":"pending"${member("input", input)}` +
    `,"trigger":${JSON.stringify({ name: s.triggerName, type: s.source })}` +
    `${member("event", JSON.stringify(s.event) as string | undefined)},"created_at":${at}` +
    `,"count":${JSON.stringify(s.count)}}`
  const started =
    `{"type":"workflow.started","run_id":${runId},"timestamp":${at},"trace_parent":${trace}` +
    `,"payload":{"trigger":${JSON.stringify(s.engineKind ?? ENGINE_KIND[s.source])}` +
    `,"source":${JSON.stringify(s.triggerName ?? "manual")},"workflow_id":${workflow},"timestamp":${at}` +
    `${member("data", input)},"trace_parent":${trace}}}`
  return { record, started }
}

/** How every `workflow.started` dagnats writes begins (encodedRunStart; a test keeps them in step). */
const OWN_STARTED_PREFIX = Buffer.from('{"type":"workflow.started",', "utf8")

/**
 * Whether a history message is a `workflow.started` as dagnats writes it, told from its first bytes:
 * the run outcomes consumer reads one for every run serve starts and ignores them all, so it need
 * not parse their inputs. Any other `workflow.started` (the engine's own) is parsed and ignored.
 */
export const isOwnWorkflowStarted = (data: Uint8Array): boolean =>
  data.length > OWN_STARTED_PREFIX.length &&
  Buffer.from(data.buffer, data.byteOffset, OWN_STARTED_PREFIX.length).equals(OWN_STARTED_PREFIX)
