// Proves trace context and workflow names reach the engine: a webhook's traceparent (or a new one) is on the stored event and, with the same trace id, on workflow.started (trace_parent and header); an event publisher's traceparent is kept; trigger create/update warn about a workflow the engine's workflow_defs lacks and refuse it with --require-workflow.
import { describe, expect, test } from "vitest"
import { e2eStack } from "../support/e2e-stack.js"
import { signed } from "./ingest-support.js"
import { startNatsServer } from "../support/nats-server.js"
import { startServe } from "../support/serve.js"
import { openRawNats } from "../support/raw-nats.js"
import { headers as natsHeaders } from "@nats-io/nats-core"
import { runCli } from "../support/cli.js"

const SECRET = "trace-secret"
const TRACE = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
const SHAPE = /^00-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/
const stack = e2eStack({ engine: true })
const cli = stack.cli

/** `trigger create` of a webhook trigger without verification for `workflow`, against the server at `url`. */
const createWebhook = (url: string, name: string, workflow: string, ...flags: Array<string>) =>
  runCli(["trigger", "create", name, "--workflow", workflow, "--webhook", "--no-verify", ...flags, "--nats-url", url])

const post = async (name: string, headers: Record<string, string>) => {
  const body = JSON.stringify({ name })
  const r = await fetch(`${stack.serve.baseUrl}/v1/webhooks/${name}`, {
    method: "POST",
    headers: signed(SECRET, body, headers),
    body,
  })
  expect(r.status).toBe(202)
  return (await r.json()) as { seq: number }
}

/** The stored event's traceparent, and the run's workflow.started body and traceparent header. */
const traceOf = async (trigger: string, seq: number) => {
  const stored = await stack.raw.jsm.streams.getMessage("EVENTS", { seq })
  await stack.raw.settled()
  const runs = (await cli("run", "list", "--trigger", trigger)).runs
  expect(runs).toHaveLength(1)
  const [started] = await stack.raw.messages("WORKFLOW_HISTORY", `history.${runs[0].run_id}`)
  return {
    stored: stored!.header.get("traceparent"),
    event: started!.data as Record<string, any>,
    header: started!.headers["traceparent"],
  }
}

describe("trace context", () => {
  test("webhook - the sender's traceparent is stored on the event and is workflow.started's trace_parent and traceparent header", async () => {
    await cli("trigger", "create", "traced", "--workflow", "report", "--webhook", "--secret", SECRET)
    await stack.raw.request("dagnats.triggers.list", {})
    const { seq } = await post("traced", { traceparent: TRACE })
    const t = await traceOf("traced", seq)
    expect([t.stored, t.event.trace_parent, t.event.payload.trace_parent, t.header]).toStrictEqual([
      TRACE,
      TRACE,
      TRACE,
      TRACE,
    ])
  })

  test("webhook - without a valid traceparent a new trace is stored and the run continues that same trace", async () => {
    await cli("trigger", "create", "untraced", "--workflow", "report", "--webhook", "--secret", SECRET)
    await stack.raw.request("dagnats.triggers.list", {})
    const { seq } = await post("untraced", { traceparent: "not-a-trace" })
    const t = await traceOf("untraced", seq)
    expect(t.stored).toMatch(SHAPE)
    expect(t.stored).not.toBe("not-a-trace")
    expect([t.event.trace_parent, t.event.payload.trace_parent, t.header]).toStrictEqual([t.stored, t.stored, t.stored])
  })

  test("event trigger - a publisher's traceparent header is kept on the run it starts", async () => {
    await cli("trigger", "create", "traced-events", "--workflow", "report", "--subject", "event.traced.>")
    await stack.raw.request("dagnats.triggers.list", {})
    const h = natsHeaders()
    h.set("Content-Type", "application/json")
    h.set("traceparent", TRACE)
    const ack = await stack.raw.js.publish("event.traced.one", JSON.stringify({ a: 1 }), { headers: h })
    const t = await traceOf("traced-events", ack.seq)
    expect([t.event.trace_parent, t.header]).toStrictEqual([TRACE, TRACE])
  })

  test("event trigger - an event without traceparent starts a run with a new valid trace", async () => {
    await cli("trigger", "create", "plain-events", "--workflow", "report", "--subject", "event.plain.>")
    await stack.raw.request("dagnats.triggers.list", {})
    const seq = await stack.raw.publish("event.plain.one", JSON.stringify({ a: 1 }))
    const t = await traceOf("plain-events", seq)
    expect(t.event.trace_parent).toMatch(SHAPE)
    expect(t.header).toBe(t.event.trace_parent)
  })

  test("batch - the run continues the trace of the last event of the batch", async () => {
    await cli(
      "trigger",
      "create",
      "traced-batch",
      "--workflow",
      "report",
      "--subject",
      "event.tbatch.>",
      "--batch-size",
      "2",
      "--batch-timeout",
      "10m",
    )
    await stack.raw.request("dagnats.triggers.list", {})
    const traces = [
      "00-11111111111111111111111111111111-1111111111111111-01",
      "00-22222222222222222222222222222222-2222222222222222-01",
    ]
    for (const [i, tp] of traces.entries()) {
      const h = natsHeaders()
      h.set("Content-Type", "application/json")
      h.set("traceparent", tp)
      await stack.raw.js.publish("event.tbatch.x", JSON.stringify({ i }), { headers: h })
    }
    await stack.raw.settled()
    const runs = (await cli("run", "list", "--trigger", "traced-batch")).runs
    expect(runs.map((r: any) => r.input)).toStrictEqual([[{ i: 0 }, { i: 1 }]])
    const [started] = await stack.raw.messages("WORKFLOW_HISTORY", `history.${runs[0].run_id}`)
    expect([(started!.data as any).trace_parent, started!.headers["traceparent"]]).toStrictEqual([traces[1], traces[1]])
  })
})

describe("workflow names the engine knows", () => {
  test("trigger create - a workflow registered in workflow_defs gives no warning", async () => {
    const r = await createWebhook(stack.url, "known-wf", "report", "--json")
    expect(r.code).toBe(0)
    expect(r.stderr).toBe("")
    expect(JSON.parse(r.stdout).warnings).toBeUndefined()
  })

  test("trigger create - an unregistered workflow is created with a warning on stderr and in --json warnings", async () => {
    const warning = 'workflow "nope" is not registered in the engine\'s workflow_defs: its runs will fail until it is'
    const r = await createWebhook(stack.url, "unknown-wf", "nope", "--json")
    expect(r.code).toBe(0)
    expect(r.stderr).toBe(`dagnats: warning: ${warning}\n`)
    expect(JSON.parse(r.stdout).warnings).toStrictEqual([warning])
    const human = await stack.cliRaw("trigger", "update", "unknown-wf", "--disabled")
    expect(human.code).toBe(0)
    expect(human.stdout).toMatch(/^updated trigger unknown-wf/)
    expect(human.stderr).toBe(`dagnats: warning: ${warning}\n`)
  })

  test("trigger create - an invalid workflow name is refused with 400 naming the field, not looked up in workflow_defs", async () => {
    const body = { name: "bad-wf", type: "webhook", workflow: "a.b c", verify: false, require_workflow: true }
    await expect(stack.raw.request("dagnats.triggers.create", body)).rejects.toThrow(/→ 400: .*workflow/)
  })

  test("trigger create/update --require-workflow - an unregistered workflow is refused (exit 1) and nothing is written", async () => {
    const r = await createWebhook(stack.url, "strict", "nope", "--require-workflow")
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/workflow: workflow "nope" is not registered in the engine's workflow_defs/)
    expect((await stack.cliRaw("trigger", "get", "strict")).code).toBe(1)
    await cli("trigger", "create", "strict", "--workflow", "report", "--webhook", "--no-verify", "--require-workflow")
    const u = await stack.cliRaw("trigger", "update", "strict", "--workflow", "nope", "--require-workflow")
    expect(u.code).toBe(1)
    expect((await cli("trigger", "get", "strict")).workflow).toBe("report")
  })
})

test("workflow names - without the engine's workflow_defs bucket nothing is checked and none is created", async () => {
  const other = await startNatsServer()
  const lone = await startServe({ natsUrl: other.url })
  try {
    const r = await createWebhook(other.url, "lone", "anything", "--require-workflow", "--json")
    expect(r.code).toBe(0)
    expect(r.stderr).toBe("")
    const o = await openRawNats(other.url)
    await expect(o.jsm.streams.info("KV_workflow_defs")).rejects.toThrow(/stream not found/)
    await o.close()
  } finally {
    await lone.stop()
    await other.dispose()
  }
})
