// Proves the bounded reads return exactly what a full scan would: `run list` newest first by
// created_at (also when an old record was rewritten last), with --workflow and --status filters;
// `trigger history --limit N` the newest N records of one trigger among interleaved others.
import { describe, expect, it } from "vitest"
import { e2eStack } from "../support/e2e-stack.js"
import { runCli } from "../support/cli.js"

const stack = e2eStack()
const cli = stack.cli

const newestFirst = (a: Record<string, any>, b: Record<string, any>) =>
  a.created_at !== b.created_at ? (a.created_at < b.created_at ? 1 : -1) : a.run_id < b.run_id ? 1 : -1

describe("run list", () => {
  it("run list - --limit N gives the N newest runs by created_at, also after an old run was rewritten last; --workflow and --status filter", async () => {
    for (let i = 0; i < 40; i++)
      await stack.raw.request("dagnats.runs.start", { workflow: i % 4 === 0 ? "rl-quarter" : "rl-other", input: { i } })
    // The oldest run changes status last (as an engine would report it): it is now the newest write.
    const all = (await stack.raw.allRuns()).sort(newestFirst)
    const oldest = all[all.length - 1]!
    await (
      await stack.raw.runs()
    ).put(oldest.run_id, JSON.stringify({ ...oldest, status: "completed", updated_at: new Date().toISOString() }))

    const ids = (runs: ReadonlyArray<Record<string, any>>) => runs.map((r) => r.run_id)
    for (const limit of [1, 3, 20]) {
      const { runs } = await cli<{ runs: Array<Record<string, any>> }>("run", "list", "--limit", String(limit))
      expect(ids(runs)).toEqual(ids(all.slice(0, limit)))
    }
    const quarter = await cli<{ runs: Array<Record<string, any>> }>(
      "run",
      "list",
      "--workflow",
      "rl-quarter",
      "--limit",
      "5",
    )
    expect(ids(quarter.runs)).toEqual(ids(all.filter((r) => r.workflow === "rl-quarter").slice(0, 5)))
    const completed = await cli<{ runs: Array<Record<string, any>> }>("run", "list", "--status", "completed")
    expect(completed.runs.map((r) => [r.run_id, r.status])).toEqual([[oldest.run_id, "completed"]])
    const pending = await cli<{ runs: Array<Record<string, any>> }>(
      "run",
      "list",
      "--status",
      "pending",
      "--limit",
      "2",
    )
    expect(ids(pending.runs)).toEqual(ids(all.filter((r) => r.run_id !== oldest.run_id).slice(0, 2)))
  })

  it("run list - --status with a value that is not a status is a usage error (exit 2)", async () => {
    const r = await runCli(["run", "list", "--status", "done", "--nats-url", stack.url])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/status/)
  })
})

describe("trigger history", () => {
  it("trigger history - --limit N gives the newest N records of one trigger among interleaved others, newest first, each with its run status", async () => {
    await stack.raw.request("dagnats.triggers.create", {
      name: "ha",
      workflow: "wf",
      type: "event",
      subject: "event.h.a",
    })
    await stack.raw.request("dagnats.triggers.create", {
      name: "hb",
      workflow: "wf",
      type: "event",
      subject: "event.h.b",
    })
    await stack.raw.request("dagnats.triggers.list", {})
    for (let i = 0; i < 30; i++) {
      await stack.raw.publish("event.h.a", JSON.stringify({ i }))
      await stack.raw.publish("event.h.b", JSON.stringify({ i }))
      await stack.raw.publish("event.h.b", JSON.stringify({ i, again: true }))
    }
    await stack.raw.settled(30_000)
    // No engine reports on these runs: each fired record is read back with its run's status, pending.
    const stored = (await stack.raw.messages("TRIGGER_HISTORY", "trigger.fire.ha"))
      .map((m) => ({ ...(m.data as Record<string, any>), run_status: "pending" }))
      .reverse()
    expect(stored.length).toBe(30)
    for (const limit of [1, 3, 30]) {
      const { fires } = await cli<{ fires: Array<Record<string, any>> }>(
        "trigger",
        "history",
        "ha",
        "--limit",
        String(limit),
      )
      expect(fires).toEqual(stored.slice(0, limit))
    }
    const { fires } = await cli<{ fires: Array<Record<string, any>> }>("trigger", "history", "ha", "--limit", "100")
    expect(fires).toEqual(stored)
  })

  it("trigger history - a trigger with no records answers an empty list", async () => {
    await stack.raw.request("dagnats.triggers.create", {
      name: "quiet",
      workflow: "wf",
      type: "event",
      subject: "event.quiet",
    })
    expect(await cli("trigger", "history", "quiet")).toEqual({ fires: [] })
  })
})
