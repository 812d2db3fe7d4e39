// Schedule fire accuracy: 1,000 schedule triggers all due at the same second, served by one serve
// and then by two. Measures lateness (fired_at minus scheduled_at of each run), and counts misses
// (a trigger without its run) and duplicates (more than one run, workflow.started or fired record
// for an instant). Run with `node bench/schedules.mjs` or `node bench/run.mjs schedules` after
// `make build`.
//
// BENCH_SCHEDULE_MODE=webhooks instead measures webhook throughput beside every-second schedules
// (BENCH_SCHEDULE_BESIDE, default "0,100,2000"; past the bound of 100 a second they are written
// straight into KV, as an older build could have stored them) and prints it, writing nothing.
import { fileURLToPath } from "node:url"
import { connect } from "@nats-io/transport-node"
import { jetstream, jetstreamManager } from "@nats-io/jetstream"
import { Kvm } from "@nats-io/kv"
import { Buckets, Streams } from "../dist/protocol/names.js"
import {
  appendResult,
  freePort,
  loadNow,
  markdownTable,
  startChild,
  startNats,
  until,
  DAGNATS_BIN,
  percentile,
} from "./lib.mjs"

const TRIGGERS = Number(process.env.BENCH_SCHEDULES ?? 1_000)
/** Lead time before the common instant: creating and arming every trigger must finish before it. */
const LEAD_MS = Number(process.env.BENCH_SCHEDULE_LEAD_MS ?? 30_000)
/** How long after the instant every run must exist; a run later than this counts as missed. */
const SETTLE_MS = 20_000
const TARGET_P99_MS = 250
const encoder = new TextEncoder()
const decoder = new TextDecoder()

/** A 6-field cron expression that matches exactly the UTC second of `ms` once a day. */
const cronAt = (ms) => {
  const d = new Date(ms)
  return `${d.getUTCSeconds()} ${d.getUTCMinutes()} ${d.getUTCHours()} * * *`
}

/** One measurement: a fresh nats-server, `serves` serves, TRIGGERS triggers due at one instant. */
export const runOnce = async (serves) => {
  const nats = await startNats()
  const children = []
  for (let i = 0; i < serves; i++) {
    children.push(
      await startChild([DAGNATS_BIN, "serve", "--nats-url", nats.url, "--http-addr", `127.0.0.1:${await freePort()}`], {
        ready: /dagnats serve ready/,
        name: `dagnats serve ${i + 1}`,
      }),
    )
  }
  const nc = await connect({ servers: nats.url })
  const js = jetstream(nc)
  const jsm = await jetstreamManager(nc)
  try {
    const instant = Math.ceil((Date.now() + LEAD_MS) / 1_000) * 1_000
    const cron = cronAt(instant)
    const names = Array.from({ length: TRIGGERS }, (_, i) => `sched-${String(i).padStart(4, "0")}`)
    let next = 0
    const create = async () => {
      while (next < names.length) {
        const name = names[next++]
        // catch_up last: an instant fires however late it is, so lateness is measured, not hidden.
        const body = { name, workflow: "bench", type: "schedule", cron, catch_up: "last" }
        const reply = await nc.request("dagnats.triggers.create", encoder.encode(JSON.stringify(body)), {
          timeout: 10_000,
        })
        if (reply.headers?.get("Nats-Service-Error-Code")) {
          throw new Error(`create ${name}: ${decoder.decode(reply.data)}`)
        }
      }
    }
    await Promise.all(Array.from({ length: 32 }, create))
    if (Date.now() > instant - 2_000) {
      throw new Error("creating the triggers took longer than the lead time; raise BENCH_SCHEDULE_LEAD_MS")
    }
    await until(async () => Date.now() > instant + SETTLE_MS, "the instant to pass", LEAD_MS + SETTLE_MS + 10_000)

    const runsKv = await new Kvm(js).open(Buckets.runs)
    const runs = []
    const iter = await runsKv.watch()
    if ((await runsKv.status()).values > 0) {
      for await (const e of iter) {
        if (e.operation === "PUT") runs.push(JSON.parse(decoder.decode(e.value)))
        if (e.delta === 0) break
      }
    }
    iter.stop()
    const perTrigger = new Map()
    const lateness = []
    for (const r of runs) {
      perTrigger.set(r.trigger.name, (perTrigger.get(r.trigger.name) ?? 0) + 1)
      lateness.push(Date.parse(r.input.fired_at) - Date.parse(r.input.scheduled_at))
    }
    const missed = names.filter((n) => !perTrigger.has(n)).length
    const duplicateRuns = [...perTrigger.values()].reduce((n, c) => n + (c - 1), 0)
    const started = (await jsm.streams.info(Streams.workflowHistory)).state.messages
    // When each run's workflow.started landed (the stream's own timestamp), against the instant: the
    // fire is only done when the engine can see the run, so this is reported beside fired_at.
    const landed = []
    const startedEvents = await js.consumers.get(Streams.workflowHistory, { deliver_policy: "all" })
    for (let seen = 0; seen < started;) {
      const batch = await startedEvents.fetch({ max_messages: Math.min(1_000, started - seen), expires: 5_000 })
      for await (const m of batch) {
        seen++
        landed.push(Math.round(Number(m.info.timestampNanos) / 1e6) - instant)
      }
    }
    let fired = 0
    const history = await js.consumers.get(Streams.triggerHistory, { deliver_policy: "all" })
    const pendingRecords = (await history.info(true)).num_pending
    for (let seen = 0; seen < pendingRecords;) {
      const batch = await history.fetch({ max_messages: Math.min(1_000, pendingRecords - seen), expires: 5_000 })
      for await (const m of batch) {
        seen++
        if (JSON.parse(decoder.decode(m.data)).outcome === "fired") fired++
      }
    }
    return {
      serves,
      runs: runs.length,
      missed,
      skipped: pendingRecords - fired,
      duplicates: duplicateRuns + Math.max(0, started - runs.length) + Math.max(0, fired - runs.length),
      p50: percentile(lateness, 50),
      p99: percentile(lateness, 99),
      max: Math.max(...lateness),
      startedP50: percentile(landed, 50),
      startedP99: percentile(landed, 99),
    }
  } finally {
    await nc.close()
    for (const c of children) await c.stop()
    await nats.stop()
  }
}

export default async function schedules() {
  const load = loadNow()
  const results = []
  // BENCH_SCHEDULE_SERVES=2 measures only two serves (for alternating before/after runs).
  const counts = (process.env.BENCH_SCHEDULE_SERVES ?? "1,2").split(",").map(Number)
  for (const serves of counts) {
    console.error(`schedules: ${TRIGGERS} triggers due at one second, ${serves} serve(s)…`)
    results.push(await runOnce(serves))
  }
  const rows = results.map((r) => [
    String(r.serves),
    `${r.runs} / ${TRIGGERS}`,
    `${r.p50} / ${r.p99} / ${r.max} ms`,
    `${r.startedP50} / ${r.startedP99} ms`,
    String(r.missed),
    String(r.duplicates),
  ])
  const worstP99 = Math.max(...results.map((r) => r.p99))
  const clean = results.every((r) => r.missed === 0 && r.duplicates === 0)
  appendResult(
    "Schedule fire accuracy",
    [
      `${TRIGGERS} schedule triggers (6-field cron, one UTC second) all due at the same instant; lateness is`,
      "each run's fired_at minus its scheduled_at. Duplicates count extra runs, workflow.started events and",
      "fired records. workflow.started stored is when that event landed in its stream, after the instant.",
      `Load average at start: ${load}.`,
      "",
      markdownTable(
        ["serves", "runs", "lateness p50 / p99 / max", "workflow.started stored p50 / p99", "missed", "duplicates"],
        rows,
      ),
      "",
      markdownTable(
        ["target", "result", ""],
        [
          ["p99 lateness < 250 ms", `${worstP99} ms`, worstP99 < TARGET_P99_MS ? "met" : "not met"],
          ["zero duplicates and misses", clean ? "0 / 0" : "see table", clean ? "met" : "not met"],
        ],
      ),
    ].join("\n"),
  )
  for (const r of results) console.error(JSON.stringify(r))
}

/** Webhook requests a second (and p99) on one serve while `n` every-second schedules run beside them. */
export const webhooksBeside = async (n, seconds = 10) => {
  const { default: autocannon } = await import("autocannon")
  const nats = await startNats()
  const port = await freePort()
  const serve = await startChild([DAGNATS_BIN, "serve", "--nats-url", nats.url, "--http-addr", `127.0.0.1:${port}`], {
    ready: /dagnats serve ready/,
    name: "dagnats serve",
  })
  const nc = await connect({ servers: nats.url })
  try {
    const request = async (subject, body) => {
      const reply = await nc.request(subject, encoder.encode(JSON.stringify(body)), { timeout: 10_000 })
      if (reply.headers?.get("Nats-Service-Error-Code")) throw new Error(`${subject}: ${decoder.decode(reply.data)}`)
    }
    await request("dagnats.triggers.create", { name: "hook", workflow: "bench", type: "webhook", verify: false })
    const kv = await new Kvm(jetstream(nc)).open(Buckets.triggers)
    const at = new Date().toISOString()
    for (let i = 0; i < n; i++) {
      const t = { name: `tick-${i}`, workflow: "bench", type: "schedule", cron: "* * * * * *", catch_up: "last" }
      if (i < 100) await request("dagnats.triggers.create", t)
      else
        await kv.put(
          t.name,
          JSON.stringify({ ...t, timezone: "UTC", enabled: true, created_at: at, updated_at: at, revision: 1 }),
        )
    }
    // Let every schedule arm and settle into its every-second rhythm.
    await new Promise((r) => setTimeout(r, 5_000))
    const r = await autocannon({
      url: `http://127.0.0.1:${port}/v1/webhooks/hook`,
      method: "POST",
      connections: 16,
      duration: seconds,
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ hello: "world" }),
    })
    return { schedules: n, rps: Math.round(r.requests.average), p99: r.latency.p99, non2xx: r.non2xx, errors: r.errors }
  } finally {
    await nc.close()
    await serve.stop()
    await nats.stop()
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.env.BENCH_SCHEDULE_MODE === "webhooks") {
    console.error(`load average at start: ${loadNow()}`)
    for (const n of (process.env.BENCH_SCHEDULE_BESIDE ?? "0,100,2000").split(",").map(Number)) {
      console.log(JSON.stringify(await webhooksBeside(n)))
    }
  } else await schedules()
}
