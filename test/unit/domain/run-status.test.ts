// Proves the run status fold: pending → running → completed | failed | cancelled from lifecycle events, never backwards, first final status wins, redelivery and unknown events change nothing.
import { describe, expect, test } from "vitest"
import {
  engineOutcome,
  foldEngineOutcome,
  foldRunStatus,
  lifecycleEvent,
  statusForEvent,
  type RunStatus,
} from "../../../src/domain/run-status.js"

const now = "2026-01-02T03:04:05.000Z"
const eventAt = "2026-01-02T03:04:00Z"
const record = (status: RunStatus, extra: Record<string, string> = {}) => ({
  run_id: "r",
  workflow: "w",
  status,
  ...extra,
})
const ev = (type: string, error?: string) => ({ type, timestamp: eventAt, error })

const STATUSES: ReadonlyArray<RunStatus> = ["pending", "running", "completed", "failed", "cancelled"]
const EVENTS = [
  "step.started",
  "step.completed",
  "workflow.completed",
  "workflow.failed",
  "workflow.cancelled",
] as const
const TARGET: Record<(typeof EVENTS)[number], RunStatus> = {
  "step.started": "running",
  "step.completed": "running",
  "workflow.completed": "completed",
  "workflow.failed": "failed",
  "workflow.cancelled": "cancelled",
}
/** The only forward moves; every other (status, event) pair leaves the record as it is. */
const MOVES = new Set([
  "pending|step.started",
  "pending|step.completed",
  "pending|workflow.completed",
  "pending|workflow.failed",
  "pending|workflow.cancelled",
  "running|workflow.completed",
  "running|workflow.failed",
  "running|workflow.cancelled",
])

describe("run status fold - every status against every lifecycle event", () => {
  for (const status of STATUSES) {
    for (const type of EVENTS) {
      const moves = MOVES.has(`${status}|${type}`)
      test(`${status} + ${type} → ${moves ? TARGET[type] : "unchanged"}`, () => {
        const out = foldRunStatus(record(status), ev(type, "boom"), now)
        if (!moves) return expect(out).toStrictEqual({ changed: false })
        const to = TARGET[type]
        const final = to !== "running"
        expect(out).toStrictEqual({
          changed: true,
          from: status,
          to,
          next: {
            run_id: "r",
            workflow: "w",
            status: to,
            updated_at: now,
            ...(final ? { finished_at: eventAt } : {}),
            ...(to === "failed" ? { error: "boom" } : {}),
          },
        })
      })
    }
  }
})

test("run status fold - applying the same event twice changes the record once (redelivery)", () => {
  const first = foldRunStatus(record("running"), ev("workflow.completed"), now)
  expect(first.changed).toBe(true)
  if (!first.changed) return
  expect(foldRunStatus(first.next, ev("workflow.completed"), "2026-01-02T04:00:00.000Z")).toStrictEqual({
    changed: false,
  })
})

test("run status fold - a late step.started after workflow.completed leaves it completed", () => {
  const done = record("completed", { finished_at: eventAt, updated_at: now })
  expect(foldRunStatus(done, ev("step.started"), now)).toStrictEqual({ changed: false })
})

test("run status fold - workflow.started, workflow.spawn, child and unknown events change nothing", () => {
  for (const type of [
    "workflow.started",
    "workflow.spawn",
    "workflow.child.completed",
    "approval.requested",
    "nonsense",
  ]) {
    expect(foldRunStatus(record("pending"), ev(type), now)).toStrictEqual({ changed: false })
  }
})

test("run status fold - a final event without a valid timestamp finishes at the update time", () => {
  const out = foldRunStatus(
    record("running"),
    { type: "workflow.cancelled", timestamp: undefined, error: undefined },
    now,
  )
  expect(out.changed && out.next).toStrictEqual({
    run_id: "r",
    workflow: "w",
    status: "cancelled",
    updated_at: now,
    finished_at: now,
  })
})

test("run status fold - a failed event without payload.error records no error field", () => {
  const out = foldRunStatus(record("running"), ev("workflow.failed"), now)
  expect(out.changed && out.next).toStrictEqual({
    run_id: "r",
    workflow: "w",
    status: "failed",
    updated_at: now,
    finished_at: eventAt,
  })
})

test("statusForEvent - any step.* is running; only the three workflow endings are final", () => {
  expect(statusForEvent("step.retry.scheduled")).toBe("running")
  expect(statusForEvent("workflow.failed")).toBe("failed")
  expect(statusForEvent("workflow.child.failed")).toBeUndefined()
})

describe("lifecycleEvent - decoding a history message", () => {
  test("takes type, run_id, an RFC 3339 timestamp and payload.error", () => {
    expect(
      lifecycleEvent({
        type: "workflow.failed",
        run_id: "r1",
        timestamp: eventAt,
        payload: { error: "step x failed" },
      }),
    ).toStrictEqual({
      type: "workflow.failed",
      runId: "r1",
      timestamp: eventAt,
      error: "step x failed",
    })
  })
  test("a non-string error is kept as its JSON text; a bad timestamp is dropped", () => {
    expect(
      lifecycleEvent({
        type: "workflow.failed",
        run_id: "r1",
        timestamp: "yesterday",
        payload: { error: { code: 7 } },
      }),
    ).toStrictEqual({
      type: "workflow.failed",
      runId: "r1",
      timestamp: undefined,
      error: '{"code":7}',
    })
  })
  test("anything without a string type and run_id is not a lifecycle event", () => {
    for (const bad of [null, 3, "x", [], {}, { type: "step.started" }, { run_id: "r" }, { type: 1, run_id: "r" }]) {
      expect(lifecycleEvent(bad)).toBeUndefined()
    }
  })
})

describe("step errors and the engine's run state", () => {
  const stepFailed = (error: string, seq: number) => ({ type: "step.failed", timestamp: eventAt, error, seq })
  const failed = { type: "workflow.failed", timestamp: eventAt, error: undefined, seq: 9 }
  const apply = (events: ReadonlyArray<Parameters<typeof foldRunStatus>[1]>) =>
    events.reduce<Record<string, unknown> & { status: string }>((r, e) => {
      const f = foldRunStatus(r, e, now)
      return f.changed ? f.next : r
    }, record("running"))

  test("workflow.failed without an error takes the last step.failed error, in whatever order they are folded", () => {
    const a = stepFailed("attempt 1", 5)
    const b = stepFailed("exit status 2", 7)
    for (const order of [
      [a, b, failed],
      [b, a, failed],
      [failed, a, b],
      [failed, b, a],
      [a, failed, b],
    ])
      expect(apply(order)).toMatchObject({ status: "failed", error: "exit status 2", last_step_error_seq: 7 })
  })

  test("workflow.failed's own error is kept over a later-folded step error", () => {
    const own = { ...failed, error: "workflow timed out" }
    expect(apply([own, stepFailed("exit status 2", 7)])).toMatchObject({
      status: "failed",
      error: "workflow timed out",
    })
  })

  test("a step error alone keeps the run running and changes only the step error fields", () => {
    const f = foldRunStatus(record("running"), stepFailed("boom", 3), now)
    expect(f).toStrictEqual({
      changed: true,
      from: "running",
      to: "running",
      next: { ...record("running"), last_step_error: "boom", last_step_error_seq: 3, updated_at: now },
    })
  })

  test("engine run states: failed with a step error, skipped, completed; running ones are not final", () => {
    expect(engineOutcome({ status: "failed", steps: { a: { error: "bad input" } } })).toStrictEqual({
      status: "failed",
      error: "bad input",
      finishedAt: undefined,
    })
    expect(engineOutcome({ status: "skipped", error: "singleton" })?.error).toBe("skipped by the engine: singleton")
    expect(engineOutcome({ status: "skipped" })?.error).toBe("skipped by the engine")
    expect(engineOutcome({ status: "completed", completed_at: eventAt })).toStrictEqual({
      status: "completed",
      error: undefined,
      finishedAt: eventAt,
    })
    for (const s of [{ status: "running" }, { status: "pending" }, null, "x", { steps: {} }])
      expect(engineOutcome(s)).toBeUndefined()
  })

  test("an engine outcome never moves a final run; a failed run without an error takes the engine's", () => {
    const out = { status: "failed" as const, error: "not registered", finishedAt: eventAt }
    expect(foldEngineOutcome(record("completed"), out, now)).toStrictEqual({ changed: false })
    expect(foldEngineOutcome(record("failed", { error: "x" }), out, now)).toStrictEqual({ changed: false })
    const filled = foldEngineOutcome<{ status: string; error?: string }>(record("failed"), out, now)
    expect(filled.changed && [filled.to, filled.next.error]).toStrictEqual(["failed", "not registered"])
    const ended = foldEngineOutcome(record("pending"), out, now)
    expect(ended.changed && ended.next).toStrictEqual({
      ...record("pending"),
      status: "failed",
      error: "not registered",
      updated_at: now,
      finished_at: eventAt,
    })
  })
})
