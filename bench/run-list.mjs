// `run list --limit N` costs what it returns: serve's memory and the call's time while listing the
// newest run among 300 runs of 900 KB each (the case that once took serve's RSS from 175 to 449 MB),
// once and 6 at a time, `run list --limit 5` among many small runs, and `trigger history --limit 3`
// among many history records of several triggers.
// Run with `node bench/run-list.mjs` or `node bench/run.mjs run-list` after `make build`.
import { execFile } from "node:child_process"
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { promisify } from "node:util"
import { connect } from "@nats-io/transport-node"
import { jetstream } from "@nats-io/jetstream"
import { headers as natsHeaders } from "@nats-io/nats-core"
import { Kvm } from "@nats-io/kv"
import { Buckets, Subjects } from "../dist/protocol/names.js"
import {
  appendResult,
  freePort,
  loadNow,
  markdownTable,
  median,
  peakRssMb,
  startChild,
  startNats,
  DAGNATS_BIN,
} from "./lib.mjs"

const run = promisify(execFile)
const BIG_RUNS = Number(process.env.BENCH_BIG_RUNS ?? 300)
const BIG_INPUT_BYTES = 900 * 1024
const SMALL_RUNS = Number(process.env.BENCH_SMALL_RUNS ?? 20_000)
const CONCURRENT = 6
const HISTORY_RECORDS = Number(process.env.BENCH_HISTORY_RECORDS ?? 50_000)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)

/** Resident set size of a process now, in MB (VmRSS, Linux). */
const rssMb = (pid) => {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))
  return m === null ? undefined : Number(m[1]) / 1024
}

const hex32 = (n) => n.toString(16).padStart(32, "0")

/** Run records as serve writes them, put straight into the bucket (as a long-lived deployment has them). */
const fillRuns = async (kv, count, input, workflow) => {
  let next = 0
  const worker = async () => {
    while (next < count) {
      const i = next++
      const record = {
        run_id: hex32(i + (workflow === "big" ? 0 : 1_000_000)),
        workflow,
        status: "pending",
        input,
        trigger: { name: null, type: "manual" },
        event: null,
        // Written when created, as the run starter does.
        created_at: new Date().toISOString(),
        count: 1,
      }
      await kv.put(record.run_id, JSON.stringify(record))
    }
  }
  await Promise.all(Array.from({ length: 16 }, worker))
}

const timed = async (args) => {
  const t = performance.now()
  const { stdout } = await run(process.execPath, [DAGNATS_BIN, ...args], { maxBuffer: 64 * 1024 * 1024 })
  const reply = JSON.parse(stdout)
  return { ms: performance.now() - t, runs: (reply.runs ?? reply.fires).length }
}

/** History records of 4 triggers, interleaved, as the evaluator writes them (one publish each). */
const fillHistory = async (js, count) => {
  const h = natsHeaders()
  h.set("Content-Type", "application/json")
  let next = 0
  const worker = async () => {
    while (next < count) {
      const i = next++
      const trigger = `hist-${i % 4}`
      const event = { subject: "event.x", seq: i + 1 }
      const at = new Date().toISOString()
      const record = { trigger, workflow: "wf", outcome: "skipped", reason: "filtered", event, at }
      await js.publish(Subjects.triggerFire(trigger), JSON.stringify(record), { headers: h })
    }
  }
  await Promise.all(Array.from({ length: 64 }, worker))
}

export default async function bench() {
  const load = loadNow()
  const nats = await startNats()
  const args = [DAGNATS_BIN, "serve", "--nats-url", nats.url, "--http-addr", `127.0.0.1:${await freePort()}`]
  const serve = await startChild(args, {
    ready: /dagnats serve ready/,
    name: "dagnats serve",
    env: { DAGNATS_SHUTDOWN_DELAY: "0" },
  })
  const nc = await connect({ servers: nats.url })
  const kv = await new Kvm(jetstream(nc)).open(Buckets.runs)
  const rows = []
  try {
    await fillRuns(kv, BIG_RUNS, { blob: "x".repeat(BIG_INPUT_BYTES) }, "big")
    const list = ["run", "list", "--limit", "1", "--json", "--nats-url", nats.url]
    await timed(list) // warm-up: module loading and first consumer
    const before = { rss: rssMb(serve.pid), peak: peakRssMb(serve.pid) }
    const single = []
    for (let r = 0; r < ROUNDS; r++) single.push(await timed(list))
    const afterSingle = peakRssMb(serve.pid)
    const concurrent = await Promise.all(Array.from({ length: CONCURRENT }, () => timed(list)))
    const afterConcurrent = peakRssMb(serve.pid)
    const slowest = Math.max(...concurrent.map((s) => s.ms))
    rows.push([
      `${BIG_RUNS} runs × 900 KB, \`run list --limit 1\``,
      String(single[0].runs),
      `${median(single.map((s) => s.ms)).toFixed(0)} ms`,
      `${before.rss.toFixed(0)} MB`,
      `${before.peak.toFixed(0)} → ${afterSingle.toFixed(0)} MB`,
    ])
    rows.push([
      `same, ${CONCURRENT} calls at once`,
      String(concurrent[0].runs),
      `${median(concurrent.map((s) => s.ms)).toFixed(0)} ms (slowest ${slowest.toFixed(0)})`,
      `${rssMb(serve.pid).toFixed(0)} MB`,
      `${afterSingle.toFixed(0)} → ${afterConcurrent.toFixed(0)} MB`,
    ])

    await fillRuns(kv, SMALL_RUNS, { n: 1 }, "small")
    const small = []
    const listSmall = ["run", "list", "--limit", "5", "--json", "--nats-url", nats.url]
    for (let r = 0; r < ROUNDS; r++) small.push(await timed(listSmall))
    rows.push([
      `${SMALL_RUNS.toLocaleString("en")} small runs after those, \`run list --limit 5\``,
      String(small[0].runs),
      `${median(small.map((s) => s.ms)).toFixed(0)} ms`,
      `${rssMb(serve.pid).toFixed(0)} MB`,
      `peak ${peakRssMb(serve.pid).toFixed(0)} MB`,
    ])

    for (let t = 0; t < 4; t++) {
      const create = ["trigger", "create", `hist-${t}`, "--workflow", "wf", "--subject", `event.h${t}`]
      create.push("--nats-url", nats.url)
      await run(process.execPath, [DAGNATS_BIN, ...create])
    }
    await fillHistory(jetstream(nc), HISTORY_RECORDS)
    const history = []
    const listHistory = ["trigger", "history", "hist-1", "--limit", "3", "--json", "--nats-url", nats.url]
    for (let r = 0; r < ROUNDS; r++) history.push(await timed(listHistory))
    rows.push([
      `${HISTORY_RECORDS.toLocaleString("en")} history records of 4 triggers, \`trigger history --limit 3\``,
      String(history[0].runs),
      `${median(history.map((s) => s.ms)).toFixed(0)} ms`,
      `${rssMb(serve.pid).toFixed(0)} MB`,
      `peak ${peakRssMb(serve.pid).toFixed(0)} MB`,
    ])
  } finally {
    await nc.close()
    await serve.stop()
    await nats.stop()
  }
  const body = [
    "`run list` reads the runs bucket newest first in growing windows and keeps only `--limit` records",
    "(docs/architecture.md). Time is the whole CLI call (process start included); memory is serve's:",
    "resident now, and its peak (VmHWM) before → after the calls. Memory is the point: times depend on",
    `the machine's load (1-minute load average ${load} at the start).`,
    "",
    markdownTable(["case", "items returned", "median time per call", "serve RSS", "serve peak RSS"], rows),
  ].join("\n")
  console.log(body)
  if (process.env.BENCH_APPEND !== "0") appendResult("Run list memory", body)
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await bench()
