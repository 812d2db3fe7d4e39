// Proves the schedule history records keep their wire shape: the fire record's fields (the DagNats
// engine's TriggerFire view included) plus `scheduled_at`, and `older_missed` only where set.
import { expect, test } from "vitest"
import { firedRecord, missedRecord } from "../../../src/schedules/history.js"
import type { FireRecord } from "../../../src/domain/fire-record.js"

const instant = Date.parse("2026-03-29T01:00:00.000Z")
const at = Date.parse("2026-03-29T01:00:00.042Z")
const base = { trigger: "nightly", workflow: "report", instantMs: instant, atMs: at }
const runId = "0123456789abcdef0123456789abcdef"

test("schedule record - fired carries the run, the scheduled instant and the engine's fields", () => {
  const r = firedRecord(base, runId)
  expect(r).toStrictEqual({
    trigger: "nightly",
    workflow: "report",
    outcome: "fired",
    run_id: runId,
    count: 1,
    event: { subject: "dagnats.timers.schedule.nightly", seq: 0 },
    scheduled_at: "2026-03-29T01:00:00.000Z",
    at: "2026-03-29T01:00:00.042Z",
    trigger_id: "nightly",
    workflow_id: "report",
    source: "nightly",
    fired_at: "2026-03-29T01:00:00.042Z",
    skipped: false,
  })
  // Every schedule record is a fire record: history readers need no second shape.
  const asFire: FireRecord = r
  expect(asFire.outcome).toBe("fired")
})

test("schedule record - missed is a skip with reason missed and no run", () => {
  expect(missedRecord(base, false)).toStrictEqual({
    trigger: "nightly",
    workflow: "report",
    outcome: "skipped",
    reason: "missed",
    event: { subject: "dagnats.timers.schedule.nightly", seq: 0 },
    scheduled_at: "2026-03-29T01:00:00.000Z",
    at: "2026-03-29T01:00:00.042Z",
    trigger_id: "nightly",
    workflow_id: "report",
    source: "nightly",
    fired_at: "2026-03-29T01:00:00.042Z",
    skipped: true,
    skip_reason: "missed",
  })
})

test("schedule record - older_missed appears only on the record that says older instants were not listed", () => {
  expect(missedRecord(base, true).older_missed).toBe(true)
  expect("older_missed" in missedRecord(base, false)).toBe(false)
  expect("older_missed" in firedRecord(base, runId)).toBe(false)
})
