// Proves the shipped nats.conf lets each user do its job: serve runs as `dagnats` (webhooks, event
// triggers, debounce timers), operators run `dagnats …` and `nats micro …` as `cli`, and `publisher`
// publishes events and gets their JetStream acknowledgement but reaches nothing else.
import { afterAll, beforeAll, describe, expect, test } from "vitest"
import { cliAuth, connectAs, startShippedStack, type ShippedStack } from "../support/conf.js"
import { runCli } from "../support/cli.js"
import { startServe } from "../support/serve.js"
import { runNatsAs } from "../support/nats-cli-as.js"
import { eventually } from "../support/poll.js"
import { startTail } from "../support/tail-process.js"
import { publishLifecycle } from "../support/engine-fixture.js"
import { VERSION } from "../../src/version.js"

let stack: ShippedStack

beforeAll(async () => {
  stack = await startShippedStack()
})

afterAll(async () => {
  await stack?.close()
})

const runsOf = async (trigger: string) =>
  (await stack.cliJson<{ runs: Array<{ workflow: string }> }>(["run", "list", "--trigger", trigger])).runs

/** `dagnats trigger create NAME --workflow WORKFLOW …flags` as cli. */
const create = (name: string, workflow: string, ...flags: Array<string>) =>
  stack.cliJson(["trigger", "create", name, "--workflow", workflow, ...flags])

describe("serve as dagnats", () => {
  test("shipped users - a signed webhook sent by cli is stored by serve and starts exactly one run", async () => {
    await create("roles-pay", "roles-payments", "--webhook", "--secret", "s3cret-roles")
    const sent = await stack.cliJson<{ status: number }>([
      "webhook",
      "send",
      "roles-pay",
      "--data",
      '{"amount":1}',
      "--secret",
      "s3cret-roles",
      "--url",
      stack.serve.baseUrl,
    ])
    expect(sent.status).toBe(202)
    const runs = await eventually(async () => {
      const r = await runsOf("roles-pay")
      expect(r).toHaveLength(1)
      return r
    }, 20_000)
    expect(runs[0]!.workflow).toBe("roles-payments")
  })

  test("shipped users - a debounced event trigger fires through serve's timers (DAGNATS_TIMERS)", async () => {
    await create("roles-debounce", "roles-deb", "--subject", "event.roles.deb", "--debounce", "2s")
    await stack.cliJson(["trigger", "list"])
    // Published back to back (not one CLI process each) so the burst falls into one window however slow the machine.
    for (const n of [1, 2, 3]) await stack.js.publish("event.roles.deb", JSON.stringify({ n }))
    const runs = await eventually(async () => {
      const r = await runsOf("roles-debounce")
      expect(r).toHaveLength(1)
      return r
    }, 20_000)
    expect(runs[0]!.workflow).toBe("roles-deb")
  })

  test("shipped users - serve with an inbox prefix its user may not subscribe to exits 1 naming it", async () => {
    const failed = startServe({ natsUrl: stack.nats.url, args: [...cliAuth("dagnats"), "--inbox-prefix", "_INBOX"] })
    await expect(failed).rejects.toThrow(
      /serve exited 1 while starting:[\s\S]*Permissions Violation for Subscription to "_INBOX\.[^\n]*\n.*set --inbox-prefix/,
    )
  })
})

describe("cli", () => {
  test("shipped users - cli creates, lists and gets triggers and publishes events with their ack", async () => {
    const created = await create("roles-cli", "roles-cli-wf", "--subject", "event.roles.cli")
    expect(created).toMatchObject({
      name: "roles-cli",
      workflow: "roles-cli-wf",
      type: "event",
      subject: "event.roles.cli",
    })
    const listed = await stack.cliJson<{ triggers: Array<{ name: string }> }>(["trigger", "list"])
    expect(listed.triggers.map((t) => t.name)).toContain("roles-cli")
    expect(await stack.cliJson(["trigger", "get", "roles-cli"])).toMatchObject({ name: "roles-cli", revision: 1 })
    const ack = await stack.cliJson<{ stream: string; seq: number; duplicate: boolean }>([
      "event",
      "publish",
      "event.roles.cli",
      '{"x":1}',
    ])
    expect(ack.stream).toBe("EVENTS")
    expect(ack.seq).toBeGreaterThan(0)
    expect(ack.duplicate).toBe(false)
    const stored = await stack.jsm.streams.getMessage("EVENTS", { seq: ack.seq })
    expect(stored?.subject).toBe("event.roles.cli")
    await eventually(async () => expect(await runsOf("roles-cli")).toHaveLength(1), 20_000)
  })

  test("shipped users - cli sees a webhook's delivery record live on dagnats.deliveries.> and reads it with `delivery get` and `delivery list`", async () => {
    await create("roles-seen", "roles-seen-wf", "--webhook", "--secret", "s3cret-seen")
    await stack.cliJson(["trigger", "list"])
    const nc = await connectAs(stack.nats.url, "cli", "_INBOX_cli")
    try {
      const seen: Array<{ subject: string; id: string }> = []
      const sub = nc.subscribe("dagnats.deliveries.>", {
        callback: (_e, m) => {
          seen.push({ subject: m.subject, id: (m.json() as { id: string }).id })
        },
      })
      await nc.flush()
      const sent = await stack.cliJson<{ status: number; body: { delivery_id: string } }>([
        "webhook",
        "send",
        "roles-seen",
        "--data",
        "{}",
        "--secret",
        "s3cret-seen",
        "--url",
        stack.serve.baseUrl,
      ])
      expect(sent.status).toBe(202)
      const id = sent.body.delivery_id
      await eventually(() => expect(seen).toStrictEqual([{ subject: `dagnats.deliveries.roles-seen.${id}`, id }]))
      sub.unsubscribe()
      expect(await stack.cliJson(["delivery", "get", id])).toMatchObject({ id, trigger: "roles-seen" })
      const listed = await stack.cliJson<{ deliveries: Array<{ id: string }> }>([
        "delivery",
        "list",
        "--trigger",
        "roles-seen",
      ])
      expect(listed.deliveries.map((d) => d.id)).toStrictEqual([id])
    } finally {
      await nc.close()
    }
  })

  test("shipped users - `dagnats tail --events` as cli shows a webhook's delivery record and an `event publish` evaluation", async () => {
    await create("roles-tail", "roles-tail-wf", "--webhook", "--secret", "s3cret-tail")
    await create("roles-tail-ev", "roles-tail-ev-wf", "--subject", "event.roles.tail")
    await stack.cliJson(["trigger", "list"])
    const tail = await startTail(["--events", "--nats-url", stack.nats.url, ...cliAuth("cli")])
    try {
      const sent = await stack.cliJson<{ status: number; body: { delivery_id: string } }>([
        "webhook",
        "send",
        "roles-tail",
        "--data",
        "{}",
        "--secret",
        "s3cret-tail",
        "--url",
        stack.serve.baseUrl,
      ])
      expect(sent.status).toBe(202)
      const delivery = JSON.parse(await tail.lineWith((l) => l.includes(sent.body.delivery_id)))
      expect(delivery).toMatchObject({ id: sent.body.delivery_id, trigger: "roles-tail", response: { status: 202 } })
      const published = await stack.cliJson<{ seq: number }>(["event", "publish", "event.roles.tail", "{}"])
      const fire = JSON.parse(await tail.lineWith((l) => l.includes('"roles-tail-ev"')))
      expect(fire).toMatchObject({ outcome: "fired", event: { subject: "event.roles.tail", seq: published.seq } })
      expect(tail.stderr()).not.toContain("cannot read")
    } finally {
      expect(await tail.stop()).toBe(0)
    }
  })

  test("shipped users - `dagnats tail` on a terminal as cli shows how a run it saw start ended (runs.get, no history.> subscription)", async () => {
    await create("roles-tail-end", "roles-tail-end-wf", "--webhook", "--secret", "s3cret-end")
    await stack.cliJson(["trigger", "list"])
    const tail = await startTail(["--nats-url", stack.nats.url, ...cliAuth("cli")], { tty: true })
    try {
      const sent = await stack.cliJson<{ status: number }>([
        "webhook",
        "send",
        "roles-tail-end",
        "--data",
        "{}",
        "--secret",
        "s3cret-end",
        "--url",
        stack.serve.baseUrl,
      ])
      expect(sent.status).toBe(202)
      const prefix = "    ↳ roles-tail-end  fired → run "
      const runId = (await tail.lineWith((l) => l.startsWith(prefix))).slice(prefix.length)
      await publishLifecycle(stack.js, runId, "workflow.completed")
      const end = await tail.lineWith((l) => l.startsWith(`    ↳ run ${runId} `), 20_000)
      expect(end).toMatch(new RegExp(`^ {4}↳ run ${runId} completed \\(\\d+(\\.\\d+)? s\\)$`))
      expect(tail.stderr()).not.toContain("cannot read")
    } finally {
      expect(await tail.stop()).toBe(0)
    }
  })

  test("shipped users - `nats micro list` and `nats req dagnats.triggers.get` work as cli", async () => {
    await create("roles-micro", "roles-micro-wf", "--subject", "event.roles.micro")
    const list = await runNatsAs(stack.nats.url, "cli", ["micro", "list", "--json"])
    expect(list.code).toBe(0)
    const services = JSON.parse(list.stdout) as Array<{ name: string; version: string }>
    expect(services.map((s) => [s.name, s.version])).toStrictEqual([["dagnats", VERSION]])
    const got = await runNatsAs(stack.nats.url, "cli", [
      "req",
      "dagnats.triggers.get",
      '{"name":"roles-micro"}',
      "--raw",
    ])
    expect(got.code).toBe(0)
    expect(JSON.parse(got.stdout)).toMatchObject({ name: "roles-micro", workflow: "roles-micro-wf" })
  })

  test("shipped users - cli with an inbox prefix not its own exits 1 naming --inbox-prefix", async () => {
    for (const args of [["trigger", "list"], ["event", "publish", "event.roles.prefix", "{}"], ["services"]]) {
      const r = await stack.cli([...args, "--inbox-prefix", "_INBOX"])
      expect(r.code, args.join(" ")).toBe(1)
      expect(r.stderr, args.join(" ")).toContain('Permissions Violation for Subscription to "_INBOX.')
      expect(r.stderr, args.join(" ")).toContain("set --inbox-prefix (or NATS_INBOX_PREFIX)")
    }
    const env = await runCli(["trigger", "list", "--nats-url", stack.nats.url, ...cliAuth("cli")], {
      env: { NATS_INBOX_PREFIX: "_INBOX_dagnats" },
    })
    expect(env.code).toBe(1)
    expect(env.stderr).toContain('Permissions Violation for Subscription to "_INBOX_dagnats.')
    const bad = await stack.cli(["trigger", "list", "--inbox-prefix", "_INBOX.>"])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain("--inbox-prefix: must be a NATS subject without wildcards or spaces")
  })

  test("shipped users - `dagnats services` and `nats micro list` as cli see both serve instances", async () => {
    const second = await startServe({ natsUrl: stack.nats.url, args: cliAuth("dagnats") })
    try {
      const out = await stack.cliJson<{ services: Array<{ name: string; id: string }> }>(["services"])
      expect(out.services.map((s) => s.name)).toStrictEqual(["dagnats", "dagnats"])
      expect(new Set(out.services.map((s) => s.id)).size).toBe(2)
      const list = await runNatsAs(stack.nats.url, "cli", ["micro", "list", "--json"])
      expect((JSON.parse(list.stdout) as Array<unknown>).length).toBe(2)
    } finally {
      await second.stop()
    }
  })
})

describe("publisher", () => {
  test("shipped users - publisher publishes an event that starts a run; `nats req` gets the EVENTS ack", async () => {
    await create("roles-pub", "roles-pub-wf", "--subject", "event.roles.pub")
    await stack.cliJson(["trigger", "list"])
    const acked = await runNatsAs(stack.nats.url, "publisher", ["req", "event.roles.pub", '{"from":1}', "--raw"])
    expect(acked.code).toBe(0)
    const ack = JSON.parse(acked.stdout) as { stream: string; seq: number }
    expect(ack.stream).toBe("EVENTS")
    expect((await stack.jsm.streams.getMessage("EVENTS", { seq: ack.seq }))?.subject).toBe("event.roles.pub")
    await eventually(async () => expect(await runsOf("roles-pub")).toHaveLength(1), 20_000)
  })

  test("shipped users - publisher cannot call the micro service (nats req, micro list, trigger list)", async () => {
    const req = await runNatsAs(stack.nats.url, "publisher", ["req", "dagnats.triggers.list", "{}"])
    expect(req.output).toContain('Permissions Violation for Publish to "dagnats.triggers.list"')
    const micro = await runNatsAs(stack.nats.url, "publisher", ["micro", "list"])
    expect(micro.output).toContain('Permissions Violation for Publish to "$SRV.')
    const list = await runCli(["trigger", "list", "--nats-url", stack.nats.url, ...cliAuth("publisher")])
    expect(list.code).toBe(1)
    expect(list.stderr).toContain('Permissions Violation for Publish to "dagnats.triggers.list"')
    expect(list.stderr).toContain("your NATS user may not publish there")
  })
})
