// Proves a replay gives every event the identity the live evaluation gave it (the delivery id, else
// the sequence within the EVENTS epoch), against the shipped nats.conf as the `cli` user: events
// that fired live — a signed webhook without a delivery id, an event without a message id, one with
// one — are all `existing` when replayed, twice, and start no second run; their dead letters (as
// this dagnats writes them, and as earlier ones did, without the epoch header) are `existing` on
// `--dead` and removed, again with no second run.
import { headers as natsHeaders } from "@nats-io/nats-core"
import { Kvm } from "@nats-io/kv"
import { afterAll, beforeAll, expect, test } from "vitest"
import { startShippedStack, type ShippedStack } from "../support/conf.js"
import { eventually } from "../support/poll.js"

const encoder = new TextEncoder()

let stack: ShippedStack

beforeAll(async () => {
  stack = await startShippedStack()
})

afterAll(async () => {
  await stack?.close()
})

interface RunRecord {
  readonly run_id: string
  readonly event: { readonly subject: string; readonly seq: number; readonly delivery_id: string | null } | null
}

/** The run records of one trigger, by event sequence. */
const runsOf = async (trigger: string): Promise<Array<RunRecord>> => {
  const kv = await new Kvm(stack.js).open("dagnats_runs")
  const out: Array<RunRecord> = []
  if ((await kv.status()).values === 0) return out
  const iter = await kv.watch()
  for await (const e of iter) {
    const r = e.operation === "PUT" ? e.json<RunRecord & { trigger: { name: string | null } }>() : undefined
    if (r !== undefined && r.trigger.name === trigger) out.push(r)
    if (e.delta === 0) break
  }
  iter.stop()
  return out.sort((a, b) => (a.event?.seq ?? 0) - (b.event?.seq ?? 0))
}

/** Wait for `n` runs of the trigger, then return them. */
const liveRuns = (trigger: string, n: number) =>
  eventually(
    async () => {
      const runs = await runsOf(trigger)
      expect(runs).toHaveLength(n)
      return runs
    },
    30_000,
    200,
  )

/** How many workflow.started messages the engine was given for a run. */
const starts = async (runId: string): Promise<number> =>
  (await stack.jsm.streams.info("WORKFLOW_HISTORY", { subjects_filter: `history.${runId}` })).state.subjects?.[
    `history.${runId}`
  ] ?? 0

const replay = (...args: Array<string>) => stack.cliJson(["event", "replay", ...args])

const eventsEpoch = async () => (await stack.jsm.streams.info("EVENTS")).created.replace(/\D/g, "")

test("replay identity - events that fired live (a webhook without delivery id, events with and without a message id) are existing on replay, twice, and start no second run", async () => {
  const secret = "ri-Secret-1"
  await stack.cliJson(["trigger", "create", "ri-hook", "--workflow", "wf", "--webhook", "--secret", secret])
  await stack.cliJson(["trigger", "create", "ri-ev", "--workflow", "wf", "--subject", "event.ri.*"])
  for (const n of [1, 2]) {
    const sent = await stack.cliJson([
      "webhook",
      "send",
      "ri-hook",
      "--data",
      JSON.stringify({ n }),
      "--secret",
      secret,
      "--url",
      stack.serve.baseUrl,
    ])
    expect(sent.status).toBe(202)
  }
  await stack.cliJson(["event", "publish", "event.ri.a", '{"n":1}'])
  await stack.cliJson(["event", "publish", "event.ri.b", '{"n":2}', "--id", "ri-b-1"])
  const hookRuns = await liveRuns("ri-hook", 2)
  const evRuns = await liveRuns("ri-ev", 2)
  expect(hookRuns.map((r) => r.event?.delivery_id)).toStrictEqual([null, null])
  expect(evRuns.map((r) => r.event?.delivery_id)).toStrictEqual([null, "ri-b-1"])

  for (const [trigger, live] of [
    ["ri-hook", hookRuns],
    ["ri-ev", evRuns],
  ] as const) {
    for (let round = 0; round < 2; round++) {
      const r = await replay("--trigger", trigger)
      expect([r.evaluated, r.fired, r.existing, r.skipped, r.runs]).toStrictEqual([2, 0, 2, 0, []])
    }
    const dry = await replay("--trigger", trigger, "--dry-run")
    expect(dry.events.map((e: { run_id: string; outcome: string }) => [e.run_id, e.outcome])).toStrictEqual(
      live.map((x) => [x.run_id, "existing"]),
    )
    expect(await runsOf(trigger)).toStrictEqual(live)
    for (const run of live) expect(await starts(run.run_id)).toBe(1)
  }
}, 120_000)

test("replay identity - dead letters of events that fired live are existing on --dead replay and removed, with no second run", async () => {
  await stack.cliJson(["trigger", "create", "ri-dead", "--workflow", "wf", "--subject", "event.ridead"])
  const plain = await stack.cliJson(["event", "publish", "event.ridead", '{"n":1}'])
  const withId = await stack.cliJson(["event", "publish", "event.ridead", '{"n":2}', "--id", "ri-dead-2"])
  const live = await liveRuns("ri-dead", 2)
  const epoch = await eventsEpoch()
  // As publishDead writes them: the original headers, where and why, and the letter's own message id.
  const deadLetter = async (seq: number, body: string, extra: Record<string, string>) => {
    const h = natsHeaders()
    h.set("Content-Type", "application/json")
    h.set("Dagnats-Dead-Subject", "event.ridead")
    h.set("Dagnats-Dead-Seq", String(seq))
    h.set("Dagnats-Dead-Error", "gave up after 10 deliveries: recording failed")
    h.set("Dagnats-Dead-At", new Date().toISOString())
    for (const [k, v] of Object.entries(extra)) h.set(k, v)
    await stack.js.publish(`dagnats.dead.${seq}`, encoder.encode(body), { headers: h, msgID: `dead.${epoch}.${seq}` })
  }
  // A letter from before the epoch header: the epoch is in its own message id.
  await deadLetter(plain.seq, '{"n":1}', {})
  await deadLetter(withId.seq, '{"n":2}', { "Dagnats-Dead-Epoch": epoch, "Dagnats-Dead-Msg-Id": "ri-dead-2" })

  const dry = await replay("--trigger", "ri-dead", "--dead", "--dry-run")
  expect(
    dry.events.map((e: { seq: number; outcome: string; run_id: string }) => [e.seq, e.outcome, e.run_id]),
  ).toStrictEqual(live.map((r) => [r.event?.seq, "existing", r.run_id]))
  const r = await replay("--trigger", "ri-dead", "--dead")
  expect([r.evaluated, r.fired, r.existing, r.skipped, r.removed, r.runs]).toStrictEqual([2, 0, 2, 0, 2, []])
  const left = await stack.jsm.streams.info("DAGNATS_DEAD", { subjects_filter: "dagnats.dead.>" })
  expect([plain.seq, withId.seq].map((seq) => left.state.subjects?.[`dagnats.dead.${seq}`] ?? 0)).toStrictEqual([0, 0])
  expect(await runsOf("ri-dead")).toStrictEqual(live)
  for (const run of live) expect(await starts(run.run_id)).toBe(1)
}, 120_000)
