// Proves the CLI treats what the service answers as untrusted: against a hostile stand-in answering
// on the dagnats subjects, control characters are printed as visible escapes (human output and error
// lines; --json stays the same JSON with them escaped), a reply of the wrong shape ends the command
// with exit 1 naming the field (never `undefined` and exit 0), trigger list follows a bounded number
// of pages, and `run get --wait` shows its state on a terminal but adds nothing when piped.
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest"
import { connect } from "@nats-io/transport-node"
import { headers as natsHeaders, type NatsConnection } from "@nats-io/nats-core"
import { startNatsServer, type TestNatsServer } from "../support/nats-server.js"
import { runCli, runCliOnTty } from "../support/cli.js"

/** How the stand-in answers one request: a JSON value, raw text, or a micro error. */
type Answer =
  { readonly json: unknown } | { readonly text: string } | { readonly error: number; readonly body: unknown }
type Responder = (request: Record<string, unknown>, n: number) => Answer

let nats: TestNatsServer
let standIn: NatsConnection
const responders = new Map<string, Responder>()
const requests = new Map<string, number>()

beforeAll(async () => {
  nats = await startNatsServer()
  standIn = await connect({ servers: nats.url })
  standIn.subscribe("dagnats.>", {
    callback: (_err, m) => {
      const n = (requests.get(m.subject) ?? 0) + 1
      requests.set(m.subject, n)
      const respond = responders.get(m.subject)
      if (respond === undefined) return
      const answer = respond(JSON.parse(new TextDecoder().decode(m.data)) as Record<string, unknown>, n)
      if ("error" in answer) {
        const h = natsHeaders()
        h.set("Nats-Service-Error-Code", String(answer.error))
        h.set("Nats-Service-Error", "error")
        m.respond(JSON.stringify(answer.body), { headers: h })
      } else m.respond("json" in answer ? JSON.stringify(answer.json) : answer.text)
    },
  })
  await standIn.flush()
})

afterEach(() => {
  responders.clear()
  requests.clear()
})

afterAll(async () => {
  await standIn?.close()
  await nats?.dispose()
})

const answer = (subject: string, respond: Responder) => responders.set(subject, respond)
const cli = (...args: Array<string>) => runCli([...args, "--nats-url", nats.url])
/** The same command line through the full command tree: the lean entry does not know --log-level. */
const fullCli = (...args: Array<string>) => cli(...args, "--log-level", "info")

const hostileTrigger = {
  name: "evil",
  type: "webhook",
  workflow: "wf\u001b]0;owned\u0007",
  enabled: true,
  scheme: "github\u001b[2J",
  verify: true,
  secret_count: 1,
  filters: [{ field: "a", value: "x\r\nfaked: line" }],
  revision: 1,
  created_at: "2026-01-01T00:00:00Z",
  updated_at: "2026-01-01T00:00:00\u009b31mZ\u202e",
}

const run = (status: string, extra: Record<string, unknown> = {}) => ({
  run_id: "r1",
  workflow: "wf",
  status,
  input: {},
  trigger: { name: "t", type: "webhook" },
  event: { subject: "event.webhook.t", seq: 1, delivery_id: null },
  created_at: "2026-01-01T00:00:00Z",
  count: 1,
  ...extra,
})
const runLines = (status: string) =>
  [
    "run id:   r1",
    "workflow: wf",
    `status:   ${status}`,
    "trigger:  t (webhook)",
    "event:    event.webhook.t #1",
    "created:  2026-01-01T00:00:00Z",
    "input:    {}",
    "",
  ].join("\n")

/** Raw C0 (but the line feed), DEL and C1 controls: none may reach the terminal. */
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/

describe("cli - escape sequences in replies", () => {
  it("cli - trigger get shows a hostile trigger's control characters as visible escapes; --json is the same JSON with none raw", async () => {
    answer("dagnats.triggers.get", () => ({ json: hostileTrigger }))
    const human = await cli("trigger", "get", "evil")
    expect(human).toStrictEqual({
      code: 0,
      stderr: "",
      stdout: [
        "name:       evil",
        "type:       webhook",
        "workflow:   wf\\x1b]0;owned\\x07",
        "enabled:    true",
        "listens on: event.webhook.evil (POST /v1/webhooks/evil)",
        "scheme:     github\\x1b[2J",
        "verify:     true",
        "secrets:    1 set",
        "filters:    a=x\\r\\nfaked: line",
        "debounce:   -",
        "batch:      -",
        "revision:   1",
        "created:    2026-01-01T00:00:00Z",
        "updated:    2026-01-01T00:00:00\\x9b31mZ\\u202e",
        "",
      ].join("\n"),
    })
    const json = await cli("trigger", "get", "evil", "--json")
    expect({ code: json.code, stderr: json.stderr, raw: RAW_CONTROL.test(json.stdout) }).toStrictEqual({
      code: 0,
      stderr: "",
      raw: false,
    })
    expect(JSON.parse(json.stdout)).toStrictEqual(hostileTrigger)
  })

  it("cli - trigger list (lean entry and full tree) escapes control characters in every cell", async () => {
    answer("dagnats.triggers.list", () => ({ json: { triggers: [{ ...hostileTrigger, name: "e\u001b[1Avil" }] } }))
    const expected = {
      code: 0,
      stderr: "",
      stdout:
        "NAME         TYPE     WORKFLOW            ENABLED  MODE  OPEN  SOURCE\n" +
        "e\\x1b[1Avil  webhook  wf\\x1b]0;owned\\x07  yes      -     -     POST /v1/webhooks/e\\x1b[1Avil\n",
    }
    expect(await cli("trigger", "list")).toStrictEqual(expected)
    expect(await fullCli("trigger", "list")).toStrictEqual(expected)
  })

  it("cli - a service error message with escapes and a line break is printed on one line, escaped (exit 1)", async () => {
    const message = "trigger evil not found\u001b[2K\ndagnats: fake second line"
    answer("dagnats.triggers.get", () => ({ error: 404, body: { error: { code: "not_found", message } } }))
    expect(await cli("trigger", "get", "evil")).toStrictEqual({
      code: 1,
      stdout: "",
      stderr: "dagnats: trigger evil not found\\x1b[2K\\ndagnats: fake second line\n",
    })
  })

  it("cli - webhook send prints a hostile response body with its escapes visible, line by line", async () => {
    const server: Server = createServer((_req, res) => {
      res.writeHead(200, { "content-type": "text/plain" })
      res.end("accepted\u001b[2J\nsecond\u0007 line")
    })
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
      const r = await cli("webhook", "send", "hook", "--url", url)
      expect(r).toStrictEqual({ code: 0, stderr: "", stdout: "200 OK\naccepted\\x1b[2J\nsecond\\x07 line\n" })
    } finally {
      await new Promise((resolve) => server.close(resolve))
    }
  })

  it("cli - trigger history shows a DagNats engine record and a record of no known shape as such (exit 0)", async () => {
    const fires = [
      {
        outcome: "fired",
        run_id: "r1",
        count: 1,
        event: { subject: "event.x", seq: 7 },
        at: "2026-01-01T00:00:02Z",
        run_status: "completed",
      },
      { trigger_id: "t", workflow_id: "wf", fired_at: "2026-01-01T00:00:01Z", skipped: true, skip_reason: "paused" },
      { surprise: true },
    ]
    answer("dagnats.triggers.history", () => ({ json: { fires } }))
    expect(await cli("trigger", "history", "t")).toStrictEqual({
      code: 0,
      stderr: "",
      stdout: [
        "AT                    OUTCOME  DETAIL                              RUN STATUS  EVENT",
        "2026-01-01T00:00:02Z  fired    run r1                              completed   event.x #7",
        "2026-01-01T00:00:01Z  skipped  paused                              -           (a DagNats engine record)",
        "-                     unknown  a record of no shape dagnats knows  -           -",
        "",
      ].join("\n"),
    })
  })
})

describe("cli - replies of the wrong shape", () => {
  const understood = (subject: string, problem: string) =>
    `dagnats: the service's reply to ${subject} is not one this dagnats understands: ${problem} ` +
    "(is serve another dagnats version?)\n"

  it.each([
    { args: ["run", "start", "wf"], subject: "dagnats.runs.start", reply: {}, problem: "run_id: missing" },
    { args: ["run", "start", "wf", "--json"], subject: "dagnats.runs.start", reply: {}, problem: "run_id: missing" },
    {
      args: ["trigger", "fire", "t"],
      subject: "dagnats.triggers.fire",
      reply: { run_id: 7 },
      problem: "run_id: expected a string, got the number 7",
    },
    {
      args: ["trigger", "get", "x"],
      subject: "dagnats.triggers.get",
      reply: { ...hostileTrigger, name: 5 },
      problem: "name: expected a string, got the number 5",
    },
    {
      args: ["run", "list"],
      subject: "dagnats.runs.list",
      reply: { runs: [run("completed"), { run_id: "r2" }] },
      problem: "runs[1].workflow: missing",
    },
    {
      args: ["run", "get", "r1"],
      subject: "dagnats.runs.get",
      reply: null,
      problem: "the reply: expected an object, got null",
    },
    {
      args: ["trigger", "test", "x", "--payload", "{}"],
      subject: "dagnats.triggers.test",
      reply: { matched: "yes" },
      problem: 'matched: expected true or false, got the string "yes"',
    },
    {
      args: ["trigger", "list"],
      subject: "dagnats.triggers.list",
      reply: { triggers: {} },
      problem: "triggers: expected an array, got an object",
    },
    {
      args: ["trigger", "list", "--log-level", "info"],
      subject: "dagnats.triggers.list",
      reply: { triggers: [{ ...hostileTrigger, filters: [{ field: "a" }] }] },
      problem: "triggers[0].filters[0]: expected {field, value} or {header, value}, got an object",
    },
    {
      args: ["trigger", "history", "t"],
      subject: "dagnats.triggers.history",
      reply: { fires: 3 },
      problem: "fires: expected an array, got the number 3",
    },
    {
      args: ["event", "dead"],
      subject: "dagnats.events.dead",
      reply: { dead: [{ subject: "event.x", seq: -1, error: "e", at: "t" }] },
      problem: "dead[0].seq: expected a whole number, got the number -1",
    },
  ])("cli - $args exits 1 naming the field when $subject answers the wrong shape", async (c) => {
    answer(c.subject, () => ({ json: c.reply }))
    expect(await cli(...c.args)).toStrictEqual({ code: 1, stdout: "", stderr: understood(c.subject, c.problem) })
  })
})

describe("cli - paging", () => {
  const trigger = (name: string) => ({ ...hostileTrigger, name, workflow: "wf", scheme: "github" })
  const name = (n: number) => `t${String(n).padStart(4, "0")}`

  it("cli - trigger list stops after 1000 pages of an endless next (exit 1, lean entry and full tree alike)", async () => {
    answer("dagnats.triggers.list", (_req, n) => ({ json: { triggers: [trigger(name(n))], next: name(n) } }))
    const expected = {
      code: 1,
      stdout: "",
      stderr:
        "dagnats: stopped after 1000 pages (1000 triggers) of dagnats.triggers.list: " +
        "the service still answers with a next page\n",
    }
    expect(await cli("trigger", "list")).toStrictEqual(expected)
    expect(requests.get("dagnats.triggers.list")).toBe(1000)
    requests.clear()
    expect(await fullCli("trigger", "list", "--json")).toStrictEqual(expected)
    expect(requests.get("dagnats.triggers.list")).toBe(1000)
  })

  it("cli - trigger list stops at once when next does not move past the page it continues after (exit 1)", async () => {
    answer("dagnats.triggers.list", () => ({ json: { triggers: [trigger("t")], next: "t" } }))
    expect(await cli("trigger", "list")).toStrictEqual({
      code: 1,
      stdout: "",
      stderr:
        'dagnats: the service\'s reply to dagnats.triggers.list names "t" as the page after "t"; ' +
        "names only grow, so following it would never end: stopped\n",
    })
    expect(requests.get("dagnats.triggers.list")).toBe(2)
  })

  it("cli - trigger list follows every page while next grows, and prints them all", async () => {
    answer("dagnats.triggers.list", (_req, n) => ({
      json: { triggers: [trigger(name(n))], ...(n < 3 ? { next: name(n) } : {}) },
    }))
    const r = await cli("trigger", "list", "--json")
    expect({ code: r.code, stderr: r.stderr }).toStrictEqual({ code: 0, stderr: "" })
    expect(JSON.parse(r.stdout).triggers.map((t: { name: string }) => t.name)).toStrictEqual([
      name(1),
      name(2),
      name(3),
    ])
  })
})

describe("cli - run get --wait", () => {
  const pendingTwice = (failure?: string) =>
    answer("dagnats.runs.get", (_req, n) => ({
      json: n <= 2 ? run("pending") : run(failure === undefined ? "completed" : "failed", { error: failure }),
    }))

  it("cli - run get --wait piped prints the final record and nothing else (stderr empty)", async () => {
    pendingTwice()
    expect(await cli("run", "get", "r1", "--wait")).toStrictEqual({
      code: 0,
      stderr: "",
      stdout: runLines("completed"),
    })
    expect(requests.get("dagnats.runs.get")).toBe(3)
  })

  it("cli - run get --wait on a terminal shows one updating line of state and time waited, then clears it", async () => {
    pendingTwice()
    const r = await runCliOnTty(["run", "get", "r1", "--wait", "--nats-url", nats.url])
    expect(r.code, r.output).toBe(0)
    // Each poll rewrites the line in place (back to column 0, erase); the record follows a cleared line.
    expect(r.output).toMatch(
      /^\r\u001b\[2Kwaiting for run r1: pending, \d+s\r\u001b\[2Kwaiting for run r1: pending, \d+s\r\u001b\[2K/,
    )
    expect(r.output.replace(/^(\r\u001b\[2K(waiting for run r1: pending, \d+s)?)+/, "")).toBe(runLines("completed"))
  })

  it("cli - run get --wait of a run that failed with a hostile error exits 1 with the error escaped", async () => {
    pendingTwice("boom\u001b[31m\u0007")
    const r = await cli("run", "get", "r1", "--wait")
    expect({ code: r.code, stderr: r.stderr }).toStrictEqual({
      code: 1,
      stderr: "dagnats: run r1 failed: boom\\x1b[31m\\x07\n",
    })
  })
})
