// Evaluator throughput from a source stream of the operator's vs from EVENTS, in one run against one
// nats-server and one serve: bursts of events published as fast as possible, alternating between
// `event.bench.*` (EVENTS, trigger `ev-bench`) and `src.*` on the stream BENCH_SRC (trigger
// `src-bench`, source {"stream": "BENCH_SRC"}), each timed from the first publish until that
// stream's dagnats consumer has acked the last event; every event starts one run.
// Run with `node bench/run.mjs sources` after `make build`. A quick look that appends nothing:
// BENCH_DRY_RUN=1 BENCH_ROUNDS=1 BENCH_SOURCE_EVENTS=500.
import { connect } from "@nats-io/transport-node"
import { headers as natsHeaders } from "@nats-io/nats-core"
import { jetstream, jetstreamManager } from "@nats-io/jetstream"
import { Consumers, Streams } from "../dist/protocol/names.js"
import { appendResult, loadNow, markdownTable, median, sleep, startNats, startServe } from "./lib.mjs"

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)
const EVENTS = Number(process.env.BENCH_SOURCE_EVENTS ?? 3_000)
const PUBLISH_BATCH = 500
const TARGET_RATIO = 0.9
const SOURCE = "BENCH_SRC"
const encoder = new TextEncoder()
const decoder = new TextDecoder()

const request = async (nc, subject, body) => {
  const r = await nc.request(subject, encoder.encode(JSON.stringify(body)), { timeout: 30_000 })
  const text = decoder.decode(r.data)
  if (r.headers?.hasError) throw new Error(`${subject} failed: ${text}`)
  return JSON.parse(text)
}

const publishBurst = async (js, prefix, round) => {
  const h = natsHeaders()
  h.set("Content-Type", "application/json")
  let last = 0
  for (let start = 0; start < EVENTS; start += PUBLISH_BATCH) {
    const batch = []
    for (let i = start; i < Math.min(EVENTS, start + PUBLISH_BATCH); i++)
      batch.push(js.publish(`${prefix}${i % 10}`, encoder.encode(JSON.stringify({ round, i })), { headers: h }))
    for (const ack of await Promise.all(batch)) last = Math.max(last, ack.seq)
  }
  return last
}

const ackFloorReaches = async (jsm, stream, durable, seq, timeoutMs = 120_000) => {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const c = await jsm.consumers.info(stream, durable).catch(() => undefined)
    if (c !== undefined && c.ack_floor.stream_seq >= seq) return
    if (Date.now() > deadline) throw new Error(`timed out: ${stream}/${durable} below ${seq}`)
    await sleep(10)
  }
}

const timedBurst = async (jsm, js, stream, durable, prefix, round) => {
  const t0 = performance.now()
  const last = await publishBurst(js, prefix, round)
  await ackFloorReaches(jsm, stream, durable, last)
  return EVENTS / ((performance.now() - t0) / 1000)
}

export default async function benchSources() {
  const loadAtStart = loadNow()
  const cleanups = []
  const nats = await startNats()
  cleanups.push(nats.stop)
  try {
    await startServe(nats.url, cleanups)
    const nc = await connect({ servers: nats.url })
    cleanups.push(() => nc.close())
    const js = jetstream(nc)
    const jsm = await jetstreamManager(nc)
    await jsm.streams.add({ name: SOURCE, subjects: ["src.>"], storage: "file" })
    await request(nc, "dagnats.triggers.create", {
      name: "ev-bench",
      workflow: "w",
      type: "event",
      subject: "event.bench.*",
    })
    await request(nc, "dagnats.triggers.create", {
      name: "src-bench",
      workflow: "w",
      type: "event",
      subject: "src.*",
      source: { stream: SOURCE },
    })
    const sourceConsumer = Consumers.source(SOURCE)
    // The serve's reader starts within its 2 s check; a first message tells when it reads.
    await js.publish("src.warm", encoder.encode("{}"))
    await ackFloorReaches(jsm, SOURCE, sourceConsumer, 1, 30_000)
    console.log(`sources bench: ${EVENTS} events per burst, ${ROUNDS} rounds`)
    let round = 0
    await timedBurst(jsm, js, Streams.events, Consumers.evaluator, "event.bench.", ++round)
    await timedBurst(jsm, js, SOURCE, sourceConsumer, "src.", ++round)
    const ev = []
    const src = []
    for (let r = 0; r < ROUNDS; r++) {
      ev.push(await timedBurst(jsm, js, Streams.events, Consumers.evaluator, "event.bench.", ++round))
      src.push(await timedBurst(jsm, js, SOURCE, sourceConsumer, "src.", ++round))
      console.log(
        `  round ${r + 1}: EVENTS ${ev.at(-1).toFixed(0)} events/s | ${SOURCE} ${src.at(-1).toFixed(0)} events/s`,
      )
    }
    const e = median(ev)
    const s = median(src)
    const table = markdownTable(
      ["read from", "evaluator events/s (median)", "vs EVENTS"],
      [
        ["EVENTS", e.toFixed(0), "1.00×"],
        [`source stream ${SOURCE}`, s.toFixed(0), `${(s / e).toFixed(2)}×`],
      ],
    )
    const verdict = `target: from a source ≥ ${TARGET_RATIO}× from EVENTS: ${(s / e).toFixed(2)}× ${s >= TARGET_RATIO * e ? "met" : "**missed**"}`
    const method =
      `${EVENTS.toLocaleString("en")} events per burst (async publishes awaited in batches of ${PUBLISH_BATCH}), alternating between EVENTS ` +
      `and the operator's stream ${SOURCE}, each timed from the first publish until that stream's dagnats consumer ` +
      `(\`${Consumers.evaluator}\`, \`${sourceConsumer}\`) acks the last event; one event trigger on each, every event starts one run. ` +
      `One warm-up burst each, then medians of ${ROUNDS} rounds. One nats-server (file store), one serve, on the same machine ` +
      `(1-minute load average before the run: ${loadAtStart}).`
    console.log(`\n${table}\n\n${verdict}\n`)
    if (process.env.BENCH_DRY_RUN === "1") return console.log(`${method}\n\nBENCH_DRY_RUN=1: not appended`)
    appendResult("Evaluator throughput from a source stream vs EVENTS", `${method}\n\n${table}\n\n${verdict}`)
    console.log("appended to BENCHMARKS.md")
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup()
  }
}
