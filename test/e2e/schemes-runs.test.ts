// Proves that for every signature scheme a delivery sent twice starts exactly one run (the delivery
// id is part of the run id), and that a Slack form-encoded interactivity payload becomes a run whose
// input is the decoded JSON.
import { describe, expect, it } from "vitest"
import { e2eStack } from "../support/e2e-stack.js"
import { schemes, SchemeNames, type SchemeName } from "../../src/domain/signatures/index.js"
import { eventually } from "../support/poll.js"
import { send } from "./ingest-support.js"

const stack = e2eStack()

// A standard-webhooks secret must be base64 after its whsec_ prefix; the others take any string.
const secretFor = (scheme: SchemeName) =>
  scheme === "standard" ? "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" : `secret-${scheme}`

const bodyFor = (scheme: SchemeName, n: number) =>
  JSON.stringify(
    scheme === "stripe"
      ? { id: `evt_${n}`, type: "charge.succeeded" }
      : scheme === "slack"
        ? { type: "event_callback", event_id: `Ev${n}` }
        : { n },
  )

const runsOf = async (trigger: string) => (await stack.raw.allRuns()).filter((r) => r.trigger.name === trigger)

describe("schemes and runs - a delivery sent twice starts one run", () => {
  it.each(SchemeNames.map((s) => [s]))(
    "schemes and runs - %s: the same delivery id posted twice gives one run",
    async (scheme) => {
      const name = `dup-${scheme}`
      await stack.raw.request("dagnats.triggers.create", {
        name,
        workflow: "wf",
        type: "webhook",
        scheme,
        secrets: [secretFor(scheme)],
      })
      await stack.raw.request("dagnats.triggers.list", {})
      const body = bodyFor(scheme, 1)
      const headers = schemes[scheme].sign({
        rawBody: Buffer.from(body),
        secret: secretFor(scheme),
        nowMs: Date.now(),
        deliveryId: `delivery-${scheme}-1`,
      })
      const post = () =>
        send(`${stack.serve.baseUrl}/v1/webhooks/${name}`, {
          headers: { "Content-Type": "application/json", ...headers },
          body,
        })
      const first = await post()
      const second = await post()
      expect([first.status, second.status]).toStrictEqual([202, 202])
      expect([first.json.duplicate, second.json.duplicate]).toStrictEqual([false, true])
      await stack.raw.settled()
      const runs = await runsOf(name)
      expect(runs).toHaveLength(1)
      expect(runs[0]!.input).toStrictEqual(JSON.parse(body))
      expect(runs[0]!.event.delivery_id).not.toBeNull()
    },
  )
})

describe("schemes and runs - Slack forms", () => {
  it("schemes and runs - a form-encoded Slack interactivity payload becomes a run whose input is the decoded JSON", async () => {
    await stack.raw.request("dagnats.triggers.create", {
      name: "slack-forms",
      workflow: "chatops",
      type: "webhook",
      scheme: "slack",
      secrets: ["slack-signing"],
    })
    await stack.raw.request("dagnats.triggers.list", {})
    const payload = { type: "block_actions", user: { id: "U1" }, actions: [{ action_id: "approve", value: "yes" }] }
    const body = new URLSearchParams({ payload: JSON.stringify(payload), token: "legacy" }).toString()
    const headers = schemes.slack.sign({ rawBody: Buffer.from(body), secret: "slack-signing", nowMs: Date.now() })
    const reply = await send(`${stack.serve.baseUrl}/v1/webhooks/slack-forms`, {
      headers: { "Content-Type": "application/x-www-form-urlencoded", ...headers },
      body,
    })
    expect(reply.status).toBe(202)
    await eventually(async () => expect(await runsOf("slack-forms")).toHaveLength(1))
    const [run] = await runsOf("slack-forms")
    expect(run!.input).toStrictEqual({ payload, token: "legacy" })
    expect(run!.workflow).toBe("chatops")
  })
})

describe("schemes and runs - one delivery id, two triggers", () => {
  it("schemes and runs - the same delivery id sent to two triggers is stored for both, each starts one run, and a retry to either is a duplicate", async () => {
    const secret = secretFor("standard")
    for (const name of ["fanout-a", "fanout-b"]) {
      await stack.raw.request("dagnats.triggers.create", {
        name,
        workflow: `${name}-wf`,
        type: "webhook",
        scheme: "standard",
        secrets: [secret],
      })
    }
    await stack.raw.request("dagnats.triggers.list", {})
    const body = JSON.stringify({ type: "user.created", id: "u1" })
    const headers = schemes.standard.sign({
      rawBody: Buffer.from(body),
      secret,
      nowMs: Date.now(),
      deliveryId: "msg_shared_1",
    })
    const post = (name: string) =>
      send(`${stack.serve.baseUrl}/v1/webhooks/${name}`, {
        headers: { "Content-Type": "application/json", ...headers },
        body,
      })
    const replies = [await post("fanout-a"), await post("fanout-b"), await post("fanout-b"), await post("fanout-a")]
    expect(replies.map((r) => [r.status, r.json.subject, r.json.duplicate])).toStrictEqual([
      [202, "event.webhook.fanout-a", false],
      [202, "event.webhook.fanout-b", false],
      [202, "event.webhook.fanout-b", true],
      [202, "event.webhook.fanout-a", true],
    ])
    await stack.raw.settled()
    for (const name of ["fanout-a", "fanout-b"]) {
      const runs = await runsOf(name)
      expect(runs.map((r) => [r.workflow, r.event.delivery_id])).toStrictEqual([[`${name}-wf`, "msg_shared_1"]])
    }
  })
})

describe("schemes and runs - metrics", () => {
  it("schemes and runs - /metrics counts every fired outcome of this file's runs (7 schemes, 1 Slack form, 2 fan-out)", async () => {
    await stack.raw.settled()
    const metrics = await send(`${stack.serve.baseUrl}/metrics`, { method: "GET" })
    expect(metrics.status).toBe(200)
    expect(metrics.text).toMatch(/^dagnats_trigger_outcomes_total\{outcome="fired"\} 10$/m)
  })
})
