// Proves that what triggers on EVENTS have works on a source of the operator's: filters, `when` and
// `input` on a stream trigger (a filtered message's decision names the condition), a batch on a
// stream, a keyed debounce on a KV bucket's changes, and `dagnats tail --events` printing a source
// message's evaluation.
import { expect, test } from "vitest"
import { Kvm } from "@nats-io/kv"
import { e2eStack } from "../support/e2e-stack.js"
import { eventually } from "../support/poll.js"
import { startTail } from "../support/tail-process.js"
import { withoutAt } from "../support/raw-nats.js"

const stack = e2eStack()
const encoder = new TextEncoder()

const runsOf = async (workflow: string) => (await stack.raw.allRuns()).filter((r) => r.workflow === workflow)

const sourceSettled = (stream: string) =>
  eventually(async () => {
    const c = await stack.raw.jsm.consumers.info(stream, `dagnats-source-${stream}`)
    expect([c.num_pending, c.num_ack_pending]).toStrictEqual([0, 0])
  }, 20_000)

const publishJson = async (subject: string, body: unknown) =>
  (await stack.raw.js.publish(subject, encoder.encode(JSON.stringify(body)))).seq

test("sources features - on a stream trigger a filter and a when decide, the input map is the run input, and each filtered decision names its condition", async () => {
  const { raw } = stack
  await raw.jsm.streams.add({ name: "PAYMENTS", subjects: ["payments.>"] })
  await stack.cli(
    "trigger",
    "create",
    "big-usd",
    "--workflow",
    "big-usd-wf",
    "--stream",
    "PAYMENTS",
    "--subject",
    "payments.*",
    "--filter-field",
    "currency",
    "--filter-value",
    "USD",
    "--when",
    "body.amount > 1000",
    "--input-map",
    '{"id": body.id, "on": subject}',
  )
  const shown = await stack.cli("trigger", "get", "big-usd")
  expect([shown.source, shown.when, shown.input]).toStrictEqual([
    { stream: "PAYMENTS" },
    "body.amount > 1000",
    '{"id": body.id, "on": subject}',
  ])
  const big = await publishJson("payments.card", { id: 1, amount: 5000, currency: "USD" })
  const small = await publishJson("payments.card", { id: 2, amount: 10, currency: "USD" })
  const euro = await publishJson("payments.sepa", { id: 3, amount: 5000, currency: "EUR" })
  await sourceSettled("PAYMENTS")
  await eventually(async () => expect(await raw.fires("big-usd")).toHaveLength(3))
  expect((await runsOf("big-usd-wf")).map((r) => r.input)).toStrictEqual([{ id: 1, on: "payments.card" }])
  const fires = (await raw.fires("big-usd")).map(withoutAt)
  expect(fires.map((f) => [f.event.seq, f.outcome, f.reason])).toStrictEqual([
    [big, "fired", undefined],
    [small, "skipped", "filtered"],
    [euro, "skipped", "filtered"],
  ])
  expect(fires[1]!.detail).toMatch(/when/)
  expect(fires[2]!.detail).toMatch(/currency/)
  expect(fires[2]!.detail).toMatch(/EUR/)
}, 60_000)

test("sources features - a batch of 3 on a source stream starts one run per 3 messages, inputs in stream order", async () => {
  const { raw } = stack
  await raw.jsm.streams.add({ name: "CLICKS", subjects: ["clicks.>"] })
  await stack.cli(
    "trigger",
    "create",
    "clicks",
    "--workflow",
    "clicks-wf",
    "--stream",
    "CLICKS",
    "--subject",
    "clicks.>",
    "--batch-size",
    "3",
    "--batch-timeout",
    "1h",
  )
  for (let i = 0; i < 6; i++) await publishJson(`clicks.${i % 2}`, { i })
  await eventually(async () => expect(await runsOf("clicks-wf")).toHaveLength(2), 20_000)
  await sourceSettled("CLICKS")
  const inputs = (await runsOf("clicks-wf")).map((r) => r.input as Array<{ i: number }>)
  expect(inputs.map((batch) => batch.map((p) => p.i)).sort((a, b) => a[0]! - b[0]!)).toStrictEqual([
    [0, 1, 2],
    [3, 4, 5],
  ])
}, 60_000)

test("sources features - a debounce keyed on the KV key starts one run per key with its last change", async () => {
  const { raw } = stack
  const kv = await new Kvm(raw.js).create("settings")
  await stack.cli(
    "trigger",
    "create",
    "settled",
    "--workflow",
    "settled-wf",
    "--kv",
    "settings",
    "--key",
    "app.*",
    "--debounce",
    "2s",
    "--debounce-key",
    "key",
  )
  await kv.put("app.theme", JSON.stringify("light"))
  await kv.put("app.lang", JSON.stringify("de"))
  await kv.put("app.theme", JSON.stringify("dark"))
  const last = await kv.put("app.theme", JSON.stringify("blue"))
  await eventually(async () => expect(await runsOf("settled-wf")).toHaveLength(2), 30_000)
  await sourceSettled("KV_settings")
  const runs = (await runsOf("settled-wf")).map((r) => r.input).sort((a, b) => a.key.localeCompare(b.key))
  expect(runs.map((r) => [r.key, r.op, r.value])).toStrictEqual([
    ["app.lang", "put", "de"],
    ["app.theme", "put", "blue"],
  ])
  expect(runs[1].revision).toBe(last)
}, 60_000)

test("sources features - a batch on a KV bucket is refused at create, saying why and what to use", async () => {
  await new Kvm(stack.raw.js).create("inventory")
  const r = await stack.cliRaw(
    "trigger",
    "create",
    "stock",
    "--workflow",
    "stock-wf",
    "--kv",
    "inventory",
    "--key",
    "sku.>",
    "--batch-size",
    "50",
    "--batch-timeout",
    "1s",
  )
  expect([r.code, r.stderr.trim()]).toStrictEqual([
    2,
    "dagnats: --batch-size / --batch-timeout: not supported on a KV bucket, which keeps only the latest revisions " +
      "of a key (a batch could not read the earlier changes back); use debounce, or trigger on a stream",
  ])
  expect((await stack.cliRaw("trigger", "get", "stock")).code).not.toBe(0)
})

test("sources features - 120 messages into batches of 10 on a source stream across a serve SIGKILL: each message in exactly one batch", async () => {
  const { raw } = stack
  await raw.jsm.streams.add({ name: "READINGS", subjects: ["readings.>"] })
  await stack.cli(
    "trigger",
    "create",
    "readings",
    "--workflow",
    "readings-wf",
    "--stream",
    "READINGS",
    "--subject",
    "readings.*",
    "--batch-size",
    "10",
    "--batch-timeout",
    "2s",
  )
  const publish = (from: number, to: number) =>
    Promise.all(Array.from({ length: to - from }, (_, k) => publishJson(`readings.${(from + k) % 3}`, { i: from + k })))
  await publish(0, 60)
  // Killed wherever it is: absorbing, firing a batch, or between a batch's run and its bookkeeping.
  await stack.serve.kill()
  await publish(60, 90)
  await stack.startServeAgain()
  await publish(90, 120)
  const ids = async () =>
    (await runsOf("readings-wf"))
      .flatMap((r) => (r.input as Array<{ i: number }>).map((p) => p.i))
      .sort((a, b) => a - b)
  await eventually(async () => expect((await ids()).length).toBeGreaterThanOrEqual(120), 60_000)
  await sourceSettled("READINGS")
  expect(await ids()).toStrictEqual(Array.from({ length: 120 }, (_, i) => i))
  for (const r of await runsOf("readings-wf")) expect(r.count).toBe((r.input as Array<unknown>).length)
}, 120_000)

test("sources features - event replay of a batch trigger on a source stream puts the stream's messages in its batches, each once", async () => {
  const { raw } = stack
  await raw.jsm.streams.add({ name: "AUDIT", subjects: ["audit.*"] })
  for (let i = 0; i < 4; i++) await publishJson("audit.x", { i })
  await stack.cli(
    "trigger",
    "create",
    "audit",
    "--workflow",
    "audit-wf",
    "--stream",
    "AUDIT",
    "--subject",
    "audit.*",
    "--batch-size",
    "4",
    "--batch-timeout",
    "1h",
  )
  const replayed = await stack.cli("event", "replay", "--trigger", "audit")
  // Each event's own outcome is "batched"; the batch's run is recorded once it fires.
  expect([replayed.evaluated, replayed.fired, replayed.skipped]).toStrictEqual([4, 0, 4])
  await eventually(async () => expect(await runsOf("audit-wf")).toHaveLength(1), 20_000)
  expect((await runsOf("audit-wf"))[0]!.input).toStrictEqual([{ i: 0 }, { i: 1 }, { i: 2 }, { i: 3 }])
  // Replayed again: every message was counted in the batch that fired, so none joins another.
  const again = await stack.cli("event", "replay", "--trigger", "audit")
  expect(again.evaluated).toBe(4)
  expect(await runsOf("audit-wf")).toHaveLength(1)
  expect((await raw.fires("audit")).filter((f) => f.outcome === "fired")).toHaveLength(1)
}, 60_000)

test("sources features - tail --events prints the evaluation of a message on a source stream", async () => {
  const { raw } = stack
  await raw.jsm.streams.add({ name: "SHIPMENTS", subjects: ["shipments.>"] })
  await stack.cli(
    "trigger",
    "create",
    "shipped",
    "--workflow",
    "shipped-wf",
    "--stream",
    "SHIPMENTS",
    "--subject",
    "shipments.>",
  )
  const tail = await startTail(["--events", "--nats-url", stack.url])
  try {
    const seq = await publishJson("shipments.eu", { parcel: 7 })
    const line = JSON.parse(await tail.lineWith((l) => l.includes('"shipped"'))) as Record<string, any>
    expect(line).toMatchObject({
      trigger: "shipped",
      workflow: "shipped-wf",
      outcome: "fired",
      run_id: expect.any(String),
      event: { subject: "shipments.eu", seq },
    })
  } finally {
    expect(await tail.stop()).toBe(0)
  }
}, 60_000)
