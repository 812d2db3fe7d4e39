// Proves the shipped nats.conf keeps `cli` and `publisher` away from serve's secrets and from forging
// webhooks: no subscription outside their own inboxes, no route to the triggers bucket with the real
// `nats` CLI, and no publish to `event.webhook.>` (nothing stored, no run), run with the users as shipped.
import type { NatsConnection } from "@nats-io/transport-node"
import { afterAll, beforeAll, describe, expect, test } from "vitest"
import { connectAs, startShippedStack, type ShippedStack, type UserName } from "../support/conf.js"
import { runNatsAs } from "../support/nats-cli-as.js"
import { eventually } from "../support/poll.js"

let stack: ShippedStack

beforeAll(async () => {
  stack = await startShippedStack()
})

afterAll(async () => {
  await stack?.close()
})

const decoder = new TextDecoder()

/** Messages stored in `stream` on exactly `subject`. */
const storedOn = async (stream: string, subject: string): Promise<number> =>
  (await stack.jsm.streams.info(stream, { subjects_filter: subject })).state.subjects?.[subject] ?? 0

interface Listener {
  readonly subject: string
  denied: string | undefined
  readonly received: Array<string>
}

/** Subscribe to `subject` on `nc`, recording what arrives and whether the server refused the subscription. */
const listen = (nc: NatsConnection, subject: string): Listener => {
  const l: Listener = { subject, denied: undefined, received: [] }
  nc.subscribe(subject, {
    callback: (err, msg) => {
      if (err !== null) l.denied = err.message
      else l.received.push(`${msg.subject} ${decoder.decode(msg.data)}`)
    },
  })
  return l
}

describe("secrets stay on serve's own inboxes", () => {
  const title =
    "isolation - cli and publisher cannot subscribe where trigger secrets travel " +
    "while an operator creates, gets and updates a trigger"
  test(title, async () => {
    const publisher = await connectAs(stack.nats.url, "publisher")
    const otherCli = await connectAs(stack.nats.url, "cli")
    try {
      const forbidden = ["_INBOX.>", "_INBOX_dagnats.>", ">", "$KV.>", "$JS.>", "dagnats.>", "_R_.>"]
      const attempts = [
        ...[...forbidden, "_INBOX_cli.>"].map((s) => listen(publisher, s)),
        ...[...forbidden, "_INBOX_publisher.>"].map((s) => listen(otherCli, s)),
      ]
      // Allowed: each user's own inboxes. The cli's carries the operator's replies, which hold no secret.
      const ownPublisher = listen(publisher, "_INBOX_publisher.>")
      const ownCli = listen(otherCli, "_INBOX_cli.>")
      // Control: serve's inboxes do carry the secrets (KV watch and reads), so the refusals above matter.
      const serveInbox = listen(stack.observer, "_INBOX_dagnats.>")
      await Promise.all([publisher.flush(), otherCli.flush(), stack.observer.flush()])

      await stack.cliJson([
        "trigger",
        "create",
        "iso-secret",
        "--workflow",
        "iso-wf",
        "--webhook",
        "--secret",
        "first-Secret-4242",
      ])
      const got = await stack.cliJson(["trigger", "get", "iso-secret"])
      expect(got).toMatchObject({ name: "iso-secret", secret_count: 1 })
      await stack.cliJson(["trigger", "update", "iso-secret", "--secret", "second-Secret-4343"])
      await stack.cliJson(["trigger", "get", "iso-secret"])

      await eventually(() => {
        for (const a of attempts) expect(a.denied, a.subject).toMatch(/Permissions Violation for Subscription to/i)
        expect(serveInbox.received.some((m) => m.includes("second-Secret-4343"))).toBe(true)
        expect(ownCli.received.some((m) => m.includes('"name":"iso-secret"'))).toBe(true)
      }, 15_000)
      for (const l of [...attempts, ownPublisher, ownCli]) {
        expect(
          l.received.filter((m) => /first-Secret-4242|second-Secret-4343/.test(m)),
          l.subject,
        ).toStrictEqual([])
      }
      expect(attempts.flatMap((a) => a.received)).toStrictEqual([])
    } finally {
      await publisher.close()
      await otherCli.close()
    }
  })
})

describe("the triggers bucket is out of reach with the real nats CLI", () => {
  type Route = { args: Array<string>; tty?: boolean; timeoutMs?: number; inboxPrefix?: string }
  const routes = (name: string): Array<Route> => [
    { args: ["kv", "get", "dagnats_triggers", name] },
    { args: ["kv", "history", "dagnats_triggers", name] },
    { args: ["kv", "ls", "dagnats_triggers"] },
    { args: ["stream", "view", "KV_dagnats_triggers"], tty: true },
    { args: ["stream", "get", "KV_dagnats_triggers", "1"] },
    {
      args: [
        "req",
        "$JS.API.DIRECT.GET.KV_dagnats_triggers",
        JSON.stringify({ last_by_subj: `$KV.dagnats_triggers.${name}` }),
      ],
    },
    { args: ["req", "$JS.API.STREAM.MSG.GET.KV_dagnats_triggers", '{"seq":1}'] },
    { args: ["consumer", "add", "KV_dagnats_triggers", "thief", "--pull", "--defaults"] },
    { args: ["sub", "$KV.dagnats_triggers.>"], timeoutMs: 8_000 },
    // Someone ignoring README's --inbox-prefix: the plain `_INBOX` is nobody's.
    { args: ["sub", "_INBOX.>"], timeoutMs: 8_000, inboxPrefix: "_INBOX" },
  ]

  for (const user of ["cli", "publisher"] as const satisfies ReadonlyArray<UserName>) {
    const title =
      `isolation - ${user}: kv get/history/ls, stream view/get, direct and msg get, consumer add ` +
      "and subscriptions all get a permissions violation"
    test(title, async () => {
      const name = `iso-kv-${user}`
      const secret = `kv-Secret-${user}-777`
      await stack.cliJson(["trigger", "create", name, "--workflow", "iso-wf", "--webhook", "--secret", secret])
      // Each refused request waits out the CLI's 2 s timeout, so the routes run side by side.
      const results = await Promise.all(
        routes(name).map(async (r) => ({
          what: `nats ${r.args.join(" ")} as ${user}`,
          out: await runNatsAs(stack.nats.url, user, r.args, {
            ...(r.tty === true ? { tty: true } : {}),
            ...(r.timeoutMs !== undefined ? { timeoutMs: r.timeoutMs } : {}),
            ...(r.inboxPrefix !== undefined ? { inboxPrefix: r.inboxPrefix } : {}),
          }),
        })),
      )
      for (const { what, out } of results) {
        expect(out.output, what).toMatch(/Permissions Violation for (Publish|Subscription) to/)
        expect(out.output, what).not.toContain(secret)
      }
    })
  }
})

describe("no forged webhooks", () => {
  const title =
    "isolation - publisher and cli publishing to event.webhook.<trigger> are refused: " +
    "nothing stored, no run; a signed webhook still starts one"
  test(title, async () => {
    await stack.cliJson([
      "trigger",
      "create",
      "iso-pay",
      "--workflow",
      "iso-payments",
      "--webhook",
      "--secret",
      "pay-Secret-1",
    ])
    const forged = JSON.stringify({ amount: 1_000_000 })
    const pub = await runNatsAs(stack.nats.url, "publisher", ["pub", "event.webhook.iso-pay", forged])
    expect(pub.output).toContain('Permissions Violation for Publish to "event.webhook.iso-pay"')
    const req = await runNatsAs(stack.nats.url, "publisher", ["req", "event.webhook.iso-pay", forged])
    expect(req.output).toContain('Permissions Violation for Publish to "event.webhook.iso-pay"')
    const cliPub = await runNatsAs(stack.nats.url, "cli", ["pub", "event.webhook.iso-pay", forged])
    expect(cliPub.output).toContain('Permissions Violation for Publish to "event.webhook.iso-pay"')
    const dagnatsPub = await stack.cli(["event", "publish", "event.webhook.iso-pay", forged])
    expect(dagnatsPub.code).toBe(1)
    expect(dagnatsPub.stderr).toContain('Permissions Violation for Publish to "event.webhook.iso-pay"')

    // An acknowledged publish after the refused ones: the server has handled them by now.
    const control = await runNatsAs(stack.nats.url, "publisher", ["req", "event.iso.control", "{}", "--raw"])
    expect(JSON.parse(control.stdout)).toMatchObject({ stream: "EVENTS" })
    expect(await storedOn("EVENTS", "event.webhook.iso-pay")).toBe(0)

    const sent = await stack.cliJson<{ status: number }>([
      "webhook",
      "send",
      "iso-pay",
      "--data",
      '{"amount":1}',
      "--secret",
      "pay-Secret-1",
      "--url",
      stack.serve.baseUrl,
    ])
    expect(sent.status).toBe(202)
    expect(await storedOn("EVENTS", "event.webhook.iso-pay")).toBe(1)
    const runs = await eventually(async () => {
      const list = await stack.cliJson<{ runs: Array<{ workflow: string }> }>(["run", "list", "--trigger", "iso-pay"])
      const r = list.runs
      expect(r).toHaveLength(1)
      return r
    }, 20_000)
    expect(runs[0]!.workflow).toBe("iso-payments")
  })
})
