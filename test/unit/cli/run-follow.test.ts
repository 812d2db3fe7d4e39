// Proves the line `dagnats tail` prints when a run it followed ends: status, how long the run took
// from its record's timestamps (left out when they do not say), and the error cut to 200 characters.
import { describe, expect, test } from "vitest"
import { runDuration, runEndLine } from "../../../src/cli/run-follow.js"

const created = "2026-12-07T10:00:00.000Z"

describe("run-follow - run end line", () => {
  test("run-follow - a completed run: `    ↳ run ID completed (1.2 s)`", () => {
    const r = { run_id: "r1", status: "completed", created_at: created, finished_at: "2026-12-07T10:00:01.234Z" }
    expect(runEndLine({ ...r, error: undefined })).toBe("    ↳ run r1 completed (1.2 s)")
  })

  test("run-follow - a failed run carries its error after the duration, cut to 200 characters", () => {
    const r = { run_id: "r2", status: "failed", created_at: created, finished_at: "2026-12-07T10:00:00.310Z" }
    expect(runEndLine({ ...r, error: "exit status 2" })).toBe("    ↳ run r2 failed (0.31 s): exit status 2")
    expect(runEndLine({ ...r, error: "x".repeat(300) })).toBe(`    ↳ run r2 failed (0.31 s): ${"x".repeat(200)}…`)
  })

  test("run-follow - no duration when finished_at is missing, unparsable or before created_at", () => {
    expect(runDuration(created, undefined)).toBeUndefined()
    expect(runDuration(created, "soon")).toBeUndefined()
    expect(runDuration(created, "2026-12-07T09:59:59.000Z")).toBeUndefined()
    const r = { run_id: "r3", status: "cancelled", created_at: created, finished_at: undefined, error: undefined }
    expect(runEndLine(r)).toBe("    ↳ run r3 cancelled")
  })

  test("run-follow - durations: hundredths under 1 s, tenths under a minute, then minutes and seconds", () => {
    expect(runDuration(created, "2026-12-07T10:00:00.050Z")).toBe("0.05 s")
    expect(runDuration(created, "2026-12-07T10:00:42.000Z")).toBe("42.0 s")
    expect(runDuration(created, "2026-12-07T10:02:05.000Z")).toBe("2 min 5 s")
  })
})
