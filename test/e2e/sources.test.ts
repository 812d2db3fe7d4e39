// Proves triggers on the operator's own streams and KV buckets (SPEC §12): exactly one run per stream
// message across a serve SIGKILL, one run per KV put and delete with the change record as input, the
// refusals at create, and dagnats's one consumer per source stream (created, filters changed, deleted
// with the last trigger, created again when deleted by hand, a recreated stream read from its start).
import { expect, test } from "vitest"
import { RetentionPolicy, type JetStreamManager } from "@nats-io/jetstream"
import { Kvm } from "@nats-io/kv"
import { e2eStack } from "../support/e2e-stack.js"
import { eventually } from "../support/poll.js"
import { runIdFor } from "../../src/domain/run-id.js"
import { withoutAt } from "../support/raw-nats.js"

const stack = e2eStack({ per: "test" })
const encoder = new TextEncoder()

/** Several filter subjects (and changing them) came with nats-server 2.10; 2.9 reads every subject. */
const multiFilter = () => {
  const [major, minor] = (stack.raw.nc.info?.version ?? "0.0").split(".").map(Number)
  return major! > 2 || (major === 2 && minor! >= 10)
}

const epochOf = async (jsm: JetStreamManager, stream: string) =>
  `${stream}:${(await jsm.streams.info(stream)).created.replace(/\D/g, "")}`

/** The filter subjects of dagnats's consumer on `stream` (empty: every subject); undefined when it does not exist. */
const consumerFilters = async (stream: string): Promise<ReadonlyArray<string> | undefined> => {
  try {
    const c = (await stack.raw.jsm.consumers.info(stream, `dagnats-source-${stream}`)).config
    return c.filter_subjects ?? (c.filter_subject !== undefined && c.filter_subject !== "" ? [c.filter_subject] : [])
  } catch (e) {
    if (/consumer not found/i.test(String(e))) return undefined
    throw e
  }
}

/** Everything delivered to dagnats's consumer on `stream` is acknowledged. */
const sourceSettled = (stream: string, timeoutMs = 20_000) =>
  eventually(async () => {
    const c = await stack.raw.jsm.consumers.info(stream, `dagnats-source-${stream}`)
    expect([c.num_pending, c.num_ack_pending]).toStrictEqual([0, 0])
  }, timeoutMs)

const runsOf = async (workflow: string) => (await stack.raw.allRuns()).filter((r) => r.workflow === workflow)

test("sources - 400 messages on a stream of the operator's, published across a serve SIGKILL, start exactly one run each", async () => {
  const { raw } = stack
  await raw.jsm.streams.add({ name: "ORDERS", subjects: ["orders.>"] })
  await stack.cli(
    "trigger",
    "create",
    "orders",
    "--workflow",
    "orders-wf",
    "--stream",
    "ORDERS",
    "--subject",
    "orders.*.created",
  )
  const N = 400
  const seqs = new Map<number, number>()
  const publish = async (from: number, to: number) => {
    const acks = await Promise.all(
      Array.from({ length: to - from }, (_, k) =>
        raw.js.publish(`orders.${from + k}.created`, encoder.encode(JSON.stringify({ i: from + k }))),
      ),
    )
    acks.forEach((a, k) => seqs.set(from + k, a.seq))
    // Not matched by the trigger's subject: never a run.
    await raw.js.publish(`orders.${from}.cancelled`, encoder.encode("{}"))
  }
  await publish(0, 200)
  // Killed wherever it is: before, during or after any message's run start, history record or ack.
  await stack.serve.kill()
  await publish(200, 300)
  await stack.startServeAgain()
  await publish(300, N)
  await eventually(async () => expect(await runsOf("orders-wf")).toHaveLength(N), 60_000)
  await sourceSettled("ORDERS", 30_000)
  const epoch = await epochOf(raw.jsm, "ORDERS")
  const runs = await runsOf("orders-wf")
  expect(runs.map((r) => [r.run_id, r.input]).sort((a, b) => a[1].i - b[1].i)).toStrictEqual(
    Array.from({ length: N }, (_, i) => [runIdFor("orders", { kind: "sequence", seq: seqs.get(i)!, epoch }), { i }]),
  )
  const fires = await raw.fires("orders")
  expect(fires.map((f) => [f.outcome, f.event.subject, f.event.seq])).toStrictEqual(
    Array.from({ length: N }, (_, i) => ["fired", `orders.${i}.created`, seqs.get(i)!]),
  )
  expect((await raw.jsm.streams.info("WORKFLOW_HISTORY")).state.messages).toBe(N)
  // Its backlog on /metrics, as the serve reading it last saw it.
  await eventually(async () => {
    const text = await (await fetch(`${stack.serve.baseUrl}/metrics`)).text()
    expect(text).toMatch(/^dagnats_source_pending_messages\{stream="ORDERS"\} 0$/m)
    expect(text).toMatch(/^dagnats_source_ack_pending_messages\{stream="ORDERS"\} 0$/m)
  }, 15_000)
  // The source stream is read, never changed: every message is still there.
  expect((await raw.jsm.streams.info("ORDERS")).state.messages).toBe(N + 3)
}, 120_000)

test("sources - a KV put and a delete start one run each with the change record; --ops delete takes only the delete", async () => {
  const { raw } = stack
  const kv = await new Kvm(raw.js).create("config")
  await stack.cli("trigger", "create", "flags", "--workflow", "flags-wf", "--kv", "config", "--key", "flags.>")
  await stack.cli(
    "trigger",
    "create",
    "gone",
    "--workflow",
    "gone-wf",
    "--kv",
    "config",
    "--key",
    "flags.*",
    "--ops",
    "delete",
  )
  const shown = await stack.cli("trigger", "get", "gone")
  expect([shown.type, shown.subject, shown.source]).toStrictEqual([
    "event",
    "flags.*",
    { kv: "config", ops: ["delete"] },
  ])
  const human = await stack.cliRaw("trigger", "get", "gone")
  expect(human.stdout).toMatch(/^listens on: +keys flags\.\* of KV bucket config \(delete\)$/m)
  const listed = await stack.cliRaw("trigger", "list")
  expect(listed.stdout).toMatch(/flags\.\* \(kv config\)/)
  const r1 = await kv.put("flags.dark", JSON.stringify({ on: true }))
  const r2 = await kv.put("flags.note", "not json")
  await kv.delete("flags.dark")
  const r3 = (await raw.jsm.streams.info("KV_config")).state.last_seq
  await kv.put("other.key", "1")
  await eventually(async () => expect((await runsOf("flags-wf")).length + (await runsOf("gone-wf")).length).toBe(4))
  await sourceSettled("KV_config")
  const epoch = await epochOf(raw.jsm, "KV_config")
  const byRevision = (a: Record<string, any>, b: Record<string, any>) => a.input.revision - b.input.revision
  expect((await runsOf("flags-wf")).sort(byRevision).map((r) => [r.run_id, r.input])).toStrictEqual([
    [
      runIdFor("flags", { kind: "sequence", seq: r1, epoch }),
      { bucket: "config", key: "flags.dark", op: "put", revision: r1, value: { on: true } },
    ],
    [
      runIdFor("flags", { kind: "sequence", seq: r2, epoch }),
      { bucket: "config", key: "flags.note", op: "put", revision: r2, value: "not json" },
    ],
    [
      runIdFor("flags", { kind: "sequence", seq: r3, epoch }),
      { bucket: "config", key: "flags.dark", op: "delete", revision: r3 },
    ],
  ])
  expect((await runsOf("gone-wf")).map((r) => [r.run_id, r.input])).toStrictEqual([
    [
      runIdFor("gone", { kind: "sequence", seq: r3, epoch }),
      { bucket: "config", key: "flags.dark", op: "delete", revision: r3 },
    ],
  ])
  expect((await raw.fires("gone")).map(withoutAt)).toStrictEqual([
    {
      trigger: "gone",
      workflow: "gone-wf",
      outcome: "fired",
      run_id: runIdFor("gone", { kind: "sequence", seq: r3, epoch }),
      count: 1,
      event: { subject: "$KV.config.flags.dark", seq: r3 },
    },
  ])
}, 60_000)

test("sources - create refuses an unknown stream or bucket, work-queue and interest retention, a subject outside the stream, another domain, each saying what to do", async () => {
  const { raw } = stack
  await raw.jsm.streams.add({ name: "JOBS", subjects: ["jobs.>"], retention: RetentionPolicy.Workqueue })
  await raw.jsm.streams.add({ name: "FANOUT", subjects: ["fan.>"], retention: RetentionPolicy.Interest })
  await raw.jsm.streams.add({ name: "PAY", subjects: ["pay.in.*", "pay.out.*"] })
  const refusal = async (...args: Array<string>) => {
    const r = await stack.cliRaw("trigger", "create", "t", "--workflow", "w", ...args)
    return [r.code, r.stderr.trim()]
  }
  expect(await refusal("--stream", "NOPE", "--subject", "x.>")).toStrictEqual([
    1,
    "dagnats: --stream: stream NOPE does not exist in dagnats's account; create it first " +
      "(nats stream add NOPE --subjects '…') or check the name",
  ])
  expect(await refusal("--kv", "nope", "--key", ">")).toStrictEqual([
    1,
    "dagnats: --kv: KV bucket nope does not exist in dagnats's account; create it first (nats kv add nope) or check the name",
  ])
  expect(await refusal("--stream", "JOBS", "--subject", "jobs.>")).toStrictEqual([
    1,
    "dagnats: --stream / --kv: stream JOBS has work-queue retention: a consumer of dagnats's would take messages away " +
      "from their owner; trigger on a stream with limits retention instead (one that sources JOBS)",
  ])
  expect(await refusal("--stream", "FANOUT", "--subject", "fan.>")).toStrictEqual([
    1,
    "dagnats: --stream / --kv: stream FANOUT has interest retention: a consumer of dagnats's would take messages away " +
      "from their owner; trigger on a stream with limits retention instead (one that sources FANOUT)",
  ])
  expect(await refusal("--stream", "PAY", "--subject", "pay.refund.*")).toStrictEqual([
    1,
    "dagnats: --subject: pay.refund.* matches none of stream PAY's subjects (pay.in.*, pay.out.*); give a pattern within them",
  ])
  await expect(
    raw.request("dagnats.triggers.create", {
      name: "t",
      workflow: "w",
      type: "event",
      subject: "pay.in.*",
      source: { stream: "PAY", domain: "hub" },
    }),
  ).rejects.toThrow(
    "source.domain: not supported: dagnats reads sources in its own account and JetStream domain only; " +
      "create a stream here that sources or mirrors the other one and trigger on that",
  )
  // Nothing was stored, and no consumer was created on any of them.
  expect((await stack.cli("trigger", "list")).triggers).toStrictEqual([])
  for (const s of ["JOBS", "FANOUT", "PAY"]) expect(await consumerFilters(s)).toBeUndefined()
}, 60_000)

test("sources - dagnats's consumer on a stream is created with the first trigger, its filters follow the triggers, and it is deleted with the last", async () => {
  const { raw } = stack
  await raw.jsm.streams.add({ name: "SHOP", subjects: ["shop.>"] })
  const filters = (...f: Array<string>) => (multiFilter() ? f : [])
  await stack.cli("trigger", "create", "a", "--workflow", "w", "--stream", "SHOP", "--subject", "shop.a.*")
  expect(await consumerFilters("SHOP")).toStrictEqual(filters("shop.a.*"))
  const c = await raw.jsm.consumers.info("SHOP", "dagnats-source-SHOP")
  expect([c.config.deliver_policy, c.config.ack_policy]).toStrictEqual(["new", "explicit"])
  await stack.cli("trigger", "create", "b", "--workflow", "w", "--stream", "SHOP", "--subject", "shop.b")
  expect(await consumerFilters("SHOP")).toStrictEqual(filters("shop.a.*", "shop.b"))
  await stack.cli("trigger", "update", "b", "--subject", "shop.>")
  expect(await consumerFilters("SHOP")).toStrictEqual(filters("shop.>"))
  await stack.cli("trigger", "delete", "b")
  expect(await consumerFilters("SHOP")).toStrictEqual(filters("shop.a.*"))
  await raw.js.publish("shop.a.1", encoder.encode('{"n":1}'))
  await eventually(async () => expect((await runsOf("w")).map((r) => r.input)).toStrictEqual([{ n: 1 }]))
  await stack.cli("trigger", "delete", "a")
  expect(await consumerFilters("SHOP")).toBeUndefined()
  // The stream itself is never changed.
  const info = await raw.jsm.streams.info("SHOP")
  expect([info.config.subjects, info.state.messages, info.state.consumer_count]).toStrictEqual([["shop.>"], 1, 0])
}, 60_000)

test("sources - a consumer deleted by hand is created again, and a stream deleted and created again is read from its new start", async () => {
  const { raw } = stack
  await raw.jsm.streams.add({ name: "FEED", subjects: ["feed.>"] })
  await stack.cli("trigger", "create", "feed", "--workflow", "feed-wf", "--stream", "FEED", "--subject", "feed.*")
  await raw.jsm.consumers.delete("FEED", "dagnats-source-FEED")
  await eventually(async () => expect(await consumerFilters("FEED")).toBeDefined(), 15_000)
  await eventually(() => expect(stack.serve.log()).toContain("the consumer on source stream FEED was gone"), 15_000)
  const s1 = (await raw.js.publish("feed.one", encoder.encode('{"n":1}'))).seq
  await eventually(async () => expect((await runsOf("feed-wf")).map((r) => r.input)).toStrictEqual([{ n: 1 }]), 15_000)
  const firstEpoch = await epochOf(raw.jsm, "FEED")

  await raw.jsm.streams.delete("FEED")
  await raw.jsm.streams.add({ name: "FEED", subjects: ["feed.>"] })
  await eventually(async () => expect(await consumerFilters("FEED")).toBeDefined(), 15_000)
  await eventually(() => expect(stack.serve.log()).toContain("reading source stream FEED"), 15_000)
  const s2 = (await raw.js.publish("feed.two", encoder.encode('{"n":2}'))).seq
  // The new stream's first message has the same sequence as the old one's: a new run all the same.
  expect(s2).toBe(s1)
  await eventually(async () => expect(await runsOf("feed-wf")).toHaveLength(2), 15_000)
  const secondEpoch = await epochOf(raw.jsm, "FEED")
  expect((await runsOf("feed-wf")).map((r) => [r.run_id, r.input]).sort((a, b) => a[1].n - b[1].n)).toStrictEqual([
    [runIdFor("feed", { kind: "sequence", seq: s1, epoch: firstEpoch }), { n: 1 }],
    [runIdFor("feed", { kind: "sequence", seq: s2, epoch: secondEpoch }), { n: 2 }],
  ])
}, 90_000)

test("sources - event replay --trigger reads the trigger's own stream: messages from before it existed start runs once, live ones are found existing", async () => {
  const { raw } = stack
  await raw.jsm.streams.add({ name: "HIST", subjects: ["hist.*"] })
  const before = [
    (await raw.js.publish("hist.a", encoder.encode('{"n":1}'))).seq,
    (await raw.js.publish("hist.b", encoder.encode('{"n":2}'))).seq,
  ]
  await stack.cli("trigger", "create", "hist", "--workflow", "hist-wf", "--stream", "HIST", "--subject", "hist.*")
  const live = (await raw.js.publish("hist.a", encoder.encode('{"n":3}'))).seq
  await eventually(async () => expect(await runsOf("hist-wf")).toHaveLength(1))
  await sourceSettled("HIST")
  const first = await stack.cli("event", "replay", "--trigger", "hist")
  expect([first.evaluated, first.fired, first.existing, first.skipped]).toStrictEqual([3, 2, 1, 0])
  const epoch = await epochOf(raw.jsm, "HIST")
  expect((await runsOf("hist-wf")).map((r) => [r.run_id, r.input]).sort((a, b) => a[1].n - b[1].n)).toStrictEqual(
    [...before, live].map((seq, i) => [runIdFor("hist", { kind: "sequence", seq, epoch }), { n: i + 1 }]),
  )
  const second = await stack.cli("event", "replay", "--trigger", "hist", "--subject", "hist.b")
  expect([second.evaluated, second.fired, second.existing, second.skipped]).toStrictEqual([1, 0, 1, 0])
}, 60_000)

test("sources - event replay of a KV trigger evaluates the bucket's changes as change records, within its ops", async () => {
  const { raw } = stack
  // A bucket keeping history: with the default of one value per key the delete would replace the put.
  const kv = await new Kvm(raw.js).create("prefs", { history: 5 })
  const r1 = await kv.put("user.1", '{"lang":"de"}')
  await kv.delete("user.1")
  await stack.cli(
    "trigger",
    "create",
    "prefs",
    "--workflow",
    "prefs-wf",
    "--kv",
    "prefs",
    "--key",
    "user.*",
    "--ops",
    "put",
  )
  const replayed = await stack.cli("event", "replay", "--trigger", "prefs")
  expect([replayed.evaluated, replayed.fired, replayed.existing, replayed.skipped]).toStrictEqual([1, 1, 0, 0])
  const epoch = await epochOf(raw.jsm, "KV_prefs")
  expect((await runsOf("prefs-wf")).map((r) => [r.run_id, r.input])).toStrictEqual([
    [
      runIdFor("prefs", { kind: "sequence", seq: r1, epoch }),
      { bucket: "prefs", key: "user.1", op: "put", revision: r1, value: { lang: "de" } },
    ],
  ])
}, 60_000)

test("sources - a create refused after its stream was checked (the name is taken) leaves no consumer on that stream", async () => {
  const { raw } = stack
  await raw.jsm.streams.add({ name: "TAKEN", subjects: ["taken.>"] })
  await stack.cli("trigger", "create", "dup", "--workflow", "w", "--subject", "event.dup")
  const r = await stack.cliRaw(
    "trigger",
    "create",
    "dup",
    "--workflow",
    "w",
    "--stream",
    "TAKEN",
    "--subject",
    "taken.>",
  )
  expect([r.code, r.stderr.trim()]).toStrictEqual([1, 'dagnats: trigger "dup" already exists'])
  expect(await consumerFilters("TAKEN")).toBeUndefined()
}, 60_000)

test("sources - trigger test takes a payload for a trigger with a source, and refuses a stored EVENTS message for it", async () => {
  const { raw } = stack
  await raw.jsm.streams.add({ name: "TRY", subjects: ["try.*"] })
  await stack.cli("trigger", "create", "try", "--workflow", "w", "--stream", "TRY", "--subject", "try.*")
  const tested = await stack.cli("trigger", "test", "try", "--payload", '{"n":1}', "--subject", "try.a")
  expect(tested.matched).toBe(true)
  const r = await stack.cliRaw("trigger", "test", "try", "--event", "1")
  expect([r.code, r.stderr.trim()]).toStrictEqual([
    1,
    "dagnats: event_seq: not for a trigger with a source (its events are not in EVENTS); give a payload, " +
      "or see what its stored messages would do with event replay --dry-run",
  ])
}, 60_000)

test("sources - a trigger deleted straight from KV (not through the service) still takes its consumer with it", async () => {
  const { raw } = stack
  await raw.jsm.streams.add({ name: "BYHAND", subjects: ["byhand.>"] })
  await stack.cli("trigger", "create", "byhand", "--workflow", "w", "--stream", "BYHAND", "--subject", "byhand.>")
  await eventually(() => expect(stack.serve.log()).toContain("reading source stream BYHAND"), 15_000)
  await (await new Kvm(raw.js).open("dagnats_triggers")).delete("byhand")
  await eventually(async () => expect(await consumerFilters("BYHAND")).toBeUndefined(), 15_000)
  expect((await raw.jsm.streams.info("BYHAND")).config.subjects).toStrictEqual(["byhand.>"])
}, 60_000)
