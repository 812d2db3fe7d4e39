// Proves the micro service works with the real `nats` CLI (v0.5.0) as operators use it: discovery
// with its version, endpoint metadata (description, request and response JSON Schemas), error counts
// in stats, trigger creation by `nats req`, the micro error headers on a bad request, and that every
// endpoint's real reply validates against the response schema `nats micro info` publishes.
import { createHmac } from "node:crypto"
import { describe, expect, test } from "vitest"
import { perTestResources } from "../support/per-test.js"
import { runJson } from "../support/cli.js"
import { natsJson, runNats } from "../support/nats-cli.js"
import { eventually } from "../support/poll.js"
import { openRawNats } from "../support/raw-nats.js"
import { haveJsonSchema, validateAll } from "../support/json-schema.js"
import { headers as natsHeaders } from "@nats-io/nats-core"
import { VERSION } from "../../src/version.js"

const r = perTestResources()
const running = async () => {
  const nats = await r.natsServer()
  const serve = await r.serveOn(nats)
  return { url: nats.url, serve }
}

/** Every endpoint serve offers today, as `$SRV.INFO` names them. */
const ENDPOINTS = [
  "triggers-create",
  "triggers-get",
  "triggers-list",
  "triggers-update",
  "triggers-delete",
  "triggers-enable",
  "triggers-disable",
  "triggers-fire",
  "triggers-history",
  "triggers-test",
  "runs-start",
  "runs-get",
  "runs-list",
  "events-dead",
  "events-replay",
  "deliveries-list",
  "deliveries-get",
]

describe("nats micro", () => {
  test("nats micro list - shows dagnats with the package version", async () => {
    const { url } = await running()
    const list = await natsJson<Array<{ name: string; version: string }>>(url, ["micro", "list"])
    expect(list.map(({ name, version }) => ({ name, version }))).toEqual([{ name: "dagnats", version: VERSION }])
    const text = await runNats(url, ["micro", "list"])
    expect(text.code).toBe(0)
    expect(text.stdout).toMatch(new RegExp(`│ dagnats +│ ${VERSION.replace(/\./g, "\\.")} +│`))
  })

  test("nats micro info dagnats - every endpoint carries a description and the JSON Schemas of its request and response", async () => {
    const { url } = await running()
    type Info = { endpoints: Array<{ name: string; subject: string; metadata: Record<string, string> }> }
    const { info } = await natsJson<{ info: Info }>(url, ["micro", "info", "dagnats"])
    expect(info.endpoints.map((e) => e.name).sort()).toEqual(expect.arrayContaining([...ENDPOINTS].sort()))
    for (const e of info.endpoints) {
      expect(Object.keys(e.metadata).sort(), e.name).toEqual(["description", "request_schema", "response_schema"])
      expect(e.metadata["description"]!.length, e.name).toBeGreaterThan(10)
      for (const key of ["request_schema", "response_schema"]) {
        const schema = JSON.parse(e.metadata[key]!) as Record<string, unknown>
        expect(schema["$schema"], `${e.name} ${key}`).toBe("https://json-schema.org/draft/2020-12/schema")
      }
    }
    const byName = new Map(info.endpoints.map((e) => [e.name, e.metadata]))
    const create = JSON.parse(byName.get("triggers-create")!["request_schema"]!)
    expect(create.required).toEqual(["name", "workflow", "type"])
    expect(create.properties.type).toEqual({ type: "string", enum: ["webhook", "event", "schedule"] })
    expect(create.additionalProperties).toBe(false)
    const created = JSON.parse(byName.get("triggers-create")!["response_schema"]!)
    expect(created.properties.secret_count).toEqual({ type: "number" })
    expect(created.properties).not.toHaveProperty("secrets")
    expect(JSON.parse(byName.get("triggers-get")!["request_schema"]!)).toMatchObject({
      type: "object",
      properties: { name: { type: "string" } },
      required: ["name"],
      additionalProperties: false,
    })
    expect(JSON.parse(byName.get("runs-start")!["response_schema"]!)).toMatchObject({
      properties: { run_id: { type: "string" } },
      required: ["run_id"],
    })
    // The table the operator reads shows the metadata too.
    const text = await runNats(url, ["micro", "info", "dagnats"])
    expect(text.stdout).toContain("Metadata:     description: Create a trigger")
  })

  test("nats micro stats dagnats - every error reply is counted on its endpoint", async () => {
    const { url } = await running()
    expect((await runNats(url, ["req", "dagnats.triggers.get", '{"name":"nope"}'])).code).toBe(0)
    expect((await runNats(url, ["req", "dagnats.triggers.get", '{"name":"missing"}'])).code).toBe(0)
    expect((await runNats(url, ["req", "dagnats.triggers.create", "not json"])).code).toBe(0)
    expect((await runNats(url, ["req", "dagnats.triggers.list", "{}"])).code).toBe(0)
    const [stats] = await natsJson<Array<{ endpoints: Array<Record<string, any>> }>>(url, ["micro", "stats", "dagnats"])
    const of = (name: string) => stats!.endpoints.find((e) => e.name === name)!
    expect(of("triggers-get")).toMatchObject({
      num_requests: 2,
      num_errors: 2,
      last_error: '404:trigger "missing" not found',
    })
    expect(of("triggers-create")).toMatchObject({
      num_requests: 1,
      num_errors: 1,
      last_error: "400:request body is not valid JSON",
    })
    expect(of("triggers-list")).toMatchObject({ num_requests: 1, num_errors: 0 })
    const text = await runNats(url, ["micro", "stats", "dagnats"])
    expect(text.stdout).toMatch(/│ triggers-get +│ 2 +│ dagnats +│ 2 +│/)
  })
})

describe("nats req", () => {
  test("nats req dagnats.triggers.create - creates a webhook trigger that triggers.list shows and whose signed webhooks start runs", async () => {
    const { url, serve } = await running()
    const req = await runNats(url, [
      "req",
      "--raw",
      "dagnats.triggers.create",
      JSON.stringify({ name: "from-cli", workflow: "cli-wf", type: "webhook", secrets: ["cli-secret"] }),
    ])
    expect(req.code).toBe(0)
    expect(JSON.parse(req.stdout)).toMatchObject({
      name: "from-cli",
      workflow: "cli-wf",
      type: "webhook",
      enabled: true,
      secret_count: 1,
    })
    const list = await runNats(url, ["req", "--raw", "dagnats.triggers.list", "{}"])
    expect(JSON.parse(list.stdout).triggers.map((t: { name: string }) => t.name)).toEqual(["from-cli"])
    const body = JSON.stringify({ hello: "nats" })
    const post = () =>
      fetch(`${serve.baseUrl}/v1/webhooks/from-cli`, {
        method: "POST",
        headers: {
          "Content-Type": "application/json",
          "X-Signature-256": `sha256=${createHmac("sha256", "cli-secret").update(body).digest("hex")}`,
        },
        body,
      })
    expect((await post()).status).toBe(202)
    const runs = await eventually(async () => {
      const list = await runJson<{ runs: Array<Record<string, any>> } | Array<Record<string, any>>>([
        "run",
        "list",
        "--trigger",
        "from-cli",
        "--nats-url",
        url,
      ])
      const rows = Array.isArray(list) ? list : list.runs
      expect(rows).toHaveLength(1)
      return rows
    }, 20_000)
    expect(runs[0]).toMatchObject({
      workflow: "cli-wf",
      input: { hello: "nats" },
      trigger: { name: "from-cli", type: "webhook" },
    })
  })

  test("nats req - a request missing a required field gets Nats-Service-Error-Code 400 and the JSON error body", async () => {
    const { url } = await running()
    const req = await runNats(url, ["req", "dagnats.triggers.create", '{"name":"half","type":"webhook"}'])
    expect(req.code).toBe(0)
    const body = JSON.parse(req.stdout.trim()) as { error: { code: string; message: string } }
    expect(body.error.code).toBe("invalid")
    expect(body.error.message).toMatch(/workflow/)
    expect(req.stderr).toMatch(/Nats-Service-Error-Code: 400\n/)
    expect(req.stderr).toContain(`Nats-Service-Error: ${body.error.message}\n`)
  })
})

describe("published schemas describe the replies", () => {
  test.skipIf(!haveJsonSchema)(
    `nats micro info dagnats - every endpoint's real reply validates against its published response schema (jsonschema, draft 2020-12)${haveJsonSchema ? "" : " (skipped: python3 jsonschema not found; run deploy/tools.sh)"}`,
    async () => {
      const { url, serve } = await running()
      const raw = await openRawNats(url)
      try {
        type Info = { endpoints: Array<{ name: string; subject: string; metadata: Record<string, string> }> }
        const { info } = await natsJson<{ info: Info }>(url, ["micro", "info", "dagnats"])
        const schemaOf = new Map(info.endpoints.map((e) => [e.subject, JSON.parse(e.metadata["response_schema"]!)]))
        const replies: Array<{ subject: string; reply: unknown }> = []
        const call = async <T = any>(endpoint: string, body: unknown): Promise<T> => {
          const subject = `dagnats.${endpoint}`
          const reply = await raw.request<T>(subject, body)
          replies.push({ subject, reply })
          return reply
        }
        // Every kind of trigger, and each change to one.
        await call("triggers.create", { name: "wh", workflow: "wh-wf", type: "webhook", secrets: ["s3cret"] })
        await call("triggers.create", {
          name: "ev",
          workflow: "ev-wf",
          type: "event",
          subject: "event.schema.*",
          filters: [{ field: "a", value: "1" }],
        })
        await call("triggers.create", { name: "sch", workflow: "sch-wf", type: "schedule", cron: "* * * * * *" })
        await call("triggers.get", { name: "wh" })
        await call("triggers.update", { name: "wh", workflow: "wh-wf-2" })
        await call("triggers.disable", { name: "wh" })
        await call("triggers.enable", { name: "wh" })
        await call("triggers.test", { name: "ev", payload: { a: 2 }, subject: "event.schema.x" })
        await call("triggers.test", { name: "wh", payload: {} })
        await call("triggers.test", { name: "sch", count: 3 })
        // Runs: by hand, by a fire, from events (one filtered out), and one too large to list whole.
        const { run_id } = await call("runs.start", { workflow: "manual-wf", input: { hello: 1 } })
        await call("triggers.fire", { name: "wh", input: { x: 1 } })
        await call("runs.start", { workflow: "big-wf", input: { blob: "b".repeat(600_000) } })
        await raw.publish("event.schema.x", JSON.stringify({ a: "1" }))
        await raw.publish("event.schema.x", JSON.stringify({ a: "2" }))
        // The engine's own TriggerFire record under the same name: no `outcome`.
        const h = natsHeaders()
        h.set("Content-Type", "application/json")
        const engineFire = {
          trigger_id: "ev",
          workflow_id: "engine-wf",
          run_id: "engine-run",
          source: "ev",
          fired_at: new Date().toISOString(),
          skipped: false,
        }
        await raw.js.publish("trigger.fire.ev", new TextEncoder().encode(JSON.stringify(engineFire)), { headers: h })
        await eventually(
          async () => expect((await raw.request("dagnats.triggers.history", { name: "ev" })).fires).toHaveLength(3),
          20_000,
        )
        await eventually(
          async () =>
            expect((await raw.request("dagnats.triggers.history", { name: "sch" })).fires.length).toBeGreaterThan(0),
          20_000,
        )
        await call("triggers.history", { name: "ev" })
        await call("triggers.history", { name: "sch" })
        await call("runs.get", { run_id })
        const listed = await call("runs.list", {})
        expect(listed.truncated).toBe(true)
        await call("runs.list", { limit: 1 })
        await call("triggers.list", {})
        await call("triggers.list", { limit: 1 })
        // A dead letter as serve stores one.
        const dh = natsHeaders()
        dh.set("Dagnats-Dead-Subject", "event.schema.dead")
        dh.set("Dagnats-Dead-Seq", "99")
        dh.set("Dagnats-Dead-Error", "gave up after 10 deliveries: boom")
        dh.set("Dagnats-Dead-At", new Date().toISOString())
        await raw.js.publish("dagnats.dead.99", new TextEncoder().encode("{}"), { headers: dh, msgID: "fixture.99" })
        expect((await call("events.dead", {})).dead).toHaveLength(1)
        await call("events.replay", { trigger: "ev", since: "1h", dry_run: true })
        await call("events.replay", { trigger: "ev", since: "1h" })
        // Deliveries: a refused webhook leaves one.
        const hook = (name: string) =>
          fetch(`${serve.baseUrl}/v1/webhooks/${name}`, {
            method: "POST",
            body: "{}",
            headers: { "Content-Type": "application/json" },
          })
        const refused = await hook("nope")
        const deliveryId = refused.headers.get("dagnats-delivery")!
        await eventually(
          async () => expect((await raw.request("dagnats.deliveries.list", {})).deliveries).toHaveLength(1),
          20_000,
        )
        await call("deliveries.list", {})
        await call("deliveries.list", { status: "rejected", limit: 1 })
        await call("deliveries.get", { id: deliveryId })
        await call("triggers.delete", { name: "wh" })
        // Every endpoint $SRV.INFO names was called.
        expect([...new Set(replies.map((x) => x.subject))].sort()).toStrictEqual([...schemaOf.keys()].sort())
        const errors = validateAll(replies.map((x) => ({ schema: schemaOf.get(x.subject), instance: x.reply })))
        expect(replies.map((x, i) => [x.subject, errors[i]])).toStrictEqual(replies.map((x) => [x.subject, []]))
        // The validator does reject what a schema does not describe: a fire record with a field no writer sets.
        const history = replies.find((x) => x.subject === "dagnats.triggers.history")!.reply as { fires: Array<object> }
        const own = history.fires.find((f) => "outcome" in f)!
        const [rejected] = validateAll([
          { schema: schemaOf.get("dagnats.triggers.history"), instance: { fires: [{ ...own, bogus: 1 }] } },
        ])
        expect(rejected!.length).toBeGreaterThan(0)
      } finally {
        await raw.close()
      }
    },
    120_000,
  )
})
