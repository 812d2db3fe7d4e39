// Proves the workflow.started event and the run record (SPEC §6) have exactly the wire shape the DagNats Go engine reads.
import { expect, test } from "vitest"
import {
  encodedRunStart,
  isOwnWorkflowStarted,
  runRecord,
  workflowStarted,
  type RunSpec,
} from "../../../src/domain/workflow-started.js"

const at = "2026-01-02T03:04:05.000Z"
const spec: RunSpec = {
  runId: "0123456789abcdef0123456789abcdef",
  workflow: "pr-review",
  input: { action: "opened" },
  source: "webhook",
  triggerName: "github-events",
  event: { subject: "event.webhook.github-events", seq: 9, delivery_id: "d-1" },
  count: 1,
}

const tp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"

test("workflow.started - has exactly type, run_id, timestamp, trace_parent and the payload of trigger, source, workflow_id, timestamp, data, trace_parent", () => {
  expect(workflowStarted(spec, at, tp)).toStrictEqual({
    type: "workflow.started",
    run_id: "0123456789abcdef0123456789abcdef",
    timestamp: at,
    trace_parent: tp,
    payload: {
      trigger: "webhook",
      source: "github-events",
      workflow_id: "pr-review",
      timestamp: at,
      data: { action: "opened" },
      trace_parent: tp,
    },
  })
})

test("workflow.started - a manual start without a trigger names the source manual", () => {
  const e = workflowStarted({ ...spec, source: "manual", triggerName: null, event: null }, at, tp)
  expect(e.payload.trigger).toBe("manual")
  expect(e.payload.source).toBe("manual")
})

test("run record - is pending, with input, trigger, event identity and creation time", () => {
  expect(runRecord(spec, at)).toStrictEqual({
    run_id: "0123456789abcdef0123456789abcdef",
    workflow: "pr-review",
    status: "pending",
    input: { action: "opened" },
    trigger: { name: "github-events", type: "webhook" },
    event: { subject: "event.webhook.github-events", seq: 9, delivery_id: "d-1" },
    created_at: at,
    count: 1,
  })
})

test("workflow.started - payload.trigger is the engine's kind: webhook, subject (event), cron (schedule), manual; the run record keeps dagnats's type", () => {
  const kinds = (["webhook", "event", "schedule", "manual"] as const).map((source) => [
    workflowStarted({ ...spec, source }, at, tp).payload.trigger,
    runRecord({ ...spec, source }, at).trigger.type,
  ])
  expect(kinds).toStrictEqual([
    ["webhook", "webhook"],
    ["subject", "event"],
    ["cron", "schedule"],
    ["manual", "manual"],
  ])
})

const variants: ReadonlyArray<readonly [string, RunSpec]> = [
  ["a webhook run", spec],
  ["no input (undefined): input and data left out", { ...spec, input: undefined }],
  ["a null input", { ...spec, input: null }],
  ["a manual run without trigger or event", { ...spec, source: "manual", triggerName: null, event: null }],
  ["a synchronous webhook (engine kind http)", { ...spec, engineKind: "http" }],
  ["a schedule's run with its count", { ...spec, source: "schedule", count: 7, event: undefined as never }],
  [
    "an input with nesting, escapes and non-ASCII",
    { ...spec, input: { a: [1, 2.5, { b: null }], 'q"uote': "line\nbreak", ü: "✓ \u2028", n: -0 } },
  ],
]

for (const [title, s] of variants) {
  test(`encodedRunStart - the record and workflow.started texts are exactly JSON.stringify's: ${title}`, () => {
    const { record, started } = encodedRunStart(s, at, tp)
    expect(record).toBe(JSON.stringify(runRecord(s, at)))
    expect(started).toBe(JSON.stringify(workflowStarted(s, at, tp)))
  })
}

test("isOwnWorkflowStarted - true for every workflow.started dagnats writes, false for other history events", () => {
  for (const [, s] of variants) expect(isOwnWorkflowStarted(Buffer.from(encodedRunStart(s, at, tp).started))).toBe(true)
  const other = (v: unknown) => isOwnWorkflowStarted(Buffer.from(JSON.stringify(v)))
  expect(other({ type: "workflow.completed", run_id: spec.runId })).toBe(false)
  expect(other({ type: "step.failed", run_id: spec.runId })).toBe(false)
  // The engine's own workflow.started, with its fields in another order, is parsed like any event.
  expect(other({ run_id: spec.runId, type: "workflow.started" })).toBe(false)
  expect(isOwnWorkflowStarted(Buffer.from('{"type":"workflow.started"'))).toBe(false)
  expect(isOwnWorkflowStarted(new Uint8Array(0))).toBe(false)
})

test("isOwnWorkflowStarted - reads only its own bytes of a message that is a view into a larger buffer", () => {
  const text = encodedRunStart(spec, at, tp).started
  const buffer = Buffer.from(`xxxx${text}`)
  expect(isOwnWorkflowStarted(buffer.subarray(4))).toBe(true)
  expect(isOwnWorkflowStarted(buffer.subarray(3))).toBe(false)
})
