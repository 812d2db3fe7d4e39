// Proves the overview's counts: per trigger, 2xx deliveries are accepted and any other status rejected,
// and only runs created since the hour's start count as started.
import { describe, expect, test } from "vitest"
import { overview } from "../../../src/console/overview.js"
import { pathParts } from "../../../src/console/api.js"

const delivery = (trigger: string, status: number) => ({
  id: "x",
  received_at: "2026-12-07T10:30:00.000Z",
  trigger,
  request: { method: "POST", path: `/v1/webhooks/${trigger}`, remote_addr: "127.0.0.1", size: 2 },
  response: { status, duration_ms: 1 },
})
const run = (trigger: string | null, created_at: string) => ({
  run_id: "r",
  workflow: "w",
  status: "pending",
  trigger: { name: trigger, type: "webhook" },
  event: null,
  created_at,
})

describe("console overview", () => {
  test("overview - deliveries count as accepted (2xx) or rejected per trigger, runs since the start of the hour per trigger, the most rejected first, then the busiest", () => {
    const o = overview({
      deliveries: {
        deliveries: [delivery("b", 202), delivery("b", 401), delivery("a", 200), delivery("_", 404)],
      } as never,
      runs: {
        runs: [
          run("a", "2026-12-07T10:05:00.000Z"),
          run("a", "2026-12-07T09:59:59.999Z"),
          run(null, "2026-12-07T10:01:00Z"),
        ],
      } as never,
      instances: [{ id: "i1", version: "0.1.0" }],
      since: "2026-12-07T10:00:00.000Z",
      nats: { server: "127.0.0.1:4222", version: "2.15.2", connected: true },
    })
    expect(o.triggers).toEqual([
      { trigger: "b", accepted: 1, rejected: 1, runs: 0 },
      { trigger: "_", accepted: 0, rejected: 1, runs: 0 },
      { trigger: "a", accepted: 1, rejected: 0, runs: 1 },
      { trigger: "(none)", accepted: 0, rejected: 0, runs: 1 },
    ])
    expect([o.more, o.truncated]).toEqual([0, false])
  })

  test("overview - the table keeps the 50 most rejected triggers and counts the rest", () => {
    const o = overview({
      deliveries: {
        deliveries: Array.from({ length: 60 }, (_, i) => delivery(`t${String(i).padStart(2, "0")}`, i < 5 ? 500 : 202)),
      } as never,
      runs: { runs: [] } as never,
      instances: [],
      since: "2026-12-07T10:00:00.000Z",
      nats: { server: "s", version: "v", connected: true },
    })
    expect([o.triggers.length, o.more, o.triggers.slice(0, 6).map((t) => t.trigger)]).toEqual([
      50,
      10,
      ["t00", "t01", "t02", "t03", "t04", "t05"],
    ])
  })

  test("overview - API paths split into decoded parts; bad percent-encoding is no path", () => {
    expect(pathParts("/api/triggers/a%2Fb/test")).toEqual(["api", "triggers", "a/b", "test"])
    expect(pathParts("/api/%E0%A4%A")).toBeUndefined()
  })
})
