// Proves webhooks drive triggers end to end (SPEC §5, §6): the README's GitHub example, header filters, disabled webhook triggers, and one run per X-GitHub-Delivery even when posted twice or when serve is killed right after the 202.
import { describe, expect, test } from "vitest"
import { e2eStack } from "../support/e2e-stack.js"
import { signed, DELIVERY_ID } from "./ingest-support.js"
import { startServe } from "../support/serve.js"
import { runIdFor } from "../../src/domain/run-id.js"
import { withoutAt } from "../support/raw-nats.js"

const SECRET = "It's a Secret to Everybody"

const stack = e2eStack()
const cli = stack.cli

/** POST a body signed with the default scheme, as GitHub or any HMAC sender would. */
const post = async (base: string, name: string, payload: unknown, headers: Record<string, string> = {}) => {
  const body = JSON.stringify(payload)
  const res = await fetch(`${base}/v1/webhooks/${name}`, {
    method: "POST",
    headers: signed(SECRET, body, headers),
    body,
  })
  return { status: res.status, body: (await res.json()) as Record<string, any> }
}

/** Wait until the (single) serve's trigger table has caught up with every trigger write. */
const tableSynced = () => stack.raw.request("dagnats.triggers.list", {})
const runsOf = async (workflow: string) => (await stack.raw.allRuns()).filter((r) => r.workflow === workflow)

describe("the README example", () => {
  test("webhook - an opened pull request starts a github-handler run and a pr-review run; a closed one only github-handler, with on-pr-opened filtered", async () => {
    await cli("trigger", "create", "github-events", "--workflow", "github-handler", "--webhook", "--secret", SECRET)
    await cli(
      "trigger",
      "create",
      "on-pr-opened",
      "--workflow",
      "pr-review",
      "--subject",
      "event.webhook.github-events",
      "--filter-field",
      "action",
      "--filter-value",
      "opened",
    )
    await tableSynced()

    const opened = { action: "opened", number: 1347, pull_request: { head: { ref: "feature/x" }, draft: false } }
    const a = await post(stack.serve.baseUrl, "github-events", opened)
    expect(a).toStrictEqual({
      status: 202,
      body: {
        accepted: true,
        subject: "event.webhook.github-events",
        stream: "EVENTS",
        seq: a.body.seq,
        duplicate: false,
        delivery_id: DELIVERY_ID,
      },
    })
    await stack.raw.settled()
    const closed = { action: "closed", number: 1347 }
    const b = await post(stack.serve.baseUrl, "github-events", closed)
    expect(b.status).toBe(202)
    await stack.raw.settled()

    const handler = (await cli("run", "list", "--workflow", "github-handler")).runs
    expect(handler.map((r: any) => [r.input, r.trigger, r.event.seq])).toStrictEqual([
      [closed, { name: "github-events", type: "webhook" }, b.body.seq],
      [opened, { name: "github-events", type: "webhook" }, a.body.seq],
    ])
    const review = (await cli("run", "list", "--workflow", "pr-review")).runs
    expect(review.map((r: any) => [r.input, r.trigger, r.event.seq])).toStrictEqual([
      [opened, { name: "on-pr-opened", type: "event" }, a.body.seq],
    ])
    const started = await stack.raw.messages("WORKFLOW_HISTORY", `history.${handler[1].run_id}`)
    expect(started.map((m) => (m.data as any).payload)).toStrictEqual([
      {
        trigger: "webhook",
        source: "github-events",
        workflow_id: "github-handler",
        timestamp: (started[0]!.data as any).timestamp,
        data: opened,
        trace_parent: (started[0]!.data as any).trace_parent,
      },
    ])

    const history = await cli("trigger", "history", "on-pr-opened")
    expect(history.fires.map(withoutAt)).toStrictEqual([
      {
        trigger: "on-pr-opened",
        workflow: "pr-review",
        outcome: "skipped",
        reason: "filtered",
        detail: 'field "action" is "closed", want "opened"',
        event: { subject: "event.webhook.github-events", seq: b.body.seq },
      },
      {
        trigger: "on-pr-opened",
        workflow: "pr-review",
        outcome: "fired",
        run_id: review[0].run_id,
        count: 1,
        event: { subject: "event.webhook.github-events", seq: a.body.seq },
      },
    ])
  })
})

describe("header filters and disabled webhook triggers", () => {
  test("webhook - a header filter on X-GitHub-Event starts a run only for that event type, whatever the header's case", async () => {
    await cli(
      "trigger",
      "create",
      "gh-prs",
      "--workflow",
      "gh-prs-wf",
      "--webhook",
      "--secret",
      SECRET,
      "--filter-header",
      "X-GitHub-Event=pull_request",
    )
    await tableSynced()
    const pr = await post(stack.serve.baseUrl, "gh-prs", { n: 1 }, { "x-github-event": "pull_request" })
    const push = await post(stack.serve.baseUrl, "gh-prs", { n: 2 }, { "X-GitHub-Event": "push" })
    const none = await post(stack.serve.baseUrl, "gh-prs", { n: 3 })
    expect([pr.status, push.status, none.status]).toStrictEqual([202, 202, 202])
    await stack.raw.settled()
    const epoch = (await stack.raw.jsm.streams.info("EVENTS")).created.replace(/\D/g, "")
    const skippedAt = (seq: number, detail: string) => ({
      trigger: "gh-prs",
      workflow: "gh-prs-wf",
      outcome: "skipped",
      reason: "filtered",
      detail,
      event: { subject: "event.webhook.gh-prs", seq },
    })
    expect((await stack.raw.fires("gh-prs")).map(withoutAt)).toStrictEqual([
      {
        trigger: "gh-prs",
        workflow: "gh-prs-wf",
        outcome: "fired",
        run_id: runIdFor("gh-prs", { kind: "sequence", seq: pr.body.seq, epoch }),
        count: 1,
        event: { subject: "event.webhook.gh-prs", seq: pr.body.seq },
      },
      skippedAt(push.body.seq, 'header "x-github-event" is "push", want "pull_request"'),
      skippedAt(none.body.seq, 'header "x-github-event" is missing'),
    ])
    expect((await runsOf("gh-prs-wf")).map((r) => r.input)).toStrictEqual([{ n: 1 }])
  })

  test("webhook - header and field filters together must all hold", async () => {
    await cli(
      "trigger",
      "create",
      "gh-both",
      "--workflow",
      "gh-both-wf",
      "--webhook",
      "--secret",
      SECRET,
      "--filter-header",
      "X-GitHub-Event=pull_request",
      "--filter-field",
      "pull_request.head.ref",
      "--filter-value",
      "main",
    )
    await tableSynced()
    const ok = await post(
      stack.serve.baseUrl,
      "gh-both",
      { pull_request: { head: { ref: "main" } } },
      { "X-GitHub-Event": "pull_request" },
    )
    await post(
      stack.serve.baseUrl,
      "gh-both",
      { pull_request: { head: { ref: "dev" } } },
      { "X-GitHub-Event": "pull_request" },
    )
    await post(
      stack.serve.baseUrl,
      "gh-both",
      { pull_request: { head: { ref: "main" } } },
      { "X-GitHub-Event": "push" },
    )
    await stack.raw.settled()
    expect((await stack.raw.fires("gh-both")).map((f) => f.outcome)).toStrictEqual(["fired", "skipped", "skipped"])
    expect((await runsOf("gh-both-wf")).map((r) => r.event.seq)).toStrictEqual([ok.body.seq])
  })

  test("webhook - a disabled webhook trigger still answers 202 and records skipped disabled, starting no run", async () => {
    await cli("trigger", "create", "gh-off", "--workflow", "gh-off-wf", "--webhook", "--secret", SECRET, "--disabled")
    await tableSynced()
    const r = await post(stack.serve.baseUrl, "gh-off", { n: 1 })
    expect(r.status).toBe(202)
    await stack.raw.settled()
    expect((await stack.raw.fires("gh-off")).map(withoutAt)).toStrictEqual([
      {
        trigger: "gh-off",
        workflow: "gh-off-wf",
        outcome: "skipped",
        reason: "disabled",
        event: { subject: "event.webhook.gh-off", seq: r.body.seq },
      },
    ])
    expect(await runsOf("gh-off-wf")).toStrictEqual([])
  })
})

describe("idempotency", () => {
  test("webhook - the same X-GitHub-Delivery posted twice is stored once and starts one run", async () => {
    await cli("trigger", "create", "gh-dup", "--workflow", "gh-dup-wf", "--webhook", "--secret", SECRET)
    await tableSynced()
    const delivery = "72d3162e-cc78-11e3-81ab-4c9367dc0958"
    const first = await post(stack.serve.baseUrl, "gh-dup", { action: "opened" }, { "X-GitHub-Delivery": delivery })
    const second = await post(stack.serve.baseUrl, "gh-dup", { action: "opened" }, { "X-GitHub-Delivery": delivery })
    expect(first.body).toStrictEqual({
      accepted: true,
      subject: "event.webhook.gh-dup",
      stream: "EVENTS",
      seq: first.body.seq,
      duplicate: false,
      delivery_id: DELIVERY_ID,
    })
    expect(second.body).toStrictEqual({
      accepted: true,
      subject: "event.webhook.gh-dup",
      stream: "EVENTS",
      seq: first.body.seq,
      duplicate: true,
      delivery_id: DELIVERY_ID,
    })
    await stack.raw.settled()
    const runId = runIdFor("gh-dup", { kind: "delivery", deliveryId: delivery })
    expect((await runsOf("gh-dup-wf")).map((r) => [r.run_id, r.event])).toStrictEqual([
      [runId, { subject: "event.webhook.gh-dup", seq: first.body.seq, delivery_id: delivery }],
    ])
    expect((await stack.raw.fires("gh-dup")).map((f) => [f.outcome, f.run_id])).toStrictEqual([["fired", runId]])
    expect(await stack.raw.messages("WORKFLOW_HISTORY", `history.${runId}`)).toHaveLength(1)
  })

  test("webhook - serve killed after its 202 and before evaluating: exactly one run once a serve is back", async () => {
    await cli("trigger", "create", "gh-crash", "--workflow", "gh-crash-wf", "--webhook", "--secret", SECRET)
    const ingestOnly = await startServe({ natsUrl: stack.url, env: { DAGNATS_EVALUATOR: "off" } })
    try {
      // The evaluating serve of this file is stopped first, so nothing evaluates before the kill.
      await stack.serve.stop()
      const r = await post(ingestOnly.baseUrl, "gh-crash", { n: 1 }, { "X-GitHub-Delivery": "crash-1" })
      expect(r.status).toBe(202)
      await ingestOnly.kill()
      expect(await runsOf("gh-crash-wf")).toStrictEqual([])
    } finally {
      await ingestOnly.kill()
      await stack.startServeAgain()
    }
    await stack.raw.settled()
    const runId = runIdFor("gh-crash", { kind: "delivery", deliveryId: "crash-1" })
    expect((await runsOf("gh-crash-wf")).map((r) => [r.run_id, r.input])).toStrictEqual([[runId, { n: 1 }]])
    expect(await stack.raw.messages("WORKFLOW_HISTORY", `history.${runId}`)).toHaveLength(1)
  })
})

describe("serve --role", () => {
  test("serve roles - a webhook taken by a --role ingest serve starts exactly one run through a --role evaluate serve, whose listener answers webhook paths 404 and /readyz 200", async () => {
    await cli("trigger", "create", "gh-roles", "--workflow", "gh-roles-wf", "--webhook", "--secret", SECRET)
    // Only the two role serves run: the file's serve (role all) could otherwise do either part.
    await stack.serve.stop()
    const ingest = await startServe({ natsUrl: stack.url, args: ["--role", "ingest"] })
    const evaluate = await startServe({ natsUrl: stack.url, env: { DAGNATS_ROLE: "evaluate" } })
    try {
      expect(ingest.log()).toContain("evaluator off (--role ingest): this serve starts no runs")
      expect(ingest.log()).toContain("dagnats serve ready (--role ingest)")
      expect(evaluate.log()).toContain("(--role evaluate: /healthz, /readyz and /metrics only, no webhooks)")
      expect(evaluate.log()).toContain("dagnats serve ready (--role evaluate)")

      const refused = await post(evaluate.baseUrl, "gh-roles", { n: 1 }, { "X-GitHub-Delivery": "roles-0" })
      expect(refused.status).toBe(404)
      expect((await fetch(`${evaluate.baseUrl}/readyz`)).status).toBe(200)

      const r = await post(ingest.baseUrl, "gh-roles", { n: 1 }, { "X-GitHub-Delivery": "roles-1" })
      expect(r.status).toBe(202)
      await stack.raw.settled()
      const runId = runIdFor("gh-roles", { kind: "delivery", deliveryId: "roles-1" })
      expect((await runsOf("gh-roles-wf")).map((x) => [x.run_id, x.input])).toStrictEqual([[runId, { n: 1 }]])
      expect(await stack.raw.messages("WORKFLOW_HISTORY", `history.${runId}`)).toHaveLength(1)
    } finally {
      await Promise.all([ingest.stop(), evaluate.stop()])
      await stack.startServeAgain()
    }
  })
})
