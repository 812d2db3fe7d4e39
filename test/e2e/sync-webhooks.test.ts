// Proves synchronous webhooks end to end (SPEC §14): a trigger with `respond` answers the request with
// what its run responded (the engine stand-in publishes on dagnats.http.response.{run_id} and
// history.{run_id}), each row of the answer table, the engine's HTTP envelope as the run's data,
// retries by delivery id, the bound on waiting requests, a client that leaves, SIGTERM, and a listener
// in one serve while another serve's evaluator starts the run.
import { request as httpRequest } from "node:http"
import { afterAll, beforeAll, describe, expect, test } from "vitest"
import type { Msg, Subscription } from "@nats-io/nats-core"
import { Kvm } from "@nats-io/kv"
import { e2eStack } from "../support/e2e-stack.js"
import { DELIVERY_ID, send } from "./ingest-support.js"
import { publishHttpResponse, publishLifecycle } from "../support/engine-fixture.js"
import { startServe, type ServeProcess } from "../support/serve.js"
import { eventually } from "../support/poll.js"
import { runIdFor } from "../../src/domain/run-id.js"
import { connectAs, startShippedStack, type ShippedStack } from "../support/conf.js"

const stack = e2eStack()
const cli = stack.cli
const decoder = new TextDecoder()

type Started = { run_id: string; payload: { trigger: string; source: string; data: any } }
/** What the engine stand-in does with a run of each trigger, by trigger name. */
const script = new Map<string, (s: Started) => Promise<void>>()
let standIn: Subscription | undefined

beforeAll(() => {
  // The stand-in executes runs as the engine would: it sees workflow.started and answers per script.
  standIn = stack.raw.nc.subscribe("history.*", {
    callback: (err: Error | null, m: Msg) => {
      if (err !== null) return
      const event = JSON.parse(decoder.decode(m.data)) as Started & { type: string }
      if (event.type !== "workflow.started") return
      void script.get(event.payload.source)?.(event)
    },
  })
})
afterAll(() => standIn?.unsubscribe())

const syncTrigger = async (name: string, ...flags: Array<string>) => {
  await cli("trigger", "create", name, "--workflow", "wf", "--webhook", "--no-verify", "--respond", ...flags)
  await stack.raw.request("dagnats.triggers.list", {})
}

const post = (base: string, name: string, body: unknown, headers: Record<string, string> = {}, query = "") =>
  send(`${base}/v1/webhooks/${name}${query}`, {
    headers: { "Content-Type": "application/json", ...headers },
    body: JSON.stringify(body),
  })

const runIdOf = (name: string, deliveryId: string) => runIdFor(name, { kind: "delivery", deliveryId })

describe("definition", () => {
  test("trigger create --respond stores respond {timeout: 30s} by default and trigger get shows it; --respond-timeout 2m is kept", async () => {
    await cli("trigger", "create", "sync-def", "--workflow", "wf", "--webhook", "--no-verify", "--respond")
    expect((await cli("trigger", "get", "sync-def")).respond).toStrictEqual({ timeout: "30s" })
    const human = await stack.cliRaw("trigger", "get", "sync-def")
    expect(human.stdout).toMatch(/^respond: +waits up to 30s$/m)
    await cli("trigger", "update", "sync-def", "--respond", "--respond-timeout", "2m")
    expect((await cli("trigger", "get", "sync-def")).respond).toStrictEqual({ timeout: "2m" })
    await cli("trigger", "update", "sync-def", "--no-respond")
    expect((await cli("trigger", "get", "sync-def")).respond).toBeUndefined()
  })

  test("respond is refused over 5m, with debounce, with batch, and on event triggers, each naming the field", async () => {
    const create = (...flags: Array<string>) =>
      stack.cliRaw("trigger", "create", "sync-bad", "--workflow", "wf", ...flags)
    const tooLong = await create("--webhook", "--respond", "--respond-timeout", "6m")
    expect([tooLong.code, tooLong.stderr]).toStrictEqual([2, expect.stringContaining("--respond-timeout")])
    expect(tooLong.stderr).toContain("must be at most 5m")
    const debounced = await create("--webhook", "--respond", "--debounce", "5s")
    expect([debounced.code, debounced.stderr]).toStrictEqual([
      2,
      expect.stringContaining("cannot be combined with debounce"),
    ])
    const batched = await create("--webhook", "--respond", "--batch-size", "2", "--batch-timeout", "5s")
    expect([batched.code, batched.stderr]).toStrictEqual([2, expect.stringContaining("cannot be combined with batch")])
    const event = await create("--subject", "event.x", "--respond")
    expect([event.code, event.stderr]).toStrictEqual([2, expect.stringContaining("only allowed for webhook triggers")])
  })
})

describe("the answer table", () => {
  test("a respond answer is the HTTP answer: status, headers, content type and the decoded body, with X-Dagnats-Run-Id and Dagnats-Delivery; the run's data is the HTTP envelope and payload.trigger is http", async () => {
    await syncTrigger("sync-ok")
    const seen: Array<Started> = []
    script.set("sync-ok", async (s) => {
      seen.push(s)
      await publishHttpResponse(stack.raw.nc, s.run_id, {
        status: 201,
        headers: { "X-Answer": "yes" },
        content_type: "text/plain; charset=utf-8",
        body: Buffer.from("created for " + s.run_id).toString("base64"),
      })
    })
    // A client's own Dagnats-Query is dropped: the query is the request line's.
    const reply = await post(
      stack.serve.baseUrl,
      "sync-ok",
      { text: "hi" },
      { "X-Team": "t1", "Dagnats-Query": "a=forged" },
      "?a=1&a=2&b=x",
    )
    const delivery = reply.headers["dagnats-delivery"] as string
    expect(delivery).toEqual(DELIVERY_ID)
    const runId = runIdOf("sync-ok", delivery)
    expect([reply.status, reply.text, reply.headers["x-answer"], reply.headers["content-type"]]).toStrictEqual([
      201,
      `created for ${runId}`,
      "yes",
      "text/plain; charset=utf-8",
    ])
    expect(reply.headers["x-dagnats-run-id"]).toBe(runId)
    expect(seen.length).toBe(1)
    expect(seen[0]!.payload.trigger).toBe("http")
    const envelope = seen[0]!.payload.data
    expect(envelope).toStrictEqual({
      method: "POST",
      path: "/v1/webhooks/sync-ok",
      query: { a: "1", b: "x" },
      headers: expect.objectContaining({ "x-team": "t1", "content-type": "application/json" }),
      body: Buffer.from(JSON.stringify({ text: "hi" })).toString("base64"),
    })
    expect(
      Object.keys(envelope.headers).filter((h) => h.startsWith("dagnats-") || h.startsWith("nats-")),
    ).toStrictEqual([])
    const run = await cli("run", "get", runId)
    expect([run.input, run.trigger, run.event.delivery_id]).toStrictEqual([
      envelope,
      { name: "sync-ok", type: "webhook" },
      delivery,
    ])
  })

  test("webhook send shows the run's answer: --json gives its status and body", async () => {
    await syncTrigger("sync-send")
    script.set("sync-send", (s) =>
      publishHttpResponse(stack.raw.nc, s.run_id, {
        status: 200,
        content_type: "application/json",
        body: Buffer.from('{"text":"pong"}').toString("base64"),
      }),
    )
    const sent = await cli("webhook", "send", "sync-send", "--data", '{"text":"ping"}', "--url", stack.serve.baseUrl)
    expect(sent).toStrictEqual({ status: 200, body: { text: "pong" } })
  })

  test("--input-map still replaces the run's data, and --when sees the parsed body", async () => {
    await syncTrigger("sync-mapped", "--when", 'body.text != "skip"', "--input-map", '{"t": body.text}')
    const seen: Array<Started> = []
    script.set("sync-mapped", async (s) => {
      seen.push(s)
      await publishHttpResponse(stack.raw.nc, s.run_id, { status: 200 })
    })
    expect((await post(stack.serve.baseUrl, "sync-mapped", { text: "hi" })).status).toBe(200)
    expect([seen[0]!.payload.trigger, seen[0]!.payload.data]).toStrictEqual(["http", { t: "hi" }])
    const skipped = await post(stack.serve.baseUrl, "sync-mapped", { text: "skip" })
    expect([skipped.status, skipped.json.run_id, skipped.json.reason]).toStrictEqual([202, null, "filtered"])
  })

  test("status 0 is answered 200 with an empty body when the response has none", async () => {
    await syncTrigger("sync-zero")
    script.set("sync-zero", (s) => publishHttpResponse(stack.raw.nc, s.run_id, { status: 0 }))
    const reply = await post(stack.serve.baseUrl, "sync-zero", { n: 1 })
    expect([reply.status, reply.text]).toStrictEqual([200, ""])
  })

  test("workflow.failed → 500 workflow_failed, workflow.cancelled → 503 workflow_cancelled, a malformed response → 502 malformed_response, each with the run id", async () => {
    await syncTrigger("sync-failed")
    await syncTrigger("sync-cancelled")
    await syncTrigger("sync-malformed")
    script.set("sync-failed", async (s) => void (await publishLifecycle(stack.raw.js, s.run_id, "workflow.failed")))
    script.set(
      "sync-cancelled",
      async (s) => void (await publishLifecycle(stack.raw.js, s.run_id, "workflow.cancelled")),
    )
    script.set("sync-malformed", (s) => publishHttpResponse(stack.raw.nc, s.run_id, "this is not json"))
    const answers = await Promise.all(
      ["sync-failed", "sync-cancelled", "sync-malformed"].map((n) => post(stack.serve.baseUrl, n, { n })),
    )
    expect(
      answers.map((a) => [
        a.status,
        a.json.error.code,
        a.json.run_id,
        a.headers["x-dagnats-run-id"],
        a.json.delivery_id,
      ]),
    ).toStrictEqual(
      ["sync-failed", "sync-cancelled", "sync-malformed"].map((n, i) => {
        const runId = runIdOf(n, answers[i]!.headers["dagnats-delivery"] as string)
        return [
          [500, 503, 502][i],
          ["workflow_failed", "workflow_cancelled", "malformed_response"][i],
          runId,
          runId,
          DELIVERY_ID,
        ]
      }),
    )
  })

  test("no response within --respond-timeout is 504 workflow_timeout; a run that completes without responding is 504 at once", async () => {
    await syncTrigger("sync-silent", "--respond-timeout", "1s")
    await syncTrigger("sync-completes", "--respond-timeout", "1m")
    script.set(
      "sync-completes",
      async (s) => void (await publishLifecycle(stack.raw.js, s.run_id, "workflow.completed")),
    )
    const [silent, completes] = await Promise.all([
      post(stack.serve.baseUrl, "sync-silent", {}),
      post(stack.serve.baseUrl, "sync-completes", {}),
    ])
    expect([silent.status, silent.json.error.code]).toStrictEqual([504, "workflow_timeout"])
    expect([completes.status, completes.json.error.code]).toStrictEqual([504, "workflow_timeout"])
    expect(completes.json.error.message).toContain("completed without responding")
  })

  test("a retry of a delivery whose event started no run (same Idempotency-Key) is answered the same 202, run_id null, not a 504 after the timeout", async () => {
    await syncTrigger(
      "sync-filtered-retry",
      "--filter-field",
      "kind",
      "--filter-value",
      "wanted",
      "--respond-timeout",
      "5s",
    )
    const key = { "Idempotency-Key": "sync-filtered-retry-1" }
    const first = await post(stack.serve.baseUrl, "sync-filtered-retry", { kind: "other" }, key)
    const retry = await post(stack.serve.baseUrl, "sync-filtered-retry", { kind: "other" }, key)
    expect([first.status, first.json.run_id, first.json.reason]).toStrictEqual([202, null, "filtered"])
    expect([retry.status, retry.json.run_id, retry.json.reason, retry.json.duplicate]).toStrictEqual([
      202,
      null,
      "filtered",
      true,
    ])
  })

  test("an event that starts no run is answered 202 with run_id null and the reason: filtered, disabled", async () => {
    await syncTrigger("sync-filtered", "--filter-field", "kind", "--filter-value", "wanted")
    await syncTrigger("sync-off", "--disabled")
    const filtered = await post(stack.serve.baseUrl, "sync-filtered", { kind: "other" })
    const disabled = await post(stack.serve.baseUrl, "sync-off", { kind: "other" })
    for (const [reply, name, reason] of [
      [filtered, "sync-filtered", "filtered"],
      [disabled, "sync-off", "disabled"],
    ] as const) {
      expect([reply.status, reply.json]).toStrictEqual([
        202,
        {
          accepted: true,
          subject: `event.webhook.${name}`,
          stream: "EVENTS",
          seq: expect.any(Number),
          duplicate: false,
          delivery_id: DELIVERY_ID,
          run_id: null,
          reason,
        },
      ])
    }
  })
})

describe("retries, the client, the bound and shutdown", () => {
  test("a retry with the same Idempotency-Key starts no second run and gets the stored response of the first", async () => {
    await syncTrigger("sync-retry")
    let runs = 0
    script.set("sync-retry", async (s) => {
      runs++
      await publishHttpResponse(stack.raw.nc, s.run_id, { status: 200, body: Buffer.from("once").toString("base64") })
    })
    const first = await post(stack.serve.baseUrl, "sync-retry", { n: 1 }, { "Idempotency-Key": "key-1" })
    const again = await post(stack.serve.baseUrl, "sync-retry", { n: 1 }, { "Idempotency-Key": "key-1" })
    const runId = runIdOf("sync-retry", "key-1")
    expect([first.status, first.text, first.headers["x-dagnats-run-id"]]).toStrictEqual([200, "once", runId])
    expect([again.status, again.text, again.headers["x-dagnats-run-id"]]).toStrictEqual([200, "once", runId])
    expect(runs).toBe(1)
    expect((await stack.raw.allRuns()).filter((r) => r.trigger.name === "sync-retry").length).toBe(1)
  })

  test("a retry of a delivery whose run failed is answered 500 workflow_failed at once, from the run record; the delivery records the code", async () => {
    await syncTrigger("sync-retry-failed", "--respond-timeout", "1m")
    script.set(
      "sync-retry-failed",
      async (s) => void (await publishLifecycle(stack.raw.js, s.run_id, "workflow.failed")),
    )
    const first = await post(stack.serve.baseUrl, "sync-retry-failed", { n: 1 }, { "Idempotency-Key": "key-f" })
    const runId = runIdOf("sync-retry-failed", "key-f")
    expect([first.status, first.json.error.code]).toStrictEqual([500, "workflow_failed"])
    await eventually(async () => expect((await cli("run", "get", runId)).status).toBe("failed"))
    const again = await post(stack.serve.baseUrl, "sync-retry-failed", { n: 1 }, { "Idempotency-Key": "key-f" })
    expect([again.status, again.json.error.code, again.json.run_id]).toStrictEqual([500, "workflow_failed", runId])
    const deliveries = await eventually(async () => {
      const list = (await cli("delivery", "list", "--trigger", "sync-retry-failed")).deliveries
      expect(list.length).toBe(2)
      return list
    })
    expect(deliveries.map((d: any) => [d.response.status, d.response.code])).toStrictEqual([
      [500, "workflow_failed"],
      [500, "workflow_failed"],
    ])
  })

  test("a retry sent while the first request still waits is answered from the same run", async () => {
    await syncTrigger("sync-retry-wait")
    let release: (() => void) | undefined
    const released = new Promise<void>((r) => (release = r))
    script.set("sync-retry-wait", async (s) => {
      await released
      await publishHttpResponse(stack.raw.nc, s.run_id, { status: 202, body: Buffer.from("late").toString("base64") })
    })
    const first = post(stack.serve.baseUrl, "sync-retry-wait", { n: 1 }, { "Idempotency-Key": "key-2" })
    const runId = runIdOf("sync-retry-wait", "key-2")
    await eventually(async () => expect((await stack.raw.allRuns()).some((r) => r.run_id === runId)).toBe(true))
    const again = post(stack.serve.baseUrl, "sync-retry-wait", { n: 1 }, { "Idempotency-Key": "key-2" })
    // Both wait: the first request is not answered yet, so no delivery is recorded.
    expect((await cli("delivery", "list", "--trigger", "sync-retry-wait")).deliveries).toStrictEqual([])
    release!()
    const [a, b] = await Promise.all([first, again])
    expect([a.status, a.text, b.status, b.text]).toStrictEqual([202, "late", 202, "late"])
  })

  test("a client that goes away gets its delivery recorded 499 at once; the run goes on and its answer is kept for a retry", async () => {
    await syncTrigger("sync-gone", "--respond-timeout", "1m")
    const started = new Promise<string>((resolve) => script.set("sync-gone", async (s) => resolve(s.run_id)))
    const body = JSON.stringify({ n: 1 })
    const req = httpRequest(`${stack.serve.baseUrl}/v1/webhooks/sync-gone`, {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        "Content-Length": Buffer.byteLength(body),
        "Idempotency-Key": "gone-1",
      },
      agent: false,
    })
    req.on("error", () => undefined)
    req.end(body)
    const runId = await started
    expect(runId).toBe(runIdOf("sync-gone", "gone-1"))
    req.destroy()
    const delivery = await eventually(async () => {
      const list = (await cli("delivery", "list", "--trigger", "sync-gone")).deliveries
      expect(list.map((d: any) => d.response.status)).toStrictEqual([499])
      return list[0]
    })
    expect(delivery.event.seq).toEqual(expect.any(Number))
    expect((await cli("run", "get", runId)).status).toBe("pending")
    await publishHttpResponse(stack.raw.nc, runId, { status: 200, body: Buffer.from("kept").toString("base64") })
    // The serve still listened for the run after the client left, and kept its answer for a retry.
    const responses = await new Kvm(stack.raw.js).open("dagnats_responses")
    await eventually(async () => expect((await responses.get(runId))?.operation).toBe("PUT"))
    const retry = await post(stack.serve.baseUrl, "sync-gone", { n: 1 }, { "Idempotency-Key": "gone-1" })
    expect([retry.status, retry.text, retry.headers["x-dagnats-run-id"]]).toStrictEqual([200, "kept", runId])
  })

  describe("a second serve with DAGNATS_RESPOND_MAX_WAITING=1 and no evaluator", () => {
    let listener: ServeProcess | undefined
    beforeAll(async () => {
      listener = await startServe({
        natsUrl: stack.url,
        env: { DAGNATS_RESPOND_MAX_WAITING: "1", DAGNATS_EVALUATOR: "off" },
      })
    })
    afterAll(async () => void (await listener?.stop()))

    test("the listener's request is answered although the run was started by the other serve's evaluator", async () => {
      await syncTrigger("sync-two")
      script.set("sync-two", (s) =>
        publishHttpResponse(stack.raw.nc, s.run_id, { status: 200, body: Buffer.from("from afar").toString("base64") }),
      )
      await eventually(async () =>
        expect((await send(`${listener!.baseUrl}/readyz`, { method: "GET" })).status).toBe(200),
      )
      const reply = await post(listener!.baseUrl, "sync-two", { n: 2 })
      expect([reply.status, reply.text]).toStrictEqual([200, "from afar"])
    })

    test("a second waiting request is refused 503 with Retry-After; SIGTERM answers the waiting one 503", async () => {
      await syncTrigger("sync-bound", "--respond-timeout", "1m")
      const started = new Promise<string>((resolve) => script.set("sync-bound", async (s) => resolve(s.run_id)))
      const waiting = post(listener!.baseUrl, "sync-bound", { n: 1 })
      await started
      const metrics = await send(`${listener!.baseUrl}/metrics`, { method: "GET" })
      expect(metrics.text).toMatch(/^dagnats_respond_waiting_requests 1$/m)
      const refused = await post(listener!.baseUrl, "sync-bound", { n: 2 })
      expect([refused.status, refused.json.error.code, refused.headers["retry-after"]]).toStrictEqual([
        503,
        "unavailable",
        "2",
      ])
      const stopped = listener!.stop()
      const answer = await waiting
      expect([answer.status, answer.json.error.code, answer.headers["retry-after"]]).toStrictEqual([
        503,
        "unavailable",
        "2",
      ])
      expect(await stopped).toBe(0)
      listener = undefined
    })
  })
})

describe("the shipped nats.conf", () => {
  let shipped: ShippedStack | undefined
  beforeAll(async () => {
    shipped = await startShippedStack()
  })
  afterAll(async () => void (await shipped?.close()))

  test("serve as dagnats waits on dagnats.http.response.{run_id}, and the engine user's respond answers the request", async () => {
    const s = shipped!
    await s.cliJson(["trigger", "create", "sync-shipped", "--workflow", "wf", "--webhook", "--no-verify", "--respond"])
    await s.cliJson(["trigger", "list"])
    const runId = runIdOf("sync-shipped", "shipped-1")
    const engine = await connectAs(s.nats.url, "engine")
    try {
      const reply = post(s.serve.baseUrl, "sync-shipped", { n: 1 }, { "Idempotency-Key": "shipped-1" })
      // The engine answers once the run exists, as its respond step would.
      await eventually(async () => expect((await s.cliJson(["run", "get", runId])).run_id).toBe(runId), 20_000)
      await publishHttpResponse(engine, runId, { status: 200, body: Buffer.from("ok").toString("base64") })
      const answer = await reply
      expect([answer.status, answer.text, answer.headers["x-dagnats-run-id"]]).toStrictEqual([200, "ok", runId])
    } finally {
      await engine.close()
    }
  })
})
