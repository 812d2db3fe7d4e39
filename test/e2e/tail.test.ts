// Proves `dagnats tail` end to end: a long-running child process that, piped, prints each webhook's
// delivery record as NDJSON as serve writes it (accepted and rejected), filters by --trigger, adds
// evaluations of events published straight to event.> with --events, shows a record of an unknown
// shape as such, on a terminal prints one line per delivery with the run its event started and a
// line when that run completes or fails, and ends with exit 0 on Ctrl-C.
import { spawn } from "node:child_process"
import { describe, expect, test } from "vitest"
import { DAGNATS_BIN } from "../support/cli.js"
import { eventually } from "../support/poll.js"
import { e2eStack } from "../support/e2e-stack.js"
import { startTail } from "../support/tail-process.js"
import { publishLifecycle } from "../support/engine-fixture.js"
import { send, signed, triggers, webhookTrigger } from "./ingest-support.js"

const SECRET = "tail-secret-7c1d"
const stack = e2eStack()
const url = (name: string) => `${stack.serve.baseUrl}/v1/webhooks/${name}`
const tailArgs = (...args: Array<string>) => [...args, "--nats-url", stack.url]

let ready: Promise<void> | undefined
const setup = () =>
  (ready ??= (async () => {
    await webhookTrigger(stack.raw.nc, "tail-hook", { workflow: "wf-tail", secrets: [SECRET] })
    await webhookTrigger(stack.raw.nc, "tail-other", { workflow: "wf-tail", secrets: [SECRET] })
    await triggers(stack.raw.nc, "create", {
      name: "tail-direct",
      workflow: "wf-direct",
      type: "event",
      subject: "event.tail.direct",
    })
    await stack.raw.request("dagnats.triggers.list", {})
  })())

const json = (line: string) => JSON.parse(line) as Record<string, any>
const hasId = (id: string) => (line: string) => line.includes(id)

describe("tail - piped: NDJSON records", () => {
  test("tail - piped, an accepted webhook's delivery record is one JSON line with exactly the stored fields, and Ctrl-C exits 0", async () => {
    await setup()
    const tail = await startTail(tailArgs())
    try {
      const body = '{"action":"opened"}'
      const r = await send(url("tail-hook"), { body, headers: signed(SECRET, body) })
      expect(r.status).toBe(202)
      const id = r.json.delivery_id as string
      const record = json(await tail.lineWith(hasId(id)))
      expect(record).toStrictEqual({
        id,
        received_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        trigger: "tail-hook",
        request: {
          method: "POST",
          path: "/v1/webhooks/tail-hook",
          remote_addr: expect.any(String),
          content_type: "application/json",
          size: body.length,
          body_sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
          headers: expect.objectContaining({ "x-signature-256": "[redacted]", "content-type": "application/json" }),
        },
        response: { status: 202, duration_ms: expect.any(Number) },
        event: { stream: "EVENTS", subject: "event.webhook.tail-hook", seq: r.json.seq, duplicate: false },
      })
      // Only delivery records: the trigger decisions are not printed without --events.
      expect(tail.lines().every((l) => "id" in json(l))).toBe(true)
    } finally {
      expect(await tail.stop()).toBe(0)
    }
  })

  test("tail - piped, a rejected webhook's record carries its status and code and no event", async () => {
    await setup()
    const tail = await startTail(tailArgs("--json"))
    try {
      const body = '{"action":"opened"}'
      const r = await send(url("tail-hook"), { body, headers: signed("wrong-secret", body) })
      expect(r.status).toBe(401)
      const record = json(await tail.lineWith(hasId(r.json.delivery_id)))
      expect(record.response).toStrictEqual({ status: 401, code: "invalid_signature", duration_ms: expect.any(Number) })
      expect(record.event).toBeUndefined()
    } finally {
      expect(await tail.stop()).toBe(0)
    }
  })

  test("tail - --trigger shows only that trigger's deliveries", async () => {
    await setup()
    const tail = await startTail(tailArgs("--trigger", "tail-hook"))
    try {
      const body = "{}"
      const other = await send(url("tail-other"), { body, headers: signed(SECRET, body) })
      const mine = await send(url("tail-hook"), { body, headers: signed(SECRET, body) })
      expect([other.status, mine.status]).toStrictEqual([202, 202])
      await tail.lineWith(hasId(mine.json.delivery_id))
      // serve records deliveries in answer order, so the other one would have come first.
      expect(tail.lines().map((l) => json(l).trigger)).toStrictEqual(["tail-hook"])
    } finally {
      expect(await tail.stop()).toBe(0)
    }
  })

  test("tail - --events adds the evaluation of an event published with `event publish`, and not those of webhooks", async () => {
    await setup()
    const tail = await startTail(tailArgs("--events"))
    try {
      const body = "{}"
      const hook = await send(url("tail-hook"), { body, headers: signed(SECRET, body) })
      const published = await stack.cli<{ seq: number }>("event", "publish", "event.tail.direct", '{"n":1}')
      const line = await tail.lineWith((l) => json(l).trigger === "tail-direct")
      expect(json(line)).toMatchObject({
        trigger: "tail-direct",
        workflow: "wf-direct",
        outcome: "fired",
        run_id: expect.any(String),
        event: { subject: "event.tail.direct", seq: published.seq },
      })
      await tail.lineWith(hasId(hook.json.delivery_id))
      const fires = tail.lines().filter((l) => "outcome" in json(l))
      expect(fires.map((l) => json(l).event.subject)).toStrictEqual(["event.tail.direct"])
    } finally {
      expect(await tail.stop()).toBe(0)
    }
  })

  test("tail - a record of an unknown shape on dagnats.deliveries is printed as it is, and tail goes on", async () => {
    const tail = await startTail(tailArgs())
    try {
      stack.raw.nc.publish("dagnats.deliveries.x.y", new TextEncoder().encode("not json \u001b[31m"))
      stack.raw.nc.publish("dagnats.deliveries.x.z", new TextEncoder().encode('{"surprise":1}'))
      await tail.lineWith((l) => l.includes("surprise"))
      expect(tail.lines().map(json)).toStrictEqual([
        { subject: "dagnats.deliveries.x.y", unparsed: "not json \u001b[31m" },
        { surprise: 1 },
      ])
      expect(tail.lines()[0]).toBe('{"subject":"dagnats.deliveries.x.y","unparsed":"not json \\u001b[31m"}')
    } finally {
      expect(await tail.stop()).toBe(0)
    }
  })
})

describe("tail - into a program that stops reading", () => {
  test("tail - piped into head -1: the first record comes out and tail ends quietly with exit 0 at its next write", async () => {
    await setup()
    const quote = (w: string) => `'${w.replace(/'/g, `'\\''`)}'`
    const tail = [process.execPath, DAGNATS_BIN, "tail", "--nats-url", stack.url].map(quote).join(" ")
    const child = spawn("bash", ["-c", `set -o pipefail; ${tail} | head -1`], { stdio: ["ignore", "pipe", "pipe"] })
    let out = ""
    let err = ""
    child.stdout.on("data", (d: Buffer) => (out += d.toString()))
    child.stderr.on("data", (d: Buffer) => (err += d.toString()))
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)))
    await eventually(() => expect(err).toContain("tailing"), 15_000)
    const body = "{}"
    // Each webhook is one more line: the first goes through head, a later one finds the pipe closed.
    const ids: Array<string> = []
    await eventually(
      async () => {
        const r = await send(url("tail-hook"), { body, headers: signed(SECRET, body) })
        ids.push(r.json.delivery_id)
        expect(child.exitCode).not.toBeNull()
      },
      15_000,
      100,
    )
    expect(await exited).toBe(0)
    expect(out.split("\n").filter((l) => l !== "")).toHaveLength(1)
    expect(ids).toContain(json(out).id)
    expect(err).not.toContain("EPIPE")
  })
})

describe("tail - on a terminal", () => {
  test("tail - on a TTY, one line per delivery with its status, trigger and size, the run its event started, escapes for control characters, and Ctrl-C exits 0", async () => {
    await setup()
    const tail = await startTail(tailArgs(), { tty: true })
    try {
      const body = '{"action":"opened"}'
      const r = await send(url("tail-hook"), { body, headers: signed(SECRET, body) })
      const id = r.json.delivery_id as string
      const line = await tail.lineWith(hasId(id))
      expect(line).toMatch(
        new RegExp(
          `^\\d\\d:\\d\\d:\\d\\d\\.\\d{3}  202  tail-hook\\s+${body.length} B\\s+[\\d.]+ ms  → ` +
            `event\\.webhook\\.tail-hook #${r.json.seq}  ${id}$`,
        ),
      )
      const decision = await tail.lineWith((l) => l.startsWith("    ↳ tail-hook  fired → run "))
      expect(decision).toMatch(/^ {4}↳ tail-hook {2}fired → run \S+$/)
      stack.raw.nc.publish("dagnats.deliveries.x.y", new TextEncoder().encode("evil \u001b]0;title\u0007"))
      const unknown = await tail.lineWith((l) => l.includes("unknown shape"))
      expect(unknown).toMatch(/record of an unknown shape on dagnats\.deliveries\.x\.y: evil \\x1b]0;title\\x07$/)
    } finally {
      expect(await tail.stop()).toBe(0)
    }
  })
})

describe("tail - on a terminal, how runs end", () => {
  const firedRun = async (tail: Awaited<ReturnType<typeof startTail>>, body: string) => {
    const r = await send(url("tail-hook"), { body, headers: signed(SECRET, body) })
    expect(r.status).toBe(202)
    await tail.lineWith(hasId(r.json.delivery_id))
    const fired = (l: string) => l.startsWith("    ↳ tail-hook  fired → run ")
    // Each test's tail sees only its own deliveries, so the one fired line is this delivery's.
    return (await tail.lineWith(fired)).slice("    ↳ tail-hook  fired → run ".length)
  }

  test("tail - on a TTY, a run the engine completes gets a `↳ run ID completed (duration)` line after its decision", async () => {
    await setup()
    const tail = await startTail(tailArgs("--trigger", "tail-hook"), { tty: true })
    try {
      const runId = await firedRun(tail, '{"n":"completes"}')
      expect(tail.lines().some((l) => l.includes(`run ${runId} `))).toBe(false)
      await publishLifecycle(stack.raw.js, runId, "step.started")
      await publishLifecycle(stack.raw.js, runId, "workflow.completed", { output: { ok: true } })
      const end = await tail.lineWith((l) => l.startsWith(`    ↳ run ${runId} `), 20_000)
      expect(end).toMatch(new RegExp(`^ {4}↳ run ${runId} completed \\(\\d+(\\.\\d+)? s\\)$`))
      const lines = tail.lines()
      expect(lines.indexOf(end)).toBeGreaterThan(lines.findIndex((l) => l.includes(`fired → run ${runId}`)))
      expect(lines.filter((l) => l.includes(`run ${runId} completed`))).toHaveLength(1)
    } finally {
      expect(await tail.stop()).toBe(0)
    }
  })

  test("tail - on a TTY, a run that fails gets a `↳ run ID failed (duration): error` line with its step's error, control characters escaped", async () => {
    await setup()
    const tail = await startTail(tailArgs("--trigger", "tail-hook"), { tty: true })
    try {
      const runId = await firedRun(tail, '{"n":"fails"}')
      await publishLifecycle(stack.raw.js, runId, "step.failed", { error: "exit status 2 \u001b[31m" })
      await publishLifecycle(stack.raw.js, runId, "workflow.failed")
      const end = await tail.lineWith((l) => l.startsWith(`    ↳ run ${runId} `), 20_000)
      expect(end).toMatch(new RegExp(`^ {4}↳ run ${runId} failed \\(\\d+(\\.\\d+)? s\\): exit status 2 \\\\x1b\\[31m$`))
    } finally {
      expect(await tail.stop()).toBe(0)
    }
  })
})
