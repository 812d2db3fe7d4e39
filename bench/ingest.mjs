// Ingest throughput: the full `dagnats serve` webhook path (routing, bounded read, signature check,
// JSON parse, header selection, publish, PubAck) against a bare node:http server that only awaits
// js.publish, and serve with delivery recording on against the same serve with it off
// (DAGNATS_DELIVERIES=off): what recording costs. Same nats-server, same body, alternating rounds so
// drift hits all alike. A quick look that appends nothing: BENCH_DRY_RUN=1 BENCH_ROUNDS=1
// BENCH_ROUND_SECONDS=1.
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import autocannon from "autocannon"
import { schemes } from "../dist/domain/signatures/index.js"
import {
  appendResult,
  dagnats,
  loadNow,
  freePort,
  markdownTable,
  median,
  peakRssMb,
  startChild,
  startNats,
  ROOT,
  DAGNATS_BIN,
} from "./lib.mjs"

const CONNECTIONS = 50
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5)
const ROUND_SECONDS = Number(process.env.BENCH_ROUND_SECONDS ?? 5)
const WARMUP_SECONDS = 2
const SECRET = "bench-secret"
const TARGETS = { throughput: 0.85, p99: 1.3, rssMb: 200, recording: 0.9 }

/** A realistic 1 KB webhook: nested objects, strings, numbers; exactly 1024 bytes. */
const makeBody = () => {
  const doc = {
    action: "opened",
    number: 4242,
    repository: { full_name: "acme/widgets", private: false },
    sender: { login: "octocat", id: 1 },
    commits: [],
    note: "",
  }
  for (let i = 0; JSON.stringify(doc).length < 900; i++)
    doc.commits.push({ id: `c${i}`.padEnd(12, "0"), message: "fix: tighten the bolts", added: ["a.ts"] })
  doc.note = "x".repeat(1024 - JSON.stringify(doc).length)
  return Buffer.from(JSON.stringify(doc))
}

const load = (url, headers, body, seconds) =>
  autocannon({ url, method: "POST", connections: CONNECTIONS, duration: seconds, headers, body })

const summarize = (r) => {
  if (r.errors > 0 || r.non2xx > 0 || r.timeouts > 0) {
    throw new Error(`load run had failures: ${r.errors} errors, ${r.timeouts} timeouts, ${r.non2xx} non-2xx`)
  }
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99 }
}

export default async function benchIngest() {
  const loadAtStart = loadNow()
  const body = makeBody()
  const signed = {
    "content-type": "application/json",
    ...schemes["hmac-sha256"].sign({ rawBody: body, secret: SECRET, nowMs: Date.now() }),
  }
  // Stopped in reverse order whatever happens, so a failed run leaves no process behind.
  const cleanups = []
  const nats = await startNats()
  cleanups.push(nats.stop)
  const dataDir = mkdtempSync(join(tmpdir(), "dagnats-bench-data-"))
  cleanups.push(async () => rmSync(dataDir, { recursive: true, force: true }))
  const servePort = await freePort()
  const offPort = await freePort()
  const basePort = await freePort()
  const offDataDir = mkdtempSync(join(tmpdir(), "dagnats-bench-data-"))
  cleanups.push(async () => rmSync(offDataDir, { recursive: true, force: true }))
  try {
    // The evaluator is off so both processes do the same job: take HTTP in, get it into JetStream.
    const serve = await startChild(
      [DAGNATS_BIN, "serve", "--nats-url", nats.url, "--http-addr", `127.0.0.1:${servePort}`],
      {
        env: { DAGNATS_EVALUATOR: "off", DAGNATS_DATA_DIR: dataDir },
        ready: /dagnats serve ready/,
        name: "dagnats serve",
      },
    )
    cleanups.push(serve.stop)
    // The same serve recording no deliveries: the difference is what recording costs.
    const serveOff = await startChild(
      [DAGNATS_BIN, "serve", "--nats-url", nats.url, "--http-addr", `127.0.0.1:${offPort}`],
      {
        env: { DAGNATS_EVALUATOR: "off", DAGNATS_DATA_DIR: offDataDir, DAGNATS_DELIVERIES: "off" },
        ready: /dagnats serve ready/,
        name: "dagnats serve (deliveries off)",
      },
    )
    cleanups.push(serveOff.stop)
    const baseline = await startChild([join(ROOT, "bench", "baseline-server.mjs")], {
      env: { NATS_URL: nats.url, PORT: String(basePort) },
      ready: /baseline listening/,
      name: "baseline server",
    })
    cleanups.push(baseline.stop)
    dagnats([
      "trigger",
      "create",
      "bench",
      "--workflow",
      "bench",
      "--webhook",
      "--secret",
      SECRET,
      "--nats-url",
      nats.url,
    ])
    const serveUrl = `http://127.0.0.1:${servePort}/v1/webhooks/bench`
    const offUrl = `http://127.0.0.1:${offPort}/v1/webhooks/bench`
    const baseUrl = `http://127.0.0.1:${basePort}/`
    console.log(
      `ingest bench: ${CONNECTIONS} connections, ${body.length}-byte signed JSON, ${ROUNDS} rounds of ${ROUND_SECONDS}s each`,
    )
    await load(baseUrl, signed, body, WARMUP_SECONDS)
    await load(serveUrl, signed, body, WARMUP_SECONDS)
    await load(offUrl, signed, body, WARMUP_SECONDS)
    const runs = { baseline: [], serve: [], off: [] }
    for (let round = 1; round <= ROUNDS; round++) {
      const b = summarize(await load(baseUrl, signed, body, ROUND_SECONDS))
      // Which of on and off goes first alternates too, so neither always follows the baseline.
      const pair = round % 2 === 1 ? [serveUrl, offUrl] : [offUrl, serveUrl]
      const first = summarize(await load(pair[0], signed, body, ROUND_SECONDS))
      const second = summarize(await load(pair[1], signed, body, ROUND_SECONDS))
      const [s, o] = round % 2 === 1 ? [first, second] : [second, first]
      runs.baseline.push(b)
      runs.serve.push(s)
      runs.off.push(o)
      console.log(
        `round ${round}: baseline ${b.rps.toFixed(0)} req/s p99 ${b.p99} ms | serve ${s.rps.toFixed(0)} req/s p99 ${s.p99} ms` +
          ` | serve, deliveries off ${o.rps.toFixed(0)} req/s p99 ${o.p99} ms`,
      )
    }
    const med = (xs, k) => median(xs.map((x) => x[k]))
    const base = {
      rps: med(runs.baseline, "rps"),
      p50: med(runs.baseline, "p50"),
      p99: med(runs.baseline, "p99"),
      rss: peakRssMb(baseline.pid),
    }
    const full = {
      rps: med(runs.serve, "rps"),
      p50: med(runs.serve, "p50"),
      p99: med(runs.serve, "p99"),
      rss: peakRssMb(serve.pid),
    }
    const off = {
      rps: med(runs.off, "rps"),
      p50: med(runs.off, "p50"),
      p99: med(runs.off, "p99"),
      rss: peakRssMb(serveOff.pid),
    }
    const ratio = (a, b) => (b > 0 ? `${(a / b).toFixed(2)}×` : "-")
    const mb = (v) => (v === undefined ? "n/a" : `${v.toFixed(0)} MB`)
    const verdict = (ok) => (ok ? "met" : "**missed**")
    const table = markdownTable(
      ["server", "req/s (median)", "p50 ms", "p99 ms", "peak RSS"],
      [
        ["baseline (node:http + js.publish)", base.rps.toFixed(0), String(base.p50), String(base.p99), mb(base.rss)],
        [
          "dagnats serve (hmac-sha256, 1 secret)",
          full.rps.toFixed(0),
          String(full.p50),
          String(full.p99),
          mb(full.rss),
        ],
        [
          "ratio serve / baseline",
          ratio(full.rps, base.rps),
          ratio(full.p50, base.p50),
          ratio(full.p99, base.p99),
          ratio(full.rss ?? 0, base.rss ?? 0),
        ],
        ["dagnats serve, DAGNATS_DELIVERIES=off", off.rps.toFixed(0), String(off.p50), String(off.p99), mb(off.rss)],
        [
          "ratio deliveries on / off",
          ratio(full.rps, off.rps),
          ratio(full.p50, off.p50),
          ratio(full.p99, off.p99),
          ratio(full.rss ?? 0, off.rss ?? 0),
        ],
      ],
    )
    const targets = markdownTable(
      ["target", "result", ""],
      [
        [
          `throughput ≥ ${TARGETS.throughput}× baseline`,
          ratio(full.rps, base.rps),
          verdict(full.rps >= TARGETS.throughput * base.rps),
        ],
        [`p99 ≤ ${TARGETS.p99}× baseline`, ratio(full.p99, base.p99), verdict(full.p99 <= TARGETS.p99 * base.p99)],
        [
          `throughput with deliveries recorded ≥ ${TARGETS.recording}× without`,
          ratio(full.rps, off.rps),
          verdict(full.rps >= TARGETS.recording * off.rps),
        ],
        [
          `serve peak RSS < ${TARGETS.rssMb} MB`,
          mb(full.rss),
          verdict(full.rss !== undefined && full.rss < TARGETS.rssMb),
        ],
      ],
    )
    const method = `autocannon, ${CONNECTIONS} connections, ${body.length}-byte JSON signed with hmac-sha256, ${ROUNDS} × ${ROUND_SECONDS} s per server (baseline, then serve with deliveries on and off, those two in alternating order), after a ${WARMUP_SECONDS} s warm-up each; medians of the rounds. One nats-server (file store), serve with DAGNATS_EVALUATOR=off, load generator on the same machine (1-minute load average before the run: ${loadAtStart}). The baseline awaits nats.js \`js.publish\` as is; serve verifies, parses and filters headers, then publishes through its own PubAck path (one reply subscription, publishes coalesced per event-loop turn; src/ingest/jetstream-publisher.ts, publish.ts).`
    console.log(`\n${table}\n\n${targets}\n`)
    if (process.env.BENCH_DRY_RUN === "1") return console.log("BENCH_DRY_RUN=1: not appended")
    appendResult("Webhook ingest", `${method}\n\n${table}\n\n${targets}`)
    console.log("appended to BENCHMARKS.md")
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup()
  }
}
