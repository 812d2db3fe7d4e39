// Synchronous webhooks: the round trip of a webhook trigger with `respond` (POST → event stored →
// run started → the engine's `respond` step answers → HTTP answer) against a plain async webhook
// trigger (POST → 202 once stored), alternating rounds on one serve and one nats-server. The engine
// stand-in here answers each run at once: on `workflow.started` it publishes 200 "ok" on
// dagnats.http.response.{run_id}, so the figure is dagnats' own cost of waiting, not a workflow's.
// Quick look, appending nothing: BENCH_DRY_RUN=1 BENCH_ROUNDS=1 BENCH_ROUND_SECONDS=2.
import autocannon from "autocannon"
import { connect } from "@nats-io/transport-node"
import { Subjects } from "../dist/protocol/names.js"
import { schemes } from "../dist/domain/signatures/index.js"
import { appendResult, loadNow, markdownTable, median, peakRssMb, startNats, startServe } from "./lib.mjs"

const CONNECTIONS = 20
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5)
const ROUND_SECONDS = Number(process.env.BENCH_ROUND_SECONDS ?? 5)
const SECRET = "bench-secret"
const encoder = new TextEncoder()
const decoder = new TextDecoder()
const body = Buffer.from(JSON.stringify({ command: "/deploy", text: "web", note: "x".repeat(400) }))
const answer = encoder.encode(
  JSON.stringify({ status: 200, content_type: "text/plain", body: Buffer.from("ok").toString("base64") }),
)

/** The engine stand-in's `respond` step, answering every run as soon as it starts. */
const respondAtOnce = (nc) =>
  nc.subscribe(Subjects.historyAll, {
    callback: (e, m) => {
      if (e !== null) return
      if (JSON.parse(decoder.decode(m.data)).type !== "workflow.started") return
      nc.publish(Subjects.httpResponse(m.subject.slice("history.".length)), answer)
    },
  })

const round = async (url) => {
  const headers = {
    "content-type": "application/json",
    ...schemes["hmac-sha256"].sign({ rawBody: body, secret: SECRET, nowMs: Date.now() }),
  }
  const r = await autocannon({ url, method: "POST", connections: CONNECTIONS, duration: ROUND_SECONDS, headers, body })
  if (r.errors > 0 || r.non2xx > 0 || r.timeouts > 0)
    throw new Error(`load run had failures: ${r.errors} errors, ${r.timeouts} timeouts, ${r.non2xx} non-2xx`)
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99 }
}

export default async function benchSyncWebhooks() {
  const loadAtStart = loadNow()
  const cleanups = []
  const nats = await startNats()
  cleanups.push(nats.stop)
  try {
    const serve = await startServe(nats.url, cleanups)
    const nc = await connect({ servers: nats.url })
    cleanups.push(() => nc.close())
    const sub = respondAtOnce(nc)
    cleanups.push(async () => sub.unsubscribe())
    for (const t of [
      { name: "async-hook", workflow: "wf", type: "webhook", secrets: [SECRET] },
      { name: "sync-hook", workflow: "wf", type: "webhook", secrets: [SECRET], respond: { timeout: "10s" } },
    ]) {
      const r = await nc.request("dagnats.triggers.create", JSON.stringify(t), { timeout: 10_000 })
      if (r.headers?.hasError) throw new Error(`trigger create failed: ${r.string()}`)
    }
    await nc.flush()
    const url = (name) => `${serve.url}/v1/webhooks/${name}`
    console.log(
      `sync webhooks bench: ${CONNECTIONS} connections, ${body.length}-byte signed JSON, ${ROUNDS} × ${ROUND_SECONDS}s`,
    )
    const results = { async: [], sync: [] }
    for (let i = 1; i <= ROUNDS; i++) {
      results.async.push(await round(url("async-hook")))
      results.sync.push(await round(url("sync-hook")))
      const [a, s] = [results.async.at(-1), results.sync.at(-1)]
      console.log(
        `round ${i}: async ${a.rps.toFixed(0)} req/s p50 ${a.p50} ms p99 ${a.p99} ms | ` +
          `sync ${s.rps.toFixed(0)} req/s p50 ${s.p50} ms p99 ${s.p99} ms`,
      )
    }
    const med = (k, f) => median(results[k].map((r) => r[f]))
    const row = (label, k) => [label, med(k, "rps").toFixed(0), med(k, "p50").toFixed(1), med(k, "p99").toFixed(1)]
    const rss = peakRssMb(serve.pid)
    const table = markdownTable(
      ["", "requests/s (median)", "p50 (ms)", "p99 (ms)"],
      [
        row("async webhook (202 once stored)", "async"),
        row("synchronous webhook (answer from the run)", "sync"),
        ["sync / async", `${(med("sync", "rps") / med("async", "rps")).toFixed(2)}×`, "", ""],
      ],
    )
    const text =
      `${ROUNDS} rounds of ${ROUND_SECONDS} s per trigger, alternating, ${CONNECTIONS} connections, ${body.length}-byte ` +
      `hmac-sha256-signed JSON, one serve (evaluator on) and one nats-server; the engine stand-in answers each run ` +
      `on workflow.started. Serve peak RSS ${rss === undefined ? "n/a" : `${rss.toFixed(0)} MB`}. Load average at ` +
      `start ${loadAtStart}, at end ${loadNow()}.\n\n${table}\n`
    console.log(text)
    if (process.env.BENCH_DRY_RUN !== "1") appendResult("Synchronous webhooks: round trip", text)
  } finally {
    for (const c of cleanups.reverse()) await c().catch(() => undefined)
  }
}
