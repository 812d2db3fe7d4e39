// Evaluator throughput and webhook-to-run latency, in one run against one nats-server:
// 1. events/s from the first publish of EVENTS events until the evaluator's durable has
//    acknowledged the last one, with 10, 1,000 and 10,000 event triggers present (each event
//    matches exactly one trigger and starts one run);
// 2. the ceiling: a plain durable pull consumer (same ack settings) on its own stream that only
//    acks, in a separate process, timed the same way;
// 3. webhook POST to run record readable (KV watch on `runs`) at a fixed request rate.
// Run with `node bench/run.mjs evaluator` after `make build`. A quick look that appends nothing:
// BENCH_DRY_RUN=1 BENCH_TRIGGER_COUNTS=10 BENCH_ROUNDS=1 BENCH_EVAL_EVENTS=200 BENCH_WEBHOOK_SECONDS=1.
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { connect } from "@nats-io/transport-node"
import { headers as natsHeaders } from "@nats-io/nats-core"
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager } from "@nats-io/jetstream"
import { Kvm } from "@nats-io/kv"
import { Buckets, Consumers, Streams } from "../dist/protocol/names.js"
import { evaluatorSpec } from "../dist/evaluator/consumer.js"
import { webhookToRunLatency } from "./run-latency.mjs"
import { DEFAULT_TIMING, evaluatorTiming } from "../dist/config/evaluator-timing.js"
import {
  appendResult,
  loadNow,
  markdownTable,
  median,
  sleep,
  startChild,
  startNats,
  startServe,
  until,
} from "./lib.mjs"

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)
const EVENTS = Number(process.env.BENCH_EVAL_EVENTS ?? 3_000)
const TRIGGER_COUNTS = (process.env.BENCH_TRIGGER_COUNTS ?? "10,1000,10000").split(",").map(Number)
const MATCHED_SUBJECTS = 10
const PUBLISH_BATCH = 500
const WEBHOOK_RPS = Number(process.env.BENCH_WEBHOOK_RPS ?? 500)
const WEBHOOK_SECONDS = Number(process.env.BENCH_WEBHOOK_SECONDS ?? 10)
const SECRET = "s"
const TARGET_RATIO = 0.7
const CEILING_STREAM = "BENCH_CEILING"
const CEILING_DURABLE = "bench-ceiling"
// The evaluator consumer's settings for the timing serve resolves from this same environment
// (DAGNATS_ACK_WAIT), so the ceiling consumer acks under the same limits as the evaluator.
const timing = evaluatorTiming(process.env)
const SPEC = evaluatorSpec(typeof timing === "string" ? DEFAULT_TIMING : timing)
const CEILING_MAX_MESSAGES = Math.max(64, SPEC.maxInFlight * 2)
const encoder = new TextEncoder()
const decoder = new TextDecoder()

/** Child-process mode: the ceiling consumer, acking every message as soon as it arrives. */
const runCeilingChild = async () => {
  const nc = await connect({ servers: process.env.NATS_URL })
  const js = jetstream(nc)
  const consumer = await js.consumers.get(CEILING_STREAM, CEILING_DURABLE)
  const messages = await consumer.consume({ max_messages: CEILING_MAX_MESSAGES })
  console.log("ceiling consumer ready")
  process.once("SIGTERM", async () => {
    await messages.close().catch(() => {})
    await nc.close()
    process.exit(0)
  })
  for await (const m of messages) m.ack()
}

/** Publish `count` events over `subjects`, async publishes awaited in batches; returns the last seq. */
const publishBurst = async (js, subjects, count, round) => {
  const h = natsHeaders()
  h.set("Content-Type", "application/json")
  let last = 0
  for (let start = 0; start < count; start += PUBLISH_BATCH) {
    const batch = []
    for (let i = start; i < Math.min(count, start + PUBLISH_BATCH); i++) {
      batch.push(
        js.publish(subjects[i % subjects.length], encoder.encode(JSON.stringify({ round, i })), { headers: h }),
      )
    }
    for (const ack of await Promise.all(batch)) last = Math.max(last, ack.seq)
  }
  return last
}

/** Wait (polling every 10 ms) until `durable`'s ack floor reaches `seq`. */
const ackFloorReaches = async (jsm, stream, durable, seq, timeoutMs = 120_000) => {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const c = await jsm.consumers.info(stream, durable)
    if (c.ack_floor.stream_seq >= seq) return
    if (Date.now() > deadline)
      throw new Error(`timed out: ${stream}/${durable} ack floor ${c.ack_floor.stream_seq} < ${seq}`)
    await sleep(10)
  }
}

/** One timed burst: first publish until the consumer has acked the last message; events/s. */
const timedBurst = async (jsm, js, stream, durable, subjects, round) => {
  const t0 = performance.now()
  const last = await publishBurst(js, subjects, EVENTS, round)
  await ackFloorReaches(jsm, stream, durable, last)
  return EVENTS / ((performance.now() - t0) / 1000)
}

const request = async (nc, subject, body) => {
  const r = await nc.request(subject, encoder.encode(JSON.stringify(body)), { timeout: 30_000 })
  const text = decoder.decode(r.data)
  const parsed = text === "" ? {} : JSON.parse(text)
  if (r.headers?.hasError || parsed.error !== undefined)
    throw new Error(`${subject} failed: ${text} ${r.headers?.description ?? ""}`)
  return parsed
}

/** Create event triggers t-<i> on event.t.<i> for i in [from, to), 200 requests in flight. */
const createTriggers = async (nc, from, to) => {
  const ids = Array.from({ length: to - from }, (_, k) => from + k)
  let next = 0
  const worker = async () => {
    while (next < ids.length) {
      const i = ids[next++]
      await request(nc, "dagnats.triggers.create", {
        name: `t-${i}`,
        workflow: "bench-wf",
        type: "event",
        subject: `event.t.${i}`,
      })
    }
  }
  await Promise.all(Array.from({ length: 200 }, worker))
  // Returns only once serve's in-memory table has caught up with the triggers bucket.
  await request(nc, "dagnats.triggers.list", { limit: 1 })
}

export default async function benchEvaluator() {
  const loadAtStart = loadNow()
  const cleanups = []
  const nats = await startNats()
  cleanups.push(nats.stop)
  try {
    const serve = await startServe(nats.url, cleanups)
    const nc = await connect({ servers: nats.url })
    cleanups.push(() => nc.close())
    const js = jetstream(nc)
    const jsm = await jetstreamManager(nc)

    // The ceiling: its own stream (file store, like EVENTS) and a durable with the evaluator's ack settings.
    await jsm.streams.add({ name: CEILING_STREAM, subjects: ["ceiling.>"], storage: "file" })
    await jsm.consumers.add(CEILING_STREAM, {
      durable_name: CEILING_DURABLE,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: SPEC.ackWaitMs * 1_000_000,
      max_ack_pending: SPEC.maxAckPending,
    })
    const ceilingChild = await startChild([fileURLToPath(import.meta.url)], {
      env: { BENCH_CEILING_CHILD: "1", NATS_URL: nats.url },
      ready: /ceiling consumer ready/,
      name: "ceiling consumer",
    })
    cleanups.push(ceilingChild.stop)
    const ceilingSubjects = Array.from({ length: MATCHED_SUBJECTS }, (_, k) => `ceiling.t.${k}`)

    console.log(
      `evaluator bench: ${EVENTS} events per burst, ${ROUNDS} rounds per trigger count, triggers ${TRIGGER_COUNTS.join(" / ")}`,
    )
    const results = []
    let created = 0
    let round = 0
    for (const count of TRIGGER_COUNTS) {
      const t0 = performance.now()
      await createTriggers(nc, created, count)
      created = count
      console.log(`${count} triggers present (created in ${((performance.now() - t0) / 1000).toFixed(1)} s)`)
      // Each event matches exactly one trigger: the subjects of MATCHED_SUBJECTS triggers spread over the range.
      const subjects = Array.from(
        { length: MATCHED_SUBJECTS },
        (_, k) => `event.t.${Math.floor((k * count) / MATCHED_SUBJECTS)}`,
      )
      // Warm-up burst (not measured) so JIT and connections are warm.
      await timedBurst(jsm, js, Streams.events, Consumers.evaluator, subjects, ++round)
      const ev = []
      const ceil = []
      for (let r = 0; r < ROUNDS; r++) {
        ev.push(await timedBurst(jsm, js, Streams.events, Consumers.evaluator, subjects, ++round))
        ceil.push(await timedBurst(jsm, js, CEILING_STREAM, CEILING_DURABLE, ceilingSubjects, round))
        console.log(
          `  round ${r + 1}: evaluator ${ev.at(-1).toFixed(0)} events/s | ceiling ${ceil.at(-1).toFixed(0)} msgs/s`,
        )
      }
      results.push({ count, evaluator: median(ev), ceiling: median(ceil) })
    }
    // Sanity: every evaluated event started exactly one run.
    const runsKv = await new Kvm(js).open(Buckets.runs)
    const runCount = (await runsKv.status()).values
    const evaluated = round * EVENTS
    if (runCount !== evaluated) console.warn(`warning: ${runCount} run records for ${evaluated} events`)

    await request(nc, "dagnats.triggers.create", { name: "wh", workflow: "wh-wf", type: "webhook", secrets: [SECRET] })
    await request(nc, "dagnats.triggers.list", { limit: 1 })
    console.log(`webhook latency: ${WEBHOOK_RPS} req/s for ${WEBHOOK_SECONDS} s (${created + 1} triggers present)`)
    const wh = await webhookToRunLatency({
      js,
      bucket: Buckets.runs,
      url: `${serve.url}/v1/webhooks/wh`,
      secret: SECRET,
      rps: WEBHOOK_RPS,
      seconds: WEBHOOK_SECONDS,
    })
    console.log(
      `  p50 ${wh.p50.toFixed(1)} ms, p99 ${wh.p99.toFixed(1)} ms, max ${wh.max.toFixed(1)} ms over ${wh.n} runs (sent at ${wh.achievedRps.toFixed(0)} req/s)`,
    )

    const base = results[0].evaluator
    const ratio = (a, b) => `${(a / b).toFixed(2)}×`
    const table = markdownTable(
      [
        "triggers present",
        "evaluator events/s (median)",
        `vs ${TRIGGER_COUNTS[0].toLocaleString("en")} triggers`,
        "ceiling msgs/s (median)",
        "evaluator / ceiling",
      ],
      results.map((r) => [
        r.count.toLocaleString("en"),
        r.evaluator.toFixed(0),
        ratio(r.evaluator, base),
        r.ceiling.toFixed(0),
        ratio(r.evaluator, r.ceiling),
      ]),
    )
    const last = results.at(-1)
    const targets = markdownTable(
      ["target / measurement", "result", ""],
      [
        [
          `events/s with ${TRIGGER_COUNTS.at(-1).toLocaleString("en")} triggers ≥ ${TARGET_RATIO}× with ${TRIGGER_COUNTS[0].toLocaleString("en")}`,
          ratio(last.evaluator, base),
          last.evaluator >= TARGET_RATIO * base ? "met" : "**missed**",
        ],
        [
          `webhook → run record p50 / p99 / max at ${WEBHOOK_RPS} req/s`,
          `${wh.p50.toFixed(1)} / ${wh.p99.toFixed(1)} / ${wh.max.toFixed(1)} ms`,
          `${wh.n} runs`,
        ],
      ],
    )
    const method =
      `Throughput: ${EVENTS.toLocaleString("en")} events per burst published as fast as possible while serve runs (async publishes awaited in batches of ${PUBLISH_BATCH}), ` +
      `timed from the first publish until the \`${Consumers.evaluator}\` ack floor reaches the last event's sequence (an event is acked only after its run is recorded). ` +
      `Each event matches exactly one event trigger (${MATCHED_SUBJECTS} subjects spread over the triggers present) and starts one run. ` +
      `Ceiling: the same bursts to a separate file-store stream, consumed by a plain durable pull consumer in its own Node process that only acks ` +
      `(ack wait ${SPEC.ackWaitMs / 1000} s, max ack pending ${SPEC.maxAckPending}, consume max_messages ${CEILING_MAX_MESSAGES}), timed the same way, ` +
      `alternating with the evaluator bursts. One warm-up burst per trigger count, then medians of ${ROUNDS} rounds. ` +
      `Latency: one webhook trigger (hmac-sha256), ${WEBHOOK_RPS} signed POSTs/s for ${WEBHOOK_SECONDS} s (node:http, keep-alive, up to 64 connections), each body carrying a unique id; latency is from sending the POST ` +
      `to the run record arriving on a KV watch of \`${Buckets.runs}\` (matched by input id); ${created.toLocaleString("en")} event triggers also present. ` +
      `One nats-server (file store), one serve, load generator on the same machine (1-minute load average before the run: ${loadAtStart}).`
    console.log(`\n${table}\n\n${targets}\n`)
    if (process.env.BENCH_DRY_RUN === "1") return console.log(`${method}\n\nBENCH_DRY_RUN=1: not appended`)
    appendResult("Evaluator throughput and webhook-to-run latency", `${method}\n\n${table}\n\n${targets}`)
    console.log("appended to BENCHMARKS.md")
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup()
  }
}

if (process.env.BENCH_CEILING_CHILD === "1" && process.argv[1] === fileURLToPath(import.meta.url))
  await runCeilingChild()
