// Proves event triggers end to end (SPEC §6, §4 filters, §8): subject wildcards, filters, disabled triggers, undecodable events, the wire shapes of runs, history and workflow.started, and the run/trigger/event CLI.
import { beforeAll, describe, expect, test } from "vitest"
import { e2eStack } from "../support/e2e-stack.js"
import { runCli } from "../support/cli.js"
import { runIdFor } from "../../src/domain/run-id.js"
import { withoutAt } from "../support/raw-nats.js"

const stack = e2eStack()
const cli = stack.cli
const cliRaw = stack.cliRaw

/** The EVENTS epoch (its creation time, digits only): run ids of events without a delivery id include it. */
let epoch = ""

beforeAll(async () => {
  epoch = (await stack.raw.jsm.streams.info("EVENTS")).created.replace(/\D/g, "")
})

/**
 * Create a trigger through the service, then wait until serve's trigger table has it: `list`
 * answers only after the table caught up with KV (one serve here, so it is the evaluator's table).
 */
const createTrigger = async (def: Record<string, unknown>) => {
  await stack.raw.request("dagnats.triggers.create", def)
  await stack.raw.request("dagnats.triggers.list", {})
}

const runsOf = async (workflow: string) => (await stack.raw.allRuns()).filter((r) => r.workflow === workflow)
const fired = (trigger: string, workflow: string, subject: string, seq: number, runId: string) => ({
  trigger,
  workflow,
  outcome: "fired",
  run_id: runId,
  count: 1,
  event: { subject, seq },
})
const skipped = (trigger: string, workflow: string, subject: string, seq: number, reason: string, detail?: string) => ({
  trigger,
  workflow,
  outcome: "skipped",
  reason,
  ...(detail !== undefined ? { detail } : {}),
  event: { subject, seq },
})

describe("subject patterns", () => {
  test("evaluator - event.deploy.* fires for exactly one more token; other subjects leave no history record", async () => {
    await createTrigger({ name: "deploys", workflow: "deploy-wf", type: "event", subject: "event.deploy.*" })
    const seq = await stack.raw.publish("event.deploy.api", '{"version":"1.2.3"}')
    for (const s of ["event.deploy.api.v2", "event.deploy", "event.deployx.api", "event.other.api"])
      await stack.raw.publish(s, "{}")
    await stack.raw.settled()
    expect((await stack.raw.fires("deploys")).map(withoutAt)).toStrictEqual([
      fired("deploys", "deploy-wf", "event.deploy.api", seq, runIdFor("deploys", { kind: "sequence", seq, epoch })),
    ])
    const runs = await runsOf("deploy-wf")
    expect(runs.map((r) => [r.input, r.event])).toStrictEqual([
      [{ version: "1.2.3" }, { subject: "event.deploy.api", seq, delivery_id: null }],
    ])
  })

  test("evaluator - event.git.> fires for one or more tokens after event.git, not for event.git itself", async () => {
    await createTrigger({ name: "git-all", workflow: "git-wf", type: "event", subject: "event.git.>" })
    const push = await stack.raw.publish("event.git.push", '{"ref":"a"}')
    await stack.raw.publish("event.git", '{"ref":"b"}')
    const deep = await stack.raw.publish("event.git.push.main.sub", '{"ref":"c"}')
    await stack.raw.publish("event.gitlab.push", '{"ref":"d"}')
    await stack.raw.settled()
    expect((await stack.raw.fires("git-all")).map(withoutAt)).toStrictEqual([
      fired("git-all", "git-wf", "event.git.push", push, runIdFor("git-all", { kind: "sequence", seq: push, epoch })),
      fired(
        "git-all",
        "git-wf",
        "event.git.push.main.sub",
        deep,
        runIdFor("git-all", { kind: "sequence", seq: deep, epoch }),
      ),
    ])
    expect((await runsOf("git-wf")).map((r) => r.input).sort((a, b) => a.ref.localeCompare(b.ref))).toStrictEqual([
      { ref: "a" },
      { ref: "c" },
    ])
  })

  test("evaluator - one event reaches every trigger that matches it, each starting its own run", async () => {
    await createTrigger({ name: "fan-a", workflow: "fan-wf-a", type: "event", subject: "event.fan.x" })
    await createTrigger({ name: "fan-b", workflow: "fan-wf-b", type: "event", subject: "event.fan.*" })
    const seq = await stack.raw.publish("event.fan.x", '{"n":1}')
    await stack.raw.settled()
    expect((await stack.raw.fires("fan-a")).map(withoutAt)).toStrictEqual([
      fired("fan-a", "fan-wf-a", "event.fan.x", seq, runIdFor("fan-a", { kind: "sequence", seq, epoch })),
    ])
    expect((await stack.raw.fires("fan-b")).map(withoutAt)).toStrictEqual([
      fired("fan-b", "fan-wf-b", "event.fan.x", seq, runIdFor("fan-b", { kind: "sequence", seq, epoch })),
    ])
    expect((await runsOf("fan-wf-a")).map((r) => r.input)).toStrictEqual([{ n: 1 }])
    expect((await runsOf("fan-wf-b")).map((r) => r.input)).toStrictEqual([{ n: 1 }])
  })
})

describe("filters", () => {
  test.each([
    {
      name: "f-nested",
      detail: 'field "pull_request.head.ref" is "main", want "feature/x"',
      what: "a nested path",
      filters: [{ field: "pull_request.head.ref", value: "feature/x" }],
      pass: { pull_request: { head: { ref: "feature/x" } } },
      fail: { pull_request: { head: { ref: "main" } } },
    },
    {
      name: "f-index",
      detail: 'field "labels.1.name" is "bug", want "urgent"',
      what: "an array index",
      filters: [{ field: "labels.1.name", value: "urgent" }],
      pass: { labels: [{ name: "bug" }, { name: "urgent" }] },
      fail: { labels: [{ name: "urgent" }, { name: "bug" }] },
    },
    {
      name: "f-number",
      detail: 'field "number" is "42", want 42',
      what: "a number value (the string of its digits does not match)",
      filters: [{ field: "number", value: "42" }],
      pass: { number: 42 },
      fail: { number: "42" },
    },
    {
      name: "f-boolean",
      detail: 'field "pull_request.merged" is "true", want true',
      what: "a boolean value (the string true does not match)",
      filters: [{ field: "pull_request.merged", value: "true" }],
      pass: { pull_request: { merged: true } },
      fail: { pull_request: { merged: "true" } },
    },
    {
      name: "f-missing",
      detail: 'field "closed_at" is missing',
      what: "a field that is missing (never matches, not even null)",
      filters: [{ field: "closed_at", value: "null" }],
      pass: { closed_at: null },
      fail: {},
    },
    {
      name: "f-several",
      detail: 'field "pull_request.draft" is true, want false',
      what: "several filters, all of which must hold",
      filters: [
        { field: "action", value: "opened" },
        { field: "number", value: "7" },
        { field: "pull_request.draft", value: "false" },
      ],
      pass: { action: "opened", number: 7, pull_request: { draft: false } },
      fail: { action: "opened", number: 7, pull_request: { draft: true } },
    },
  ])(
    "evaluator - a filter on $what starts a run for the matching payload only and records the other as filtered",
    async (c) => {
      const subject = `event.filters.${c.name}`
      await createTrigger({ name: c.name, workflow: `${c.name}-wf`, type: "event", subject, filters: c.filters })
      const pass = await stack.raw.publish(subject, JSON.stringify(c.pass))
      const fail = await stack.raw.publish(subject, JSON.stringify(c.fail))
      await stack.raw.settled()
      expect((await stack.raw.fires(c.name)).map(withoutAt)).toStrictEqual([
        fired(c.name, `${c.name}-wf`, subject, pass, runIdFor(c.name, { kind: "sequence", seq: pass, epoch })),
        skipped(c.name, `${c.name}-wf`, subject, fail, "filtered", c.detail),
      ])
      expect((await runsOf(`${c.name}-wf`)).map((r) => r.input)).toStrictEqual([c.pass])
    },
  )
})

describe("disabled triggers and undecodable events", () => {
  test("evaluator - a disabled trigger records skipped disabled and starts no run until enabled", async () => {
    await createTrigger({ name: "off", workflow: "off-wf", type: "event", subject: "event.off", enabled: false })
    const seq = await stack.raw.publish("event.off", '{"n":1}')
    // Not evaluated at all while disabled: an undecodable event is recorded as disabled, not as an error.
    const notJson = await stack.raw.publish("event.off", "not json", { contentType: null })
    await stack.raw.settled()
    expect((await stack.raw.fires("off")).map(withoutAt)).toStrictEqual([
      skipped("off", "off-wf", "event.off", seq, "disabled"),
      skipped("off", "off-wf", "event.off", notJson, "disabled"),
    ])
    expect(await runsOf("off-wf")).toStrictEqual([])

    await cli("trigger", "enable", "off")
    await stack.raw.request("dagnats.triggers.list", {})
    const after = await stack.raw.publish("event.off", '{"n":2}')
    await stack.raw.settled()
    expect((await stack.raw.fires("off")).map(withoutAt)).toStrictEqual([
      skipped("off", "off-wf", "event.off", seq, "disabled"),
      skipped("off", "off-wf", "event.off", notJson, "disabled"),
      fired("off", "off-wf", "event.off", after, runIdFor("off", { kind: "sequence", seq: after, epoch })),
    ])
    expect((await runsOf("off-wf")).map((r) => r.input)).toStrictEqual([{ n: 2 }])
  })

  test("evaluator - an event that is not JSON records an error and later events are still processed", async () => {
    await createTrigger({ name: "raw-x", workflow: "raw-wf", type: "event", subject: "event.x" })
    const notJson = await stack.raw.publish("event.x", "this is not json {", { contentType: null })
    const badUtf8 = await stack.raw.publish("event.x", new Uint8Array([0x7b, 0xff, 0x7d]))
    const empty = await stack.raw.publish("event.x", new Uint8Array())
    const good = await stack.raw.publish("event.x", '{"ok":true}')
    await stack.raw.settled()
    const error = (seq: number, message: string) => ({
      trigger: "raw-x",
      workflow: "raw-wf",
      outcome: "error",
      error: message,
      event: { subject: "event.x", seq },
    })
    expect((await stack.raw.fires("raw-x")).map(withoutAt)).toStrictEqual([
      error(notJson, "payload is not valid JSON"),
      error(badUtf8, "payload is not valid UTF-8"),
      error(empty, "payload is empty, not JSON"),
      fired("raw-x", "raw-wf", "event.x", good, runIdFor("raw-x", { kind: "sequence", seq: good, epoch })),
    ])
    expect((await runsOf("raw-wf")).map((r) => r.input)).toStrictEqual([{ ok: true }])
  })
})

describe("payloads that are not JSON", () => {
  test("evaluator - a text event is body == null for a when: `body == null` fires with input null, `has(body.x)` is skipped filtered, a trigger without a when records the error", async () => {
    await createTrigger({
      name: "txt-null",
      workflow: "txt-wf",
      type: "event",
      subject: "event.txt",
      when: "body == null",
    })
    await createTrigger({
      name: "txt-has",
      workflow: "txt-has-wf",
      type: "event",
      subject: "event.txt",
      when: "has(body.x)",
    })
    await createTrigger({ name: "txt-plain", workflow: "txt-plain-wf", type: "event", subject: "event.txt" })
    const text = await stack.raw.publish("event.txt", "status=ok&n=1", { contentType: "text/plain" })
    const json = await stack.raw.publish("event.txt", '{"x":1}')
    await stack.raw.settled()
    const textRun = runIdFor("txt-null", { kind: "sequence", seq: text, epoch })
    expect((await stack.raw.fires("txt-null")).map(withoutAt)).toStrictEqual([
      fired("txt-null", "txt-wf", "event.txt", text, textRun),
      skipped("txt-null", "txt-wf", "event.txt", json, "filtered", "when was false"),
    ])
    expect((await runsOf("txt-wf")).map((r) => [r.run_id, r.input])).toStrictEqual([[textRun, null]])
    expect((await stack.raw.fires("txt-has")).map(withoutAt)).toStrictEqual([
      skipped("txt-has", "txt-has-wf", "event.txt", text, "filtered", "when was false"),
      fired("txt-has", "txt-has-wf", "event.txt", json, runIdFor("txt-has", { kind: "sequence", seq: json, epoch })),
    ])
    expect((await stack.raw.fires("txt-plain")).map(withoutAt)).toStrictEqual([
      {
        trigger: "txt-plain",
        workflow: "txt-plain-wf",
        outcome: "error",
        error: "payload is not valid JSON",
        event: { subject: "event.txt", seq: text },
      },
      fired(
        "txt-plain",
        "txt-plain-wf",
        "event.txt",
        json,
        runIdFor("txt-plain", { kind: "sequence", seq: json, epoch }),
      ),
    ])
  })
})

describe("wire shapes", () => {
  test("evaluator - the run record, workflow.started event and fire record have exactly the SPEC shapes", async () => {
    await createTrigger({ name: "shape", workflow: "shape-wf", type: "event", subject: "event.shape.*" })
    const payload = { action: "opened", items: [1, "two", { three: null }] }
    const seq = await stack.raw.publish("event.shape.a", JSON.stringify(payload), { msgID: "shape-delivery-1" })
    await stack.raw.settled()
    const runId = runIdFor("shape", { kind: "delivery", deliveryId: "shape-delivery-1" })
    expect(runId).toMatch(/^[0-9a-f]{32}$/)

    const entry = await (await stack.raw.runs()).get(runId)
    const record = JSON.parse(new TextDecoder().decode(entry!.value)) as Record<string, any>
    expect(record).toStrictEqual({
      run_id: runId,
      workflow: "shape-wf",
      status: "pending",
      input: payload,
      trigger: { name: "shape", type: "event" },
      event: { subject: "event.shape.a", seq, delivery_id: "shape-delivery-1" },
      created_at: record.created_at,
      count: 1,
    })
    expect(new Date(record.created_at as string).toISOString()).toBe(record.created_at)

    const started = await stack.raw.messages("WORKFLOW_HISTORY", `history.${runId}`)
    expect(started).toHaveLength(1)
    const event = started[0]!.data as Record<string, any>
    expect(event).toStrictEqual({
      type: "workflow.started",
      run_id: runId,
      timestamp: event.timestamp,
      trace_parent: event.trace_parent,
      payload: {
        trigger: "subject",
        source: "shape",
        workflow_id: "shape-wf",
        timestamp: event.timestamp,
        data: payload,
        trace_parent: event.trace_parent,
      },
    })
    expect(event.trace_parent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/)
    expect(event.timestamp).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/)
    expect(started[0]!.headers["Nats-Msg-Id"]).toBe(`${runId}.workflow.started`)

    const fires = await stack.raw.fires("shape")
    expect(fires).toHaveLength(1)
    expect(Object.keys(fires[0]!).sort()).toStrictEqual([
      "at",
      "count",
      "event",
      "fired_at",
      "outcome",
      "run_id",
      "skipped",
      "source",
      "trigger",
      "trigger_id",
      "workflow",
      "workflow_id",
    ])
    expect(withoutAt(fires[0]!)).toStrictEqual(fired("shape", "shape-wf", "event.shape.a", seq, runId))

    expect(await cli("run", "get", runId)).toStrictEqual(record)
  })
})

describe("idempotency", () => {
  test("evaluator - dagnats event publish with the same --id twice stores one event and starts one run", async () => {
    await createTrigger({ name: "once", workflow: "once-wf", type: "event", subject: "event.once" })
    const first = await cli("event", "publish", "event.once", '{"n":1}', "--id", "delivery-42")
    const second = await cli("event", "publish", "event.once", '{"n":1}', "--id", "delivery-42")
    expect(first).toStrictEqual({ stream: "EVENTS", seq: first.seq, duplicate: false })
    expect(second).toStrictEqual({ stream: "EVENTS", seq: first.seq, duplicate: true })
    await stack.raw.settled()
    const runId = runIdFor("once", { kind: "delivery", deliveryId: "delivery-42" })
    expect((await stack.raw.fires("once")).map(withoutAt)).toStrictEqual([
      fired("once", "once-wf", "event.once", first.seq, runId),
    ])
    expect((await runsOf("once-wf")).map((r) => [r.run_id, r.event])).toStrictEqual([
      [runId, { subject: "event.once", seq: first.seq, delivery_id: "delivery-42" }],
    ])
    expect(await stack.raw.messages("WORKFLOW_HISTORY", `history.${runId}`)).toHaveLength(1)
  })

  test("evaluator - a run record left without its workflow.started event (a crash between the two) gets exactly one", async () => {
    await createTrigger({ name: "heal", workflow: "heal-wf", type: "event", subject: "event.heal" })
    const runId = runIdFor("heal", { kind: "delivery", deliveryId: "heal-1" })
    // Nothing else publishes in this file while a test runs, so the event's sequence is known ahead.
    const seq = (await stack.raw.jsm.streams.info("EVENTS")).state.last_seq + 1
    const half = {
      run_id: runId,
      workflow: "heal-wf",
      status: "pending",
      input: { n: 1 },
      trigger: { name: "heal", type: "event" },
      event: { subject: "event.heal", seq, delivery_id: "heal-1" },
      created_at: new Date().toISOString(),
      count: 1,
    }
    await (await stack.raw.runs()).create(runId, JSON.stringify(half))
    expect(await stack.raw.publish("event.heal", '{"n":1}', { msgID: "heal-1" })).toBe(seq)
    await stack.raw.settled()
    expect((await stack.raw.fires("heal")).map(withoutAt)).toStrictEqual([
      fired("heal", "heal-wf", "event.heal", seq, runId),
    ])
    const started = await stack.raw.messages("WORKFLOW_HISTORY", `history.${runId}`)
    expect(started.map((m) => [(m.data as any).run_id, (m.data as any).payload.source])).toStrictEqual([
      [runId, "heal"],
    ])
    expect(await runsOf("heal-wf")).toHaveLength(1)
  })
})

describe("CLI", () => {
  test("cli - trigger fire starts a run with source manual and prints only its run id", async () => {
    await createTrigger({ name: "firing", workflow: "firing-wf", type: "event", subject: "event.firing" })
    const reply = await cli("trigger", "fire", "firing", "--input", '{"by":"hand"}')
    expect(Object.keys(reply)).toStrictEqual(["run_id"])
    expect(reply.run_id).toMatch(/^[0-9a-f]{32}$/)
    const run = await cli("run", "get", reply.run_id)
    expect(run).toStrictEqual({
      run_id: reply.run_id,
      workflow: "firing-wf",
      status: "pending",
      input: { by: "hand" },
      trigger: { name: "firing", type: "manual" },
      event: null,
      created_at: run.created_at,
      count: 1,
    })
    const started = await stack.raw.messages("WORKFLOW_HISTORY", `history.${reply.run_id}`)
    expect(started.map((m) => (m.data as any).payload)).toStrictEqual([
      {
        trigger: "manual",
        source: "firing",
        workflow_id: "firing-wf",
        timestamp: (started[0]!.data as any).timestamp,
        data: { by: "hand" },
        trace_parent: (started[0]!.data as any).trace_parent,
      },
    ])
    const missing = await cliRaw("trigger", "fire", "no-such-trigger", "--json")
    expect(missing.code).toBe(1)
    expect(missing.stderr).toContain('trigger "no-such-trigger" not found')
  })

  test("cli - run start, get and list: filters by workflow and trigger, newest first, limited", async () => {
    const started: Array<string> = []
    for (const n of [1, 2, 3])
      started.push((await cli("run", "start", "listing-wf", "--input", JSON.stringify({ n }))).run_id)
    expect(new Set(started).size).toBe(3)
    const all = await cli("run", "list", "--workflow", "listing-wf")
    expect(all.runs.map((r: any) => [r.run_id, r.input, r.trigger])).toStrictEqual([
      [started[2], { n: 3 }, { name: null, type: "manual" }],
      [started[1], { n: 2 }, { name: null, type: "manual" }],
      [started[0], { n: 1 }, { name: null, type: "manual" }],
    ])
    const limited = await cli("run", "list", "--workflow", "listing-wf", "--limit", "2")
    expect(limited.runs.map((r: any) => r.run_id)).toStrictEqual([started[2], started[1]])
    expect(await cli("run", "get", started[0]!)).toStrictEqual(all.runs[2])

    await createTrigger({ name: "listing-t", workflow: "listing-wf", type: "event", subject: "event.listing" })
    const seq = await stack.raw.publish("event.listing", '{"n":4}')
    await stack.raw.settled()
    const byTrigger = await cli("run", "list", "--trigger", "listing-t")
    expect(byTrigger.runs.map((r: any) => [r.input, r.event.seq])).toStrictEqual([[{ n: 4 }, seq]])
    expect((await cli("run", "list", "--workflow", "listing-wf", "--limit", "1000")).runs).toHaveLength(4)

    const unknown = await cliRaw("run", "get", "0".repeat(32), "--json")
    expect(unknown.code).toBe(1)
    expect(unknown.stderr).toContain(`run "${"0".repeat(32)}" not found`)
    expect((await cliRaw("run", "list", "--limit", "0")).code).toBe(2)
  })

  test("cli - trigger test says matched for a passing payload and names the failed filter otherwise, starting nothing", async () => {
    await createTrigger({
      name: "testing",
      workflow: "testing-wf",
      type: "event",
      subject: "event.testing",
      filters: [
        { field: "action", value: "opened" },
        { field: "number", value: "42" },
      ],
    })
    const subject = { check: "subject", pass: true, want: "event.testing", seen: "event.testing" }
    const action = { check: "filter", pass: true, field: "action", want: "opened", seen: "opened" }
    const number = (seen: number) => ({ check: "filter", pass: seen === 42, field: "number", want: 42, seen })
    expect(await cli("trigger", "test", "testing", "--payload", '{"action":"opened","number":42}')).toStrictEqual({
      matched: true,
      checks: [subject, action, number(42)],
    })
    expect(await cli("trigger", "test", "testing", "--payload", '{"action":"opened","number":41}')).toStrictEqual({
      matched: false,
      reason: 'field "number" is 41, want 42',
      checks: [subject, action, number(41)],
    })
    expect(await cli("trigger", "test", "testing", "--payload", '{"number":42}')).toStrictEqual({
      matched: false,
      reason: 'field "action" is missing',
      checks: [subject, { check: "filter", pass: false, field: "action", want: "opened" }, number(42)],
    })
    expect(await cli("trigger", "test", "testing", "--payload", "{}", "--subject", "event.other")).toStrictEqual({
      matched: false,
      reason: "subject event.other does not match event.testing",
      checks: [
        { check: "subject", pass: false, want: "event.testing", seen: "event.other" },
        { check: "filter", pass: false, field: "action", want: "opened" },
        { check: "filter", pass: false, field: "number", want: 42 },
      ],
    })
    expect(await runsOf("testing-wf")).toStrictEqual([])
    expect(await cli("trigger", "history", "testing")).toStrictEqual({ fires: [] })
    expect((await cliRaw("trigger", "test", "testing", "--payload", "not json")).code).toBe(2)
  })

  test("cli - trigger history --limit gives exactly the newest N records, newest first", async () => {
    await createTrigger({
      name: "hist",
      workflow: "hist-wf",
      type: "event",
      subject: "event.hist",
      filters: [{ field: "keep", value: "true" }],
    })
    // One at a time: concurrent evaluation would record them in any order, and newest first is
    // the order records were written.
    const seqs: Array<number> = []
    for (let i = 0; i < 5; i++) {
      seqs.push(await stack.raw.publish("event.hist", JSON.stringify({ keep: i % 2 === 0, i })))
      await stack.raw.settled()
    }
    const three = await cli("trigger", "history", "hist", "--limit", "3")
    expect(three.fires.map(withoutAt)).toStrictEqual([
      fired("hist", "hist-wf", "event.hist", seqs[4]!, runIdFor("hist", { kind: "sequence", seq: seqs[4]!, epoch })),
      skipped("hist", "hist-wf", "event.hist", seqs[3]!, "filtered", 'field "keep" is false, want true'),
      fired("hist", "hist-wf", "event.hist", seqs[2]!, runIdFor("hist", { kind: "sequence", seq: seqs[2]!, epoch })),
    ])
    const all = await cli("trigger", "history", "hist")
    expect(all.fires.map((f: any) => f.event.seq)).toStrictEqual([...seqs].reverse())
    const one = await cli("trigger", "history", "hist", "--limit", "1")
    expect(one.fires.map((f: any) => f.event.seq)).toStrictEqual([seqs[4]])
    const missing = await cliRaw("trigger", "history", "no-such-trigger", "--json")
    expect(missing.code).toBe(1)
  })

  test("cli - event publish outside event.>, to a wildcard or with a payload that is not JSON is a usage error and stores nothing", async () => {
    const before = (await stack.raw.jsm.streams.info("EVENTS")).state.last_seq
    for (const args of [
      ["other.x", "{}"],
      ["event", "{}"],
      ["event.*", "{}"],
      ["event.>", "{}"],
      ["event.x", "not json"],
    ]) {
      const r = await cliRaw("event", "publish", ...args, "--json")
      expect({ args, code: r.code, stdout: r.stdout }).toStrictEqual({ args, code: 2, stdout: "" })
    }
    expect((await stack.raw.jsm.streams.info("EVENTS")).state.last_seq).toBe(before)
  })
})
