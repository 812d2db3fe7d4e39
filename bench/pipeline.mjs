// The whole pipeline: signed webhook POST → run record, end to end, against one nats-server.
// Rounds alternate three servers under the same load (CONNECTIONS keep-alive connections, 1 KB body):
// - bare ingest: bench/baseline-server.mjs (publish and answer; starts no run), the front door's ceiling;
// - minimal pipeline: bench/minimal-pipeline.mjs, the least hand-written code that starts runs;
// - dagnats serve with its evaluator, one webhook trigger, one run per webhook.
// A pipeline's figure is webhooks → runs per second: accepted requests over the time from the first
// request until the last run record exists (load plus drain). After each serve round every stored
// webhook must have exactly one run record. Then webhook → run latency at 500 req/s for the two
// pipelines, and serve's peak RSS. Quick look, appending nothing: BENCH_DRY_RUN=1 BENCH_ROUNDS=1.
import { join } from "node:path"
import autocannon from "autocannon"
import { connect } from "@nats-io/transport-node"
import { AckPolicy, jetstream, jetstreamManager } from "@nats-io/jetstream"
import { Kvm } from "@nats-io/kv"
import { Buckets, Streams } from "../dist/protocol/names.js"
import { schemes } from "../dist/domain/signatures/index.js"
import { webhookToRunLatency } from "./run-latency.mjs"
import {
  appendResult,
  freePort,
  loadNow,
  markdownTable,
  median,
  peakRssMb,
  ROOT,
  startChild,
  startNats,
  startCluster,
  latestNatsServer,
  natsVersion,
  startServe,
  until,
} from "./lib.mjs"

export const CONNECTIONS = 50
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5)
const ROUND_SECONDS = Number(process.env.BENCH_ROUND_SECONDS ?? 5)
const LATENCY_RPS = 500
const LATENCY_SECONDS = Number(process.env.BENCH_WEBHOOK_SECONDS ?? 10)
export const SECRET = "bench-secret"
export const TARGETS = { vsMinimal: 1.5, vsBare: 0.5, p99Ms: 10, rssMb: 200 }
export const MIN = { stream: "BENCH_MIN", subject: "bench.min", durable: "bench-min", bucket: "bench_min_runs" }
export const BARE = { stream: "BENCH_BARE", subject: "bench.bare" }

export const body = Buffer.from(JSON.stringify({ action: "opened", id: "same-for-all", note: "x".repeat(960) }))

/** Messages a stream holds now, or only those on `subject`. */
export const stored = async (jsm, stream, subject) => {
  if (subject === undefined) return (await jsm.streams.info(stream)).state.messages
  return (await jsm.streams.info(stream, { subjects_filter: subject })).state.subjects?.[subject] ?? 0
}

/** `read()` once two reads 200 ms apart agree: requests still in flight when the load stopped have landed. */
const settled = async (read) => {
  let last = await read()
  for (;;) {
    await new Promise((r) => setTimeout(r, 200))
    const now = await read()
    if (now === last) return now
    last = now
  }
}

/**
 * One load round. `ingested()` counts the webhooks a server stored (autocannon does not count the
 * requests in flight when it stops, so the stream is the count); for a pipeline, the round lasts
 * until `runs()` has grown by as many. Several URLs (one server per cluster node) share the
 * connections evenly and are loaded at once.
 */
export const round = async (url, ingested, runs) => {
  const urls = Array.isArray(url) ? url : [url]
  const [before, runsBefore] = [await ingested(), runs === undefined ? 0 : await runs()]
  const headers = {
    "content-type": "application/json",
    ...schemes["hmac-sha256"].sign({ rawBody: body, secret: SECRET, nowMs: Date.now() }),
  }
  const t0 = performance.now()
  const connections = CONNECTIONS / urls.length
  const loads = await Promise.all(
    urls.map((u) => autocannon({ url: u, method: "POST", connections, duration: ROUND_SECONDS, headers, body })),
  )
  for (const r of loads) {
    if (r.errors > 0 || r.non2xx > 0 || r.timeouts > 0)
      throw new Error(`load run had failures: ${r.errors} errors, ${r.timeouts} timeouts, ${r.non2xx} non-2xx`)
  }
  const loadSeconds = (performance.now() - t0) / 1000
  const accepted = (await settled(ingested)) - before
  if (runs === undefined) return { perSecond: accepted / loadSeconds, accepted, drainSeconds: 0 }
  await until(async () => (await runs()) - runsBefore >= accepted, `${accepted} runs`, 120_000)
  const seconds = (performance.now() - t0) / 1000
  const made = (await settled(runs)) - runsBefore
  return { perSecond: accepted / seconds, accepted, drainSeconds: seconds - loadSeconds, runs: made }
}

/**
 * The whole bench on one system. `cluster`: a 3-node cluster (the newest nats-server installed),
 * streams and buckets with 3 replicas, and two of each server (bare, minimal, serve), each
 * connected to a node of its own, sharing the load.
 */
export const measurePipeline = async ({ cluster = false } = {}) => {
  const loadAtStart = loadNow()
  const cleanups = []
  const system = cluster ? await startCluster() : await startNats()
  cleanups.push(system.stop)
  // Each instance's servers, its own node first.
  const nodeUrls = cluster
    ? [0, 1].map((i) => [...system.urls.slice(i), ...system.urls.slice(0, i)].join(","))
    : [system.url]
  const replicas = cluster ? 3 : 1
  try {
    const serves = []
    for (const url of nodeUrls) {
      const args = cluster ? ["--replicas", "3"] : []
      serves.push(await startServe(url, cleanups, { args, name: `dagnats serve ${serves.length + 1}` }))
    }
    const nc = await connect({ servers: nodeUrls[0] })
    cleanups.push(() => nc.close())
    const js = jetstream(nc)
    const jsm = await jetstreamManager(nc)
    const created = await nc.request(
      "dagnats.triggers.create",
      JSON.stringify({ name: "bench", workflow: "bench-wf", type: "webhook", secrets: [SECRET] }),
      { timeout: 10_000 },
    )
    if (created.headers?.hasError) throw new Error(`trigger create failed: ${created.string()}`)
    await jsm.streams.add({ name: BARE.stream, subjects: [BARE.subject], num_replicas: replicas })
    await jsm.streams.add({ name: MIN.stream, subjects: [MIN.subject, `${MIN.subject}.>`], num_replicas: replicas })
    await jsm.consumers.add(MIN.stream, {
      durable_name: MIN.durable,
      ack_policy: AckPolicy.Explicit,
      filter_subject: MIN.subject,
    })
    await new Kvm(js).create(MIN.bucket, { replicas })
    const urls = { bare: [], minimal: [], serve: serves.map((s) => `${s.url}/v1/webhooks/bench`) }
    for (const url of nodeUrls) {
      const [minPort, barePort] = [await freePort(), await freePort()]
      const bare = await startChild([join(ROOT, "bench", "baseline-server.mjs")], {
        env: { NATS_URL: url, PORT: String(barePort), SUBJECT: BARE.subject },
        ready: /baseline listening/,
        name: "bare ingest server",
      })
      cleanups.push(bare.stop)
      const minimal = await startChild([join(ROOT, "bench", "minimal-pipeline.mjs")], {
        env: {
          NATS_URL: url,
          PORT: String(minPort),
          SUBJECT: MIN.subject,
          STREAM: MIN.stream,
          DURABLE: MIN.durable,
          BUCKET: MIN.bucket,
        },
        ready: /minimal pipeline listening/,
        name: "minimal pipeline",
      })
      cleanups.push(minimal.stop)
      urls.bare.push(`http://127.0.0.1:${barePort}/`)
      urls.minimal.push(`http://127.0.0.1:${minPort}/`)
    }
    const ingestedBy = {
      bare: () => stored(jsm, BARE.stream),
      minimal: () => stored(jsm, MIN.stream, MIN.subject),
      serve: () => stored(jsm, Streams.events),
    }
    const runsOf = { minimal: () => stored(jsm, `KV_${MIN.bucket}`), serve: () => stored(jsm, `KV_${Buckets.runs}`) }
    console.log(
      `pipeline bench: ${CONNECTIONS} connections, ${body.length}-byte signed JSON, ${ROUNDS} × ${ROUND_SECONDS}s`,
    )
    const results = { bare: [], minimal: [], serve: [] }
    for (let i = 1; i <= ROUNDS; i++) {
      for (const name of ["bare", "minimal", "serve"]) {
        const r = await round(urls[name], ingestedBy[name], runsOf[name])
        // Exactly once: one run record per stored webhook, no more, once the pipeline is idle.
        if (name !== "bare" && r.runs !== r.accepted)
          throw new Error(`round ${i}, ${name}: ${r.accepted} webhooks stored, ${r.runs} run records`)
        results[name].push(r)
      }
      const [b, m, s] = [results.bare.at(-1), results.minimal.at(-1), results.serve.at(-1)]
      console.log(
        `round ${i}: bare ${b.perSecond.toFixed(0)} req/s | minimal ${m.perSecond.toFixed(0)} runs/s ` +
          `(drain ${m.drainSeconds.toFixed(1)} s) | serve ${s.perSecond.toFixed(0)} runs/s (drain ${s.drainSeconds.toFixed(1)} s)`,
      )
    }
    const latency = {}
    for (const name of ["minimal", "serve"]) {
      latency[name] = await webhookToRunLatency({
        js,
        bucket: name === "serve" ? Buckets.runs : MIN.bucket,
        url: urls[name][0],
        secret: SECRET,
        rps: LATENCY_RPS,
        seconds: LATENCY_SECONDS,
      })
    }
    const peaks = serves.map((s) => peakRssMb(s.pid))
    const rss = peaks.includes(undefined) ? undefined : Math.max(...peaks)
    const med = (name, key) => median(results[name].map((r) => r[key]))
    const [bareRate, minRate, serveRate] = [
      med("bare", "perSecond"),
      med("minimal", "perSecond"),
      med("serve", "perSecond"),
    ]
    const x = (v) => `${v.toFixed(2)}×`
    const met = (ok) => (ok ? "met" : "**missed**")
    const table = markdownTable(
      ["", "webhooks → runs/s (median)", "drain after load (s)", `p50 at ${LATENCY_RPS}/s (ms)`, `p99 (ms)`],
      [
        ["bare ingest (no runs)", `${bareRate.toFixed(0)} req/s`, "–", "–", "–"],
        [
          "minimal pipeline",
          minRate.toFixed(0),
          med("minimal", "drainSeconds").toFixed(1),
          latency.minimal.p50.toFixed(1),
          latency.minimal.p99.toFixed(1),
        ],
        [
          "dagnats serve",
          serveRate.toFixed(0),
          med("serve", "drainSeconds").toFixed(1),
          latency.serve.p50.toFixed(1),
          latency.serve.p99.toFixed(1),
        ],
        ["serve / minimal", x(serveRate / minRate), "", "", ""],
        ["serve / bare ingest", x(serveRate / bareRate), "", "", ""],
      ],
    )
    const targets = markdownTable(
      ["target", "measured", ""],
      [
        [
          `serve ≥ ${TARGETS.vsMinimal}× the minimal pipeline`,
          x(serveRate / minRate),
          met(serveRate / minRate >= TARGETS.vsMinimal),
        ],
        [
          `serve ≥ ${TARGETS.vsBare}× bare ingest`,
          x(serveRate / bareRate),
          met(serveRate / bareRate >= TARGETS.vsBare),
        ],
        [
          `webhook → run p99 ≤ ${TARGETS.p99Ms} ms at ${LATENCY_RPS}/s`,
          `${latency.serve.p99.toFixed(1)} ms`,
          met(latency.serve.p99 <= TARGETS.p99Ms),
        ],
        [
          `serve peak RSS < ${TARGETS.rssMb} MB`,
          rss === undefined ? "n/a" : `${rss.toFixed(0)} MB`,
          met(rss !== undefined && rss < TARGETS.rssMb),
        ],
      ],
    )
    const where = cluster
      ? `A 3-node cluster of nats-server ${natsVersion(latestNatsServer())} on loopback, streams and buckets ` +
        `with 3 replicas; two of each server, each connected to a node of its own, the connections split ` +
        `between them (latency: through the first). `
      : ""
    const text =
      where +
      `${ROUNDS} rounds of ${ROUND_SECONDS} s per server, alternating, ${CONNECTIONS} connections, ${body.length}-byte ` +
      `hmac-sha256-signed JSON; every serve round checked: one run record per stored webhook. Latency: ` +
      `${LATENCY_RPS} POSTs/s for ${LATENCY_SECONDS} s, POST sent → run record seen (KV watch). Load average ` +
      `at start ${loadAtStart}, at end ${loadNow()}.\n\n${table}\n\n${targets}\n`
    console.log(text)
    const title = cluster
      ? "Whole pipeline on a 3-node cluster, 2 serves: webhook → run"
      : "Whole pipeline: webhook → run"
    if (process.env.BENCH_DRY_RUN !== "1") appendResult(title, text)
  } finally {
    for (const c of cleanups.reverse()) await c().catch(() => undefined)
  }
}

export default async function benchPipeline() {
  await measurePipeline()
}
