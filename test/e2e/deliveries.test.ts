// Proves deliveries end to end: every webhook request gets a delivery id on its answer and exactly
// one record on DAGNATS_DELIVERIES with that id and its code; secrets, signatures and rejected bodies
// never reach the stream; a flood of rejections is capped per second with a suppressed count; and
// `dagnats delivery list|get` (and the micro endpoints) show the chain to decisions and runs.
import { describe, expect, test } from "vitest"
import { e2eStack } from "../support/e2e-stack.js"
import { eventually } from "../support/poll.js"
import { send, signed, triggers, webhookTrigger } from "./ingest-support.js"
import { DeliverPolicy } from "@nats-io/jetstream"

const MAX_BODY = 4096
const SECRET = "hook-secret-value-3f9a"
const ULID = /^[0-7][0-9A-HJKMNP-TV-Z]{25}$/

const stack = e2eStack({ serve: { args: ["--max-body", String(MAX_BODY)] } })
const url = (name: string) => `${stack.serve.baseUrl}/v1/webhooks/${name}`
const decoder = new TextDecoder()

/** Every message of DAGNATS_DELIVERIES, raw: subject and bytes. */
const allStored = async () => {
  const consumer = await stack.raw.js.consumers.get("DAGNATS_DELIVERIES", { deliver_policy: DeliverPolicy.All })
  const pending = (await consumer.info(true)).num_pending
  const out: Array<{ subject: string; text: string }> = []
  while (out.length < pending) {
    const batch = await consumer.fetch({ max_messages: Math.min(1_000, pending - out.length), expires: 5_000 })
    for await (const m of batch) out.push({ subject: m.subject, text: decoder.decode(m.data) })
  }
  await consumer.delete().catch(() => undefined)
  return out
}
const recordsWithId = async (id: string) =>
  (await allStored()).filter((m) => m.subject.endsWith(`.${id}`)).map((m) => JSON.parse(m.text))

/** The delivery id the answer carried: the header and the body's `delivery_id`, which must agree. */
const idOf = (r: { headers: Record<string, unknown>; json: any }): string => {
  const id = r.headers["dagnats-delivery"] as string
  expect(id).toMatch(ULID)
  expect(r.json.delivery_id).toBe(id)
  return id
}

let ready: Promise<void> | undefined
const setup = () =>
  (ready ??= (async () => {
    await webhookTrigger(stack.raw.nc, "hook", { secrets: [SECRET] })
    await webhookTrigger(stack.raw.nc, "nosecret")
    await webhookTrigger(stack.raw.nc, "multi", { workflow: "wf-multi", secrets: [SECRET] })
    await triggers(stack.raw.nc, "create", {
      name: "also",
      workflow: "wf-also",
      type: "event",
      subject: "event.webhook.multi",
    })
    await triggers(stack.raw.nc, "create", {
      name: "picky",
      workflow: "wf-picky",
      type: "event",
      subject: "event.webhook.multi",
      filters: [{ field: "action", value: "closed" }],
    })
    await stack.raw.request("dagnats.triggers.list", {})
  })())

const BODY = '{"action":"opened"}'

describe("deliveries - one record per request with the code its answer had", () => {
  const cases: ReadonlyArray<{
    readonly code: string
    readonly status: number
    readonly token: string
    readonly send: () => ReturnType<typeof send>
  }> = [
    {
      code: "not_found",
      status: 404,
      token: "nope",
      send: () => send(url("nope"), { body: BODY, headers: signed(SECRET, BODY) }),
    },
    { code: "method_not_allowed", status: 405, token: "hook", send: () => send(url("hook"), { method: "GET" }) },
    {
      code: "payload_too_large",
      status: 413,
      token: "hook",
      send: () => {
        const body = JSON.stringify({ pad: "x".repeat(MAX_BODY) })
        return send(url("hook"), { body, headers: signed(SECRET, body) })
      },
    },
    {
      code: "unsupported_media_type",
      status: 415,
      token: "hook",
      send: () => send(url("hook"), { body: BODY, headers: signed(SECRET, BODY, { "Content-Type": "text/plain" }) }),
    },
    {
      code: "no_secret_configured",
      status: 401,
      token: "nosecret",
      send: () => send(url("nosecret"), { body: BODY, headers: signed(SECRET, BODY) }),
    },
    {
      code: "invalid_signature",
      status: 401,
      token: "hook",
      send: () => send(url("hook"), { body: BODY, headers: signed("wrong", BODY) }),
    },
    {
      code: "invalid_json",
      status: 400,
      token: "hook",
      send: () => send(url("hook"), { body: "not json", headers: signed(SECRET, "not json") }),
    },
  ]
  for (const c of cases) {
    test(`deliveries - ${c.status} ${c.code}: the answer carries a delivery id, and exactly one record has it, with that status and code`, async () => {
      await setup()
      const r = await c.send()
      expect(r.status).toBe(c.status)
      expect(r.json.error.code).toBe(c.code)
      const id = idOf(r)
      const records = await eventually(async () => {
        const found = await recordsWithId(id)
        expect(found).toHaveLength(1)
        return found
      })
      expect(records[0]).toMatchObject({ id, trigger: c.token, response: { status: c.status, code: c.code } })
      expect(records[0].event).toBeUndefined()
    })
  }

  test("deliveries - a path that names no valid trigger name is recorded under `_`", async () => {
    const r = await send(url("not.a.name"), { body: BODY, headers: signed(SECRET, BODY) })
    expect(r.status).toBe(404)
    const id = idOf(r)
    const stored = await eventually(async () => {
      const found = (await allStored()).filter((m) => m.subject === `dagnats.deliveries._.${id}`)
      expect(found).toHaveLength(1)
      return found
    })
    expect(JSON.parse(stored[0]!.text)).toMatchObject({
      id,
      trigger: "_",
      response: { status: 404, code: "not_found" },
    })
  })

  test("deliveries - an accepted webhook's record has its event, and the stored event carries the delivery id", async () => {
    await setup()
    const r = await send(url("hook"), { body: BODY, headers: signed(SECRET, BODY) })
    expect(r.status).toBe(202)
    const id = idOf(r)
    const [record] = await eventually(async () => {
      const found = await recordsWithId(id)
      expect(found).toHaveLength(1)
      return found
    })
    expect(record).toStrictEqual({
      id,
      received_at: expect.any(String),
      trigger: "hook",
      request: {
        method: "POST",
        path: "/v1/webhooks/hook",
        remote_addr: expect.any(String),
        content_type: "application/json",
        size: Buffer.byteLength(BODY),
        body_sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
        headers: expect.objectContaining({ "x-signature-256": "[redacted]", "content-type": "application/json" }),
      },
      response: { status: 202, duration_ms: expect.any(Number) },
      event: { stream: "EVENTS", subject: "event.webhook.hook", seq: r.json.seq, duplicate: false },
    })
    const stored = await stack.raw.jsm.streams.getMessage("EVENTS", { seq: r.json.seq })
    expect(stored?.header.get("Dagnats-Delivery")).toBe(id)
  })
})

describe("deliveries - never stored: credentials, signatures, rejected bodies", () => {
  test("deliveries - no record holds an Authorization, Cookie or signature value, the secret, or a rejected body; the headers say [redacted]", async () => {
    await setup()
    const rejectedBody = '{"marker":"REJECTED-BODY-7c1e"}'
    const credentials = {
      Authorization: "Bearer AUTH-VALUE-51d2",
      "Proxy-Authorization": "Basic PROXY-VALUE-8e0f",
      Cookie: "session=COOKIE-VALUE-a93b",
      "Stripe-Signature": "t=1,v1=STRIPE-SIG-0b77",
      "Webhook-Signature": "v1,STANDARD-SIG-2dd0",
    }
    const bad = await send(url("hook"), { body: rejectedBody, headers: signed("wrong", rejectedBody, credentials) })
    expect(bad.status).toBe(401)
    const good = await send(url("hook"), { body: BODY, headers: signed(SECRET, BODY, credentials) })
    expect(good.status).toBe(202)
    const goodSignature = signed(SECRET, BODY)["X-Signature-256"]!
    const badSignature = signed("wrong", rejectedBody)["X-Signature-256"]!
    const ids = [idOf(bad), idOf(good)]
    await eventually(async () => {
      for (const id of ids) expect(await recordsWithId(id)).toHaveLength(1)
    })
    const everything = (await allStored()).map((m) => m.text).join("\n")
    for (const value of [
      ...Object.values(credentials),
      "AUTH-VALUE",
      "PROXY-VALUE",
      "COOKIE-VALUE",
      "STRIPE-SIG",
      "STANDARD-SIG",
      goodSignature.slice(7),
      badSignature.slice(7),
      SECRET,
      "REJECTED-BODY",
    ])
      expect(everything, value).not.toContain(value)
    const [record] = await recordsWithId(ids[0]!)
    expect(record.request.headers).toMatchObject({
      authorization: "[redacted]",
      "proxy-authorization": "[redacted]",
      cookie: "[redacted]",
      "stripe-signature": "[redacted]",
      "webhook-signature": "[redacted]",
      "x-signature-256": "[redacted]",
    })
  })
})

describe("deliveries - the flood cap", () => {
  test("deliveries - bursts of 300 rejected requests to one name: at most 100 records per second of arrival, the rest in suppressed counts, every request accounted for", async () => {
    const BURST = 300
    /** One burst, all at once: however loaded the machine, most of it arrives within one second. */
    const burst = () =>
      Promise.all(
        Array.from({ length: BURST }, async () => {
          const r = await fetch(url("flood"), {
            method: "POST",
            body: "{}",
            headers: { "Content-Type": "application/json" },
          })
          expect(r.status).toBe(404)
          await r.arrayBuffer()
        }),
      )
    const stored = async (sent: number) =>
      eventually(async () => {
        const all = (await allStored()).filter((m) => m.subject.startsWith("dagnats.deliveries.flood."))
        const records = all.filter((m) => !m.subject.endsWith(".suppressed")).map((m) => JSON.parse(m.text))
        const suppressed = all.filter((m) => m.subject.endsWith(".suppressed")).map((m) => JSON.parse(m.text))
        expect(records.length + suppressed.reduce((n, s) => n + s.suppressed, 0)).toBe(sent)
        return { records, suppressed }
      }, 20_000)
    // A burst that a loaded machine spread over seconds may stay under the cap: send another, up to
    // five, until one second was over it. Every burst's requests are accounted for either way.
    let sent = 0
    let seen = await stored(0)
    while (seen.suppressed.length === 0 && sent < 5 * BURST) {
      await burst()
      sent += BURST
      seen = await stored(sent)
    }
    const { records, suppressed } = seen
    const perSecond = new Map<string, number>()
    for (const r of records) {
      const second = new Date(Math.floor(Date.parse(r.received_at) / 1000) * 1000).toISOString()
      perSecond.set(second, (perSecond.get(second) ?? 0) + 1)
    }
    for (const [, n] of perSecond) expect(n).toBeLessThanOrEqual(100)
    expect(suppressed.length).toBeGreaterThan(0)
    for (const s of suppressed) {
      expect(s).toStrictEqual({
        suppressed: expect.any(Number),
        trigger: "flood",
        from: expect.any(String),
        to: expect.any(String),
      })
      expect(perSecond.get(s.from)).toBe(100)
    }
    const metrics = await (await fetch(`${stack.serve.baseUrl}/metrics`)).text()
    const total = suppressed.reduce((n, s) => n + s.suppressed, 0)
    expect(metrics).toContain(`dagnats_deliveries_suppressed_total ${total}`)
  })
})

describe("deliveries - decisions and runs", () => {
  test("deliveries - a webhook that fires two triggers shows both decisions and both runs, and the filtered one as skipped: filtered", async () => {
    await setup()
    const r = await send(url("multi"), { body: BODY, headers: signed(SECRET, BODY) })
    expect(r.status).toBe(202)
    const id = idOf(r)
    await stack.raw.settled()
    const delivery = await eventually(async () => {
      const d = await stack.raw.request("dagnats.deliveries.get", { id })
      expect(d.decisions).toHaveLength(3)
      return d
    })
    const byTrigger = Object.fromEntries(delivery.decisions.map((d: any) => [d.trigger, d]))
    expect(byTrigger["multi"]).toStrictEqual({
      trigger: "multi",
      outcome: "fired",
      run_id: expect.any(String),
      at: expect.any(String),
    })
    expect(byTrigger["also"]).toStrictEqual({
      trigger: "also",
      outcome: "fired",
      run_id: expect.any(String),
      at: expect.any(String),
    })
    expect(byTrigger["picky"]).toStrictEqual({
      trigger: "picky",
      outcome: "skipped",
      reason: "filtered",
      detail: 'field "action" is "opened", want "closed"',
      at: expect.any(String),
    })
    const runs = [...delivery.runs].sort((a: any, b: any) => a.workflow.localeCompare(b.workflow))
    expect(runs).toStrictEqual([
      { run_id: byTrigger["also"].run_id, workflow: "wf-also", status: expect.any(String) },
      { run_id: byTrigger["multi"].run_id, workflow: "wf-multi", status: expect.any(String) },
    ])
    const records = await stack.raw.allRuns()
    for (const run of runs) expect(run.status).toBe(records.find((x) => x.run_id === run.run_id)?.status)
  })

  test("deliveries - deliveries.list refuses a trigger that is no name and a status that is no filter (400 naming the field)", async () => {
    await expect(stack.raw.request("dagnats.deliveries.list", { trigger: "a.>" })).rejects.toThrow(
      /400.*trigger.*must be a trigger name/,
    )
    await expect(stack.raw.request("dagnats.deliveries.list", { status: "Nope!" })).rejects.toThrow(/400.*status/)
    await expect(stack.raw.request("dagnats.deliveries.get", { id: "nope" })).rejects.toThrow(/400.*id/)
  })

  test("deliveries - deliveries.get answers 404 not_found for an id no delivery has", async () => {
    await expect(stack.raw.request("dagnats.deliveries.get", { id: "01ARZ3NDEKTSV4RRFFQ69G5FAV" })).rejects.toThrow(
      /404/,
    )
  })
})

describe("deliveries - the CLI", () => {
  test("deliveries - `delivery list --trigger hook --status invalid_signature` lists exactly the hook's invalid_signature deliveries, newest first", async () => {
    await setup()
    const ids: Array<string> = []
    for (let i = 0; i < 2; i++) ids.push(idOf(await send(url("hook"), { body: BODY, headers: signed("nope", BODY) })))
    await eventually(async () => {
      for (const id of ids) expect(await recordsWithId(id)).toHaveLength(1)
    })
    const listed = await stack.cli(
      "delivery",
      "list",
      "--trigger",
      "hook",
      "--status",
      "invalid_signature",
      "--since",
      "1h",
    )
    const all = (await allStored())
      .map((m) => JSON.parse(m.text))
      .filter((r) => r.trigger === "hook" && r.response?.code === "invalid_signature")
      .map((r) => r.id)
      .sort()
      .reverse()
    expect(listed.deliveries.map((d: any) => d.id)).toStrictEqual(all)
    expect(all.slice(0, 2)).toStrictEqual([...ids].reverse())
  })

  test("deliveries - `delivery list --before ID` pages back: 7 of one trigger's deliveries in pages of 3 are each listed once, newest first, then none", async () => {
    await setup()
    await webhookTrigger(stack.raw.nc, "paged", { workflow: "wf-paged", secrets: [SECRET] })
    const ids: Array<string> = []
    for (let i = 0; i < 7; i++) ids.push(idOf(await send(url("paged"), { body: BODY, headers: signed(SECRET, BODY) })))
    await eventually(async () => {
      for (const id of ids) expect(await recordsWithId(id)).toHaveLength(1)
    })
    const pages: Array<Array<string>> = []
    let before: string | undefined
    for (let p = 0; p < 4; p++) {
      const args = ["delivery", "list", "--trigger", "paged", "--limit", "3", ...(before ? ["--before", before] : [])]
      const page = (await stack.cli(...args)).deliveries.map((d: any) => d.id as string)
      pages.push(page)
      before = page.at(-1)
      if (before === undefined) break
    }
    const newestFirst = [...ids].reverse()
    expect(pages).toStrictEqual([newestFirst.slice(0, 3), newestFirst.slice(3, 6), newestFirst.slice(6), []])
    const unknown = await stack.cliRaw("delivery", "list", "--before", "01ARZ3NDEKTSV4RRFFQ69G5FAV")
    expect([unknown.code, unknown.stderr.trim()]).toStrictEqual([
      1,
      'dagnats: delivery "01ARZ3NDEKTSV4RRFFQ69G5FAV" not found',
    ])
    const bad = await stack.cliRaw("delivery", "list", "--before", "nope")
    expect([bad.code, bad.stderr.trim()]).toStrictEqual([
      2,
      "dagnats: --before: must be a delivery id (a 26-character ULID)",
    ])
  })

  test("deliveries - `delivery get ID --body` shows the accepted body EVENTS stored; a refused one has none; an event gone from EVENTS says so", async () => {
    await setup()
    const sent = '{"action":"opened","note":"<b>hi</b>"}'
    const ok = await send(url("hook"), { body: sent, headers: signed(SECRET, sent) })
    const refused = await send(url("hook"), { body: sent, headers: signed("nope", sent) })
    await eventually(async () => {
      for (const r of [ok, refused]) expect(await recordsWithId(idOf(r))).toHaveLength(1)
    })
    const json = await stack.cli("delivery", "get", idOf(ok), "--body")
    expect(json.body).toStrictEqual({ encoding: "utf-8", text: sent })
    const human = await stack.cliRaw("delivery", "get", idOf(ok), "--body")
    expect(human.stdout.trimEnd().split("\n").slice(-2)).toStrictEqual([
      "body (utf-8):",
      '{"action":"opened","note":"<b>hi</b>"}',
    ])
    expect((await stack.cli("delivery", "get", idOf(ok))).body).toBeUndefined()
    const none = await stack.cliRaw("delivery", "get", idOf(refused), "--body")
    expect(none.stdout.trimEnd().split("\n").at(-1)).toBe("body: none stored (a refused request's body is never kept)")
    await stack.raw.jsm.streams.deleteMessage("EVENTS", ok.json.seq)
    expect((await stack.cli("delivery", "get", idOf(ok), "--body")).body).toStrictEqual({ gone: true })
  })

  test("deliveries - `delivery get ID` prints the chain as a tree, and --json the delivery", async () => {
    await setup()
    const r = await send(url("multi"), { body: BODY, headers: signed(SECRET, BODY) })
    const id = idOf(r)
    await stack.raw.settled()
    const json = await eventually(async () => {
      const d = await stack.cli("delivery", "get", id)
      expect(d.decisions).toHaveLength(3)
      return d
    })
    expect(json).toMatchObject({ id, trigger: "multi", response: { status: 202 }, event: { seq: r.json.seq } })
    const human = await stack.cliRaw("delivery", "get", id)
    expect(human.code).toBe(0)
    const lines = human.stdout.trimEnd().split("\n")
    expect(lines[0]).toBe(`delivery ${id}  ${json.received_at}  trigger multi`)
    expect(lines[1]).toMatch(
      /^├─ request   POST \/v1\/webhooks\/multi from \S+  application\/json  19 B  sha256 [0-9a-f]{16}…$/,
    )
    expect(lines[2]).toMatch(/^├─ response  202  in [\d.]+ ms$/)
    expect(lines[3]).toBe(`├─ event     EVENTS #${r.json.seq} event.webhook.multi`)
    expect(lines[4]).toBe("├─ decisions")
    expect(
      lines.filter((l) =>
        /^│  [├└]─ picky  skipped: filtered \(field "action" is "opened", want "closed"\)  at /.test(l),
      ),
    ).toHaveLength(1)
    expect(lines.filter((l) => /^│  [├└]─ (multi|also)  fired → run \S+  at /.test(l))).toHaveLength(2)
    expect(lines).toContain("└─ runs")
    expect(lines.filter((l) => /^   [├└]─ \S+  wf-(multi|also)  \S+$/.test(l))).toHaveLength(2)
    const missing = await stack.cliRaw("delivery", "get", "01ARZ3NDEKTSV4RRFFQ69G5FAV")
    expect(missing.code).toBe(1)
  })
})
