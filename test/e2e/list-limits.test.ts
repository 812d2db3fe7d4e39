// Proves list replies never fail for size: runs with inputs of 800 KB on a 1 MiB max_payload, or of
// 1.9 MB on a 2 MB one, are listed with the inputs cut (`cut`, `truncated: true`), `run get` still
// answers them whole; lists whose records do not all fit a small max_payload answer fewer, say
// `truncated`, and `next` pages on to exactly the rest — for runs, trigger history (records of
// another program included) and dead letters. Every reply is measured against the max_payload.
import { describe, expect, test } from "vitest"
import { headers as natsHeaders } from "@nats-io/nats-core"
import { perTestResources } from "../support/per-test.js"
import { startNatsServer } from "../support/nats-server.js"
import { openRawNats, type RawNats } from "../support/raw-nats.js"
import { cliOn } from "../support/cli.js"

const r = perTestResources()
const encoder = new TextEncoder()
const decoder = new TextDecoder()

/** A server with `max_payload`, serve on it, raw access and the CLI. */
const stackWith = async (maxPayload: string) => {
  const nats = r.track(await startNatsServer(`max_payload: ${maxPayload}`), (n) => n.dispose())
  await r.serveOn(nats)
  const raw = r.track(await openRawNats(nats.url), (x) => x.close())
  return { raw, cli: cliOn(nats.url), maxPayload: raw.nc.info!.max_payload }
}

/** A micro request's reply with its size in bytes, as the server carried it. */
const sized = async (raw: RawNats, subject: string, body: unknown) => {
  const reply = await raw.nc.request(subject, encoder.encode(JSON.stringify(body)), { timeout: 30_000 })
  expect(reply.headers?.get("Nats-Service-Error-Code") ?? "", decoder.decode(reply.data).slice(0, 300)).toBe("")
  return { bytes: reply.data.length, json: JSON.parse(decoder.decode(reply.data)) as Record<string, any> }
}

const startRun = (raw: RawNats, workflow: string, input: unknown) =>
  raw.request<{ run_id: string }>("dagnats.runs.start", { workflow, input })

describe("list replies fit the max payload", () => {
  test("run list - 4 runs with 800 KB inputs on a 1 MiB max_payload: all 4 listed with input cut, truncated:true; run get has the input whole", async () => {
    const { raw, cli, maxPayload } = await stackWith("1MB")
    expect(maxPayload).toBe(1_048_576)
    const big = { blob: "x".repeat(800_000) }
    const ids: Array<string> = []
    for (let i = 0; i < 4; i++) ids.push((await startRun(raw, "big-wf", big)).run_id)
    const listed = await cli.json<{ runs: Array<Record<string, any>>; truncated?: boolean }>("run", "list")
    expect(listed.truncated).toBe(true)
    expect(listed.runs.map((x) => x.run_id).sort()).toStrictEqual([...ids].sort())
    for (const run of listed.runs) {
      expect(run).not.toHaveProperty("input")
      expect(run.cut).toStrictEqual(["input"])
      expect([run.workflow, run.status, run.trigger]).toStrictEqual([
        "big-wf",
        "pending",
        { name: null, type: "manual" },
      ])
    }
    expect(listed).not.toHaveProperty("next")
    const reply = await sized(raw, "dagnats.runs.list", { limit: 1000 })
    expect(reply.bytes).toBeLessThanOrEqual(maxPayload)
    expect(reply.json.runs).toHaveLength(4)
    expect((await cli.json("run", "get", ids[0]!)).input).toStrictEqual(big)
    const human = await cli.raw("run", "list")
    expect([human.code, human.stdout.split("\n").filter((l) => l.includes("big-wf")).length]).toStrictEqual([0, 4])
    expect(human.stderr).toContain("truncated to fit the NATS max payload: runs were left out or had fields cut")
  })

  test("run list --limit 1 - runs with 1.9 MB inputs on a 2 MB max_payload: one answers whole; human output (asking for 2) and --limit 1000 answer with inputs cut", async () => {
    const { raw, cli, maxPayload } = await stackWith("2MB")
    const big = { blob: "y".repeat(1_900_000) }
    const first = (await startRun(raw, "huge-wf", big)).run_id
    const second = (await startRun(raw, "huge-wf", big)).run_id
    // One run of 1.9 MB fits a 2 MB reply whole.
    const one = await sized(raw, "dagnats.runs.list", { limit: 1 })
    expect(one.bytes).toBeLessThanOrEqual(maxPayload)
    expect([one.json.truncated, one.json.runs.length, one.json.runs[0].input]).toStrictEqual([undefined, 1, big])
    expect(one.json.runs[0].run_id).toBe(second)
    const json = await cli.json<{ runs: Array<Record<string, any>> }>("run", "list", "--limit", "1")
    expect(json.runs.map((x) => x.run_id)).toStrictEqual([second])
    // Human output asks for one more than it shows, to say that more exist.
    const human = await cli.raw("run", "list", "--limit", "1")
    expect(human.code).toBe(0)
    expect(human.stdout.split("\n").filter((l) => l.includes("huge-wf"))).toHaveLength(1)
    expect(human.stderr).toContain("more exist")
    expect(human.stderr).toContain("truncated to fit the NATS max payload")
    const all = await sized(raw, "dagnats.runs.list", { limit: 1000 })
    expect(all.bytes).toBeLessThanOrEqual(maxPayload)
    expect([all.json.truncated, all.json.runs.map((x: any) => x.run_id).sort()]).toStrictEqual([
      true,
      [first, second].sort(),
    ])
  })

  test("run list - runs that do not all fit a 64 KiB max_payload: fewer answered, truncated, and next pages on to exactly the rest, newest first", async () => {
    const { raw, maxPayload } = await stackWith("64KB")
    const ids: Array<string> = []
    // Each record is about 1.8 KB: within its least share, so none is cut, but 50 do not fit 64 KiB.
    for (let i = 0; i < 50; i++) ids.push((await startRun(raw, "page-wf", { n: i, pad: "p".repeat(1_500) })).run_id)
    const seen: Array<Record<string, any>> = []
    let before: string | undefined
    let pages = 0
    do {
      const page = await sized(raw, "dagnats.runs.list", { limit: 50, ...(before !== undefined ? { before } : {}) })
      expect(page.bytes).toBeLessThanOrEqual(maxPayload)
      pages++
      for (const run of page.json.runs) expect(run).not.toHaveProperty("cut")
      if (page.json.next !== undefined) expect(page.json.truncated).toBe(true)
      seen.push(...page.json.runs)
      before = page.json.next
      // The rest of the 50: later pages ask only for what is left.
    } while (before !== undefined && pages < 10)
    expect(pages).toBeGreaterThan(1)
    expect(seen.map((x) => x.run_id).sort()).toStrictEqual([...ids].sort())
    const order = seen.map((x) => `${x.created_at} ${x.run_id}`)
    expect(order).toStrictEqual([...order].sort().reverse())
  })

  test("trigger history - records of another program too large for a 64 KiB max_payload: fewer, truncated, next pages on to the rest; a large field is cut; the human table shows them", async () => {
    const { raw, cli, maxPayload } = await stackWith("64KB")
    await cli.json("trigger", "create", "hist", "--workflow", "hist-wf", "--subject", "event.hist")
    // The engine's TriggerFire records (no `outcome`), with many mid-sized fields that are not cut.
    const fields = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`f${i}`, "v".repeat(200)]))
    const h = natsHeaders()
    h.set("Content-Type", "application/json")
    const written: Array<number> = []
    for (let i = 0; i < 30; i++) {
      const rec = { trigger_id: "hist", workflow_id: "engine-wf", source: "hist", n: i, skipped: false, ...fields }
      written.push((await raw.js.publish("trigger.fire.hist", encoder.encode(JSON.stringify(rec)), { headers: h })).seq)
    }
    // One with a large field: cut to its share, and named in `cut`.
    const large = { trigger_id: "hist", workflow_id: "engine-wf", n: 30, payload: "z".repeat(30_000) }
    await raw.js.publish("trigger.fire.hist", encoder.encode(JSON.stringify(large)), { headers: h })
    const newest = await sized(raw, "dagnats.triggers.history", { name: "hist", limit: 20 })
    expect(newest.json.fires[0]).toStrictEqual({ ...large, payload: `${"z".repeat(256)}…`, cut: ["payload"] })
    expect(newest.json.truncated).toBe(true)
    const seen: Array<number> = []
    let before: number | undefined
    let pages = 0
    do {
      const page = await sized(raw, "dagnats.triggers.history", {
        name: "hist",
        limit: 31,
        ...(before ? { before } : {}),
      })
      expect(page.bytes).toBeLessThanOrEqual(maxPayload)
      if (page.json.next !== undefined) expect(page.json.truncated).toBe(true)
      seen.push(...page.json.fires.map((f: any) => f.n))
      before = page.json.next
      pages++
    } while (before !== undefined && pages < 10)
    expect(pages).toBeGreaterThan(1)
    expect(seen).toStrictEqual(Array.from({ length: 31 }, (_, i) => 30 - i))
    const human = await cli.raw("trigger", "history", "hist", "--limit", "31")
    expect([human.code, human.stderr]).toStrictEqual([
      0,
      expect.stringContaining("truncated to fit the NATS max payload"),
    ])
  })

  test("event dead - dead letters that do not all fit a 64 KiB max_payload: fewer, truncated, next pages on to exactly the rest", async () => {
    const { raw, cli, maxPayload } = await stackWith("64KB")
    // Dead letters as serve stores them: headers only matter to the list; errors are kept to 1,000 characters.
    const stored: Array<number> = []
    for (let seq = 1; seq <= 80; seq++) {
      const h = natsHeaders()
      h.set("Dagnats-Dead-Subject", `event.dead.${seq}`)
      h.set("Dagnats-Dead-Seq", String(seq))
      h.set("Dagnats-Dead-Error", `gave up after 10 deliveries: ${"e".repeat(950)}`)
      h.set("Dagnats-Dead-At", new Date(Date.UTC(2026, 0, 1, 0, 0, seq)).toISOString())
      await raw.js.publish(`dagnats.dead.${seq}`, encoder.encode("{}"), { headers: h, msgID: `fixture.${seq}` })
      stored.push(seq)
    }
    const seen: Array<number> = []
    let before: number | undefined
    let pages = 0
    do {
      const page = await sized(raw, "dagnats.events.dead", { limit: 80, ...(before ? { before } : {}) })
      expect(page.bytes).toBeLessThanOrEqual(maxPayload)
      seen.push(...page.json.dead.map((d: any) => d.seq))
      if (page.json.next !== undefined) expect(page.json.truncated).toBe(true)
      before = page.json.next
      pages++
    } while (before !== undefined && pages < 10)
    expect(pages).toBeGreaterThan(1)
    expect(seen).toStrictEqual([...stored].reverse())
    const json = await cli.json<{ dead: Array<unknown>; truncated?: boolean }>("event", "dead", "--limit", "80")
    expect([json.truncated, json.dead.length < 80]).toStrictEqual([true, true])
  })
})
