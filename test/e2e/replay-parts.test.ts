// Proves replay against the shipped nats.conf as the `cli` user: a request naming a `progress` subject
// (a webhook subject, a trigger's KV key) is refused 400 and serve publishes nothing there; a replay
// is done in parts, each reply giving the next request's fields, so a requester that stops asking
// stops it (nothing goes on, no consumer is left) and the range's end stays where the first part put
// it; a range whose remaining events were purged ends at the next part; `dagnats event replay` on a
// terminal shows progress between parts and finishes as the cli user; a time bound before 1970 is
// 400 naming `since`.
import { spawnOnTerminal } from "../support/terminal.js"
import { Kvm } from "@nats-io/kv"
import type { NatsConnection } from "@nats-io/nats-core"
import { afterAll, beforeAll, expect, test } from "vitest"
import { cliAuth, connectAs, startShippedStack, type ShippedStack } from "../support/conf.js"
import { DAGNATS_BIN } from "../support/cli.js"
import { eventually } from "../support/poll.js"

const encoder = new TextEncoder()
const decoder = new TextDecoder()

let stack: ShippedStack
let cli: NatsConnection

beforeAll(async () => {
  stack = await startShippedStack()
  cli = await connectAs(stack.nats.url, "cli")
})

afterAll(async () => {
  await cli?.close()
  await stack?.close()
})

interface Reply {
  readonly code: string | undefined
  readonly body: Record<string, any>
}

/** `dagnats.events.replay` over the wire as the cli user: the reply, or the micro error code and body. */
const replayRequest = async (body: Record<string, unknown>): Promise<Reply> => {
  const m = await cli.request("dagnats.events.replay", encoder.encode(JSON.stringify(body)), { timeout: 60_000 })
  const code = m.headers?.get("Nats-Service-Error-Code")
  return { code: code === "" ? undefined : code, body: JSON.parse(decoder.decode(m.data)) as Record<string, any> }
}

/** Publish `n` events on `subject` as serve's user would store them (no message id). */
const publishMany = async (subject: string, n: number) => {
  const seqs: Array<number> = []
  for (let i = 0; i < n; i += 100) {
    const acks = await Promise.all(
      Array.from({ length: Math.min(100, n - i) }, (_, j) =>
        stack.js.publish(subject, encoder.encode(JSON.stringify({ n: i + j }))),
      ),
    )
    seqs.push(...acks.map((a) => a.seq))
  }
  return seqs.sort((a, b) => a - b)
}

/** Messages stored in `stream` on exactly `subject`. */
const storedOn = async (stream: string, subject: string): Promise<number> =>
  (await stack.jsm.streams.info(stream, { subjects_filter: subject })).state.subjects?.[subject] ?? 0

/** Run records in dagnats_runs of one trigger. */
const runCount = async (trigger: string): Promise<number> => {
  const kv = await new Kvm(stack.js).open("dagnats_runs")
  if ((await kv.status()).values === 0) return 0
  let n = 0
  const iter = await kv.watch()
  for await (const e of iter) {
    if (e.operation === "PUT" && (e.json<{ trigger: { name: string } }>().trigger.name ?? "") === trigger) n++
    if (e.delta === 0) break
  }
  iter.stop()
  return n
}

/** The consumers on EVENTS: the evaluator's durable, plus any replay still reading. */
const eventsConsumers = async () => {
  const names: Array<string> = []
  for await (const c of stack.jsm.consumers.list("EVENTS")) names.push(c.name)
  return names
}

const createEventTrigger = async (name: string, subject: string, ...more: Array<string>) =>
  stack.cliJson(["trigger", "create", name, "--workflow", "wf", "--subject", subject, ...more])

test("replay parts - a request naming a progress subject (a webhook subject, a trigger's KV key) is refused 400 and serve publishes nothing there", async () => {
  const hook = "rp-hook"
  await stack.cliJson(["trigger", "create", hook, "--workflow", "wf", "--webhook", "--secret", "rp-Secret-1"])
  await createEventTrigger("rp-src", "event.rpsrc")
  await publishMany("event.rpsrc", 1_200)
  const kv = await new Kvm(stack.js).open("dagnats_triggers")
  const revision = (await kv.get(hook))?.revision
  const webhookSubject = `event.webhook.${hook}`

  for (const progress of [webhookSubject, `$KV.dagnats_triggers.${hook}`, "$JS.API.STREAM.PURGE.EVENTS"]) {
    const r = await replayRequest({ trigger: "rp-src", progress })
    expect([r.code, r.body.error?.code, r.body.error?.message]).toStrictEqual([
      "400",
      "invalid",
      "progress: unknown field",
    ])
  }
  // The full replay, in parts, as the cli user: nothing but its replies anywhere.
  let body: Record<string, unknown> = { trigger: "rp-src" }
  let evaluated = 0
  for (let parts = 1; ; parts++) {
    const r = await replayRequest(body)
    expect(r.code).toBeUndefined()
    evaluated += r.body.evaluated
    if (r.body.next === undefined) break
    expect(parts).toBeLessThan(100)
    body = { trigger: "rp-src", ...r.body.next }
  }
  expect(evaluated).toBe(1_200)
  expect(await storedOn("EVENTS", webhookSubject)).toBe(0)
  expect((await kv.get(hook))?.revision).toBe(revision)
  expect((await stack.cliJson(["trigger", "get", hook])).name).toBe(hook)
  expect((await stack.jsm.streams.info("EVENTS")).state.messages).toBeGreaterThanOrEqual(1_200)
  expect(await runCount(hook)).toBe(0)
}, 120_000)

test("replay parts - each part answers with where the next starts; a requester that stops asking stops the replay, and the end of the range stays where the first part put it", async () => {
  await createEventTrigger("rp-parts", "event.rpparts", "--disabled")
  const seqs = await publishMany("event.rpparts", 1_200)
  // The live evaluator must have skipped them all as disabled before the enable, or the late ones fire live.
  await evaluatorSettled()
  await stack.cliJson(["trigger", "enable", "rp-parts"])

  const first = await replayRequest({ trigger: "rp-parts" })
  expect(first.code).toBeUndefined()
  expect(first.body.next).toStrictEqual({ from_seq: expect.any(Number), until: expect.any(String) })
  const firstFired = first.body.fired as number
  expect([firstFired > 0, firstFired < 1_200, first.body.runs.length]).toStrictEqual([true, true, firstFired])
  expect(seqs.filter((s) => s < first.body.next.from_seq)).toHaveLength(firstFired)
  // Nobody asks for the next part: the replay's consumer is gone and exactly that part's runs exist.
  await eventually(async () => expect(await eventsConsumers()).toStrictEqual(["dagnats-evaluator"]), 20_000)
  expect(await runCount("rp-parts")).toBe(firstFired)

  // Events stored after the first part are after its `until`: the replay does not reach them (they
  // fire live, and a replay reaching them would count them).
  await publishMany("event.rpparts", 10)
  let body: Record<string, unknown> = { trigger: "rp-parts", ...first.body.next }
  const sum = { evaluated: first.body.evaluated as number, fired: firstFired, existing: 0 }
  for (;;) {
    const r = await replayRequest(body)
    expect(r.code).toBeUndefined()
    for (const k of ["evaluated", "fired", "existing"] as const) sum[k] += r.body[k]
    if (r.body.next === undefined) break
    expect(r.body.next.until).toBe(first.body.next.until)
    body = { trigger: "rp-parts", ...r.body.next }
  }
  expect(sum).toStrictEqual({ evaluated: 1_200, fired: 1_200, existing: 0 })
  await eventually(async () => expect(await runCount("rp-parts")).toBe(1_210), 30_000, 250)
}, 180_000)

test("replay parts - a range whose remaining events were purged ends at the next part, leaving no consumer", async () => {
  await createEventTrigger("rp-gone", "event.rpgone", "--disabled")
  await publishMany("event.rpgone", 1_200)
  const first = await replayRequest({ trigger: "rp-gone", dry_run: true })
  expect(first.body.next?.from_seq).toEqual(expect.any(Number))
  await stack.jsm.streams.purge("EVENTS", { filter: "event.rpgone" })
  const rest = await replayRequest({ trigger: "rp-gone", dry_run: true, ...first.body.next })
  expect([rest.code, rest.body.evaluated, rest.body.next]).toStrictEqual([undefined, 0, undefined])
  await eventually(async () => expect(await eventsConsumers()).toStrictEqual(["dagnats-evaluator"]), 20_000)
}, 120_000)

/** The live evaluator has handled every stored event (nothing pending, nothing awaiting its ack). */
const evaluatorSettled = () =>
  eventually(async () => {
    const events = await stack.jsm.streams.info("EVENTS")
    const c = await stack.jsm.consumers.info("EVENTS", "dagnats-evaluator")
    expect(c.delivered.stream_seq).toBeGreaterThanOrEqual(events.state.last_seq)
    expect([c.num_pending, c.num_ack_pending]).toStrictEqual([0, 0])
  }, 60_000)

/** `dagnats …` on a pseudo-terminal (util-linux `script`), as an operator at a terminal runs it. */
const onTerminal = (args: ReadonlyArray<string>): Promise<{ code: number | null; output: string }> =>
  new Promise((resolve, reject) => {
    const child = spawnOnTerminal([process.execPath, DAGNATS_BIN, ...args])
    let output = ""
    child.stdout.on("data", (d: Buffer) => (output += d.toString()))
    child.stderr.on("data", (d: Buffer) => (output += d.toString()))
    const timer = setTimeout(() => {
      child.kill("SIGKILL")
      reject(new Error(`dagnats ${args.join(" ")} on a terminal did not finish:\n${output}`))
    }, 90_000)
    child.on("exit", (code) => {
      clearTimeout(timer)
      resolve({ code, output })
    })
    child.stdin.end()
  })

test("replay parts - `dagnats event replay` on a terminal, as the cli user, shows progress between parts and finishes", async () => {
  await createEventTrigger("rp-tty", "event.rptty", "--disabled")
  await publishMany("event.rptty", 600)
  const r = await onTerminal([
    "event",
    "replay",
    "--trigger",
    "rp-tty",
    "--nats-url",
    stack.nats.url,
    ...cliAuth("cli"),
  ])
  expect(r.code, r.output).toBe(0)
  expect(r.output).toMatch(/\rreplay: \d+ evaluated, 0 fired, 0 existing, \d+ skipped/)
  expect(r.output).toContain("replayed 600 events against rp-tty (0 runs started): 0 fired, 0 existing, 600 skipped")
  expect(r.output).not.toMatch(/permission|violation/i)
}, 120_000)

test("replay parts - a time bound before 1970 (since 99999999999999h) is 400 invalid naming since, on the wire and in the CLI", async () => {
  await createEventTrigger("rp-since", "event.rpsince")
  const r = await replayRequest({ trigger: "rp-since", since: "99999999999999h" })
  expect([r.code, r.body]).toStrictEqual([
    "400",
    {
      error: {
        code: "invalid",
        message: 'since: must be a duration ago that lies after 1970 (got "99999999999999h")',
      },
    },
  ])
  const viaCli = await stack.cli(["event", "replay", "--trigger", "rp-since", "--since", "99999999999999h"])
  expect([viaCli.code, viaCli.stderr.trim()]).toStrictEqual([
    1,
    'dagnats: since: must be a duration ago that lies after 1970 (got "99999999999999h")',
  ])
  const seq = await replayRequest({ trigger: "rp-since", since: "1h", from_seq: 5 })
  expect([seq.code, seq.body.error?.message]).toStrictEqual(["400", "from_seq: not together with since"])
}, 60_000)
