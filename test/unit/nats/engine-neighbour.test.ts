// Proves the pure checks that let dagnats share an account with the DagNats engine: the engine's settings on shared streams are accepted (only subjects, retention and storage matter), and old dagnats records are told from the engine's records by shape.
import { describe, expect, test } from "vitest"
import { RetentionPolicy, StorageType, type StreamConfig } from "@nats-io/jetstream"
import { nanos } from "@nats-io/nats-core"
import { incompatibility, streamSpecs } from "../../../src/nats/resources.js"
import { isDagnatsRun, isDagnatsTrigger, isDagnatsWindow, legacyNotice } from "../../../src/domain/legacy-records.js"

const spec = (name: string) => streamSpecs({ replicas: 1 }).find((s) => s.name === name)!
const DAY_MS = 86_400_000

describe("shared streams created by the engine", () => {
  test("WORKFLOW_HISTORY with the engine's 5 s duplicates, 30 d max age and a byte ceiling is accepted", () => {
    const engine = {
      name: "WORKFLOW_HISTORY",
      subjects: ["history.>"],
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      duplicate_window: nanos(5_000),
      max_age: nanos(30 * DAY_MS),
      max_bytes: 1 << 30,
    }
    expect(incompatibility(spec("WORKFLOW_HISTORY"), engine as StreamConfig)).toBeUndefined()
  })
  test("EVENTS and TRIGGER_HISTORY as the engine creates them are accepted", () => {
    const events = {
      name: "EVENTS",
      subjects: ["event.>"],
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      max_age: nanos(14 * DAY_MS),
    }
    const fires = {
      name: "TRIGGER_HISTORY",
      subjects: ["trigger.fire.>"],
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      max_age: nanos(30 * DAY_MS),
    }
    expect(incompatibility(spec("EVENTS"), events as StreamConfig)).toBeUndefined()
    expect(incompatibility(spec("TRIGGER_HISTORY"), fires as StreamConfig)).toBeUndefined()
  })
  test("a shared stream with other retention, storage or subjects is reported with the difference", () => {
    const base = {
      name: "WORKFLOW_HISTORY",
      subjects: ["history.>"],
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
    }
    expect(
      incompatibility(spec("WORKFLOW_HISTORY"), { ...base, retention: RetentionPolicy.Workqueue } as StreamConfig),
    ).toBe("retention is workqueue, dagnats needs limits")
    expect(incompatibility(spec("WORKFLOW_HISTORY"), { ...base, storage: StorageType.Memory } as StreamConfig)).toBe(
      "storage is memory, dagnats needs file",
    )
    expect(incompatibility(spec("WORKFLOW_HISTORY"), { ...base, subjects: ["history.x.>"] } as StreamConfig)).toBe(
      'subjects ["history.x.>"] do not include history.>',
    )
  })
})

describe("old dagnats records versus the engine's", () => {
  const engineTrigger = {
    id: "nightly",
    workflow_id: "report",
    enabled: true,
    cron: { expression: "0 2 * * *", timezone: "UTC" },
  }
  const ourTrigger = {
    name: "gh",
    workflow: "wf",
    type: "webhook",
    enabled: true,
    created_at: "2025-01-01T00:00:00Z",
    revision: 1,
  }

  test("a dagnats trigger definition is ours; the engine's TriggerDef and other JSON are not", () => {
    expect(isDagnatsTrigger(ourTrigger)).toBe(true)
    for (const other of [engineTrigger, { name: "x", workflow: "y", type: "cron" }, null, [], "gh"])
      expect(isDagnatsTrigger(other)).toBe(false)
  })
  test("a dagnats run record is ours; the engine's run state is not", () => {
    expect(
      isDagnatsRun({
        run_id: "r",
        workflow: "w",
        status: "pending",
        trigger: { name: "gh", type: "webhook" },
        created_at: "x",
      }),
    ).toBe(true)
    expect(isDagnatsRun({ run_id: "r", workflow_id: "w", status: "running", steps: {} })).toBe(false)
  })
  test("a dagnats window or its fired marker is ours; the engine's debounce entry is not", () => {
    expect(isDagnatsWindow({ kind: "debounce", trigger: "t", id: "i", due_at: 1, first_at: 0 })).toBe(true)
    expect(isDagnatsWindow({ fired_upto: 4, seqs: [] })).toBe(true)
    expect(isDagnatsWindow({ trigger_id: "nightly", last_event: "x", deadline: "2026-01-01T00:00:00Z" })).toBe(false)
  })
  test("the notice names what was found and what to do", () => {
    const line = legacyNotice(["KV triggers", "stream SLEEP_TIMERS (work queue on sleep.>)"])
    expect(line).toContain("(KV triggers, stream SLEEP_TIMERS (work queue on sleep.>))")
    expect(line).toContain("does not migrate")
    expect(line).toContain("dagnats trigger create")
    expect(line).not.toContain("\n")
  })
})
