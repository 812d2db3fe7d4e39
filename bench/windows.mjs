// Debounce windows on durable timers: how late a window fires after its due time with 1,000
// windows open at once, and how fast the evaluator absorbs events into open windows compared with
// the plain evaluator (a trigger without debounce, one run per event) on the same machine.
// Run with `node bench/windows.mjs` or `node bench/run.mjs windows` after `make build`.
import { fileURLToPath } from "node:url"
import { connect } from "@nats-io/transport-node"
import { headers as natsHeaders } from "@nats-io/nats-core"
import { jetstream, jetstreamManager } from "@nats-io/jetstream"
import { Kvm } from "@nats-io/kv"
import { Buckets, Consumers, Streams } from "../dist/protocol/names.js"
import {
  appendResult,
  dagnats,
  freePort,
  markdownTable,
  median,
  startChild,
  startNats,
  until,
  DAGNATS_BIN,
  percentile,
} from "./lib.mjs"

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)
/** Open windows in the accuracy run, one key each (the figure). */
const WINDOWS = 1_000
const PERIOD_MS = 2_000
/** Events per throughput run: enough for several seconds of work at the plain evaluator's rate. */
const EVENTS = Number(process.env.BENCH_WINDOW_EVENTS ?? 10_000)
/** Keys the absorbed events spread over; "hot key" puts every event in one window. */
const THROUGHPUT_KEYS = 1_000
const TARGET_P99_MS = 250
const encoder = new TextEncoder()
const decoder = new TextDecoder()

/** A fresh nats-server plus one serve, and a raw client for publishing and reading back. */
const setup = async () => {
  const nats = await startNats()
  const serveArgs = async () => [
    DAGNATS_BIN,
    "serve",
    "--nats-url",
    nats.url,
    "--http-addr",
    `127.0.0.1:${await freePort()}`,
  ]
  const startServe = async () => startChild(await serveArgs(), { ready: /dagnats serve ready/, name: "dagnats serve" })
  let serve = await startServe()
  let killed = false
  const nc = await connect({ servers: nats.url })
  const js = jetstream(nc)
  const jsm = await jetstreamManager(nc)
  const h = natsHeaders()
  h.set("Content-Type", "application/json")
  /** Publish with a bounded number of acks outstanding, so the publisher is never the bottleneck. */
  const publishMany = async (subject, payloads, inFlight = 256) => {
    let next = 0
    const seqs = new Array(payloads.length)
    const worker = async () => {
      while (next < payloads.length) {
        const i = next++
        seqs[i] = (await js.publish(subject, encoder.encode(JSON.stringify(payloads[i])), { headers: h })).seq
      }
    }
    await Promise.all(Array.from({ length: inFlight }, worker))
    return seqs
  }
  const evaluatorDrained = async () => {
    const events = await jsm.streams.info(Streams.events)
    const c = await jsm.consumers.info(Streams.events, Consumers.evaluator)
    return c.delivered.stream_seq >= events.state.last_seq && c.num_pending === 0 && c.num_ack_pending === 0
  }
  return {
    nats,
    js,
    jsm,
    publishMany,
    evaluatorDrained,
    cli: (...args) => dagnats([...args, "--nats-url", nats.url, "--json"]),
    restartServe: async () => {
      await serve.stop()
      serve = await startServe()
    },
    stopServe: () => serve.stop(),
    /** SIGKILL the serve, as a crash would. */
    killServe: () => {
      process.kill(serve.pid, "SIGKILL")
      killed = true
    },
    /** A second serve on the same NATS; the caller stops it. */
    extraServe: async () => startServe(),
    startServe: async () => {
      serve = await startServe()
    },
    close: async () => {
      if (!killed) await serve.stop()
      await nc.close()
      await nats.stop()
    },
  }
}

/** Every run record in KV `dagnats_runs`. */
const readRuns = async (js) => {
  const kv = await new Kvm(js).open(Buckets.runs)
  const out = []
  if ((await kv.status()).values === 0) return out
  const iter = await kv.watch()
  for await (const e of iter) {
    if (e.operation === "PUT") out.push(JSON.parse(decoder.decode(e.value)))
    if (e.delta === 0) break
  }
  iter.stop()
  return out
}

/** Publish `payloads` evenly over `spreadMs` (0: as fast as the server acknowledges them). */
const publishSpread = async (env, subject, payloads, spreadMs) => {
  if (spreadMs === 0) return env.publishMany(subject, payloads)
  const start = Date.now()
  const acks = []
  for (const [i, p] of payloads.entries()) {
    const at = start + (i * spreadMs) / payloads.length
    while (Date.now() < at) await new Promise((r) => setTimeout(r, 1))
    acks.push(env.publishMany(subject, [p], 1))
  }
  return (await Promise.all(acks)).flat()
}

/**
 * 1,000 keys, two events each (the second extends the window), debounce 2 s; every window is open
 * at once. For every run: the delay from the window's due time (its last event's stored time +
 * period) to the run's created_at. `spreadMs` is how long each pass over the keys takes: 0 puts
 * all 1,000 due times within ~0.1 s (the worst case), 750 spreads them over 0.75 s.
 */
export const fireAccuracy = async (spreadMs) => {
  const env = await setup()
  try {
    env.cli(
      "trigger",
      "create",
      "acc",
      "--workflow",
      "acc-wf",
      "--subject",
      "event.acc",
      "--debounce",
      `${PERIOD_MS}ms`,
      "--debounce-key",
      "k",
    )
    env.cli("trigger", "list")
    const keys = Array.from({ length: WINDOWS }, (_, k) => k)
    await publishSpread(
      env,
      "event.acc",
      keys.map((k) => ({ k, pass: 1 })),
      spreadMs,
    )
    await publishSpread(
      env,
      "event.acc",
      keys.map((k) => ({ k, pass: 2 })),
      spreadMs,
    )
    // Count the runs cheaply while they are being created: reading every record each time would
    // load the server the fires run on and make the measurement part of what it measures.
    const runsKv = await new Kvm(env.js).open(Buckets.runs)
    await until(async () => (await runsKv.status()).values >= WINDOWS, `${WINDOWS} debounce runs`, 60_000)
    const runs = await readRuns(env.js)
    if (runs.length !== WINDOWS || runs.some((r) => r.count !== 2 || r.input.pass !== 2)) {
      throw new Error(`expected ${WINDOWS} runs of 2 events each with the second payload, got ${runs.length}`)
    }
    const delays = await Promise.all(
      runs.map(async (r) => {
        const last = await env.jsm.streams.getMessage(Streams.events, { seq: r.event.seq })
        return Date.parse(r.created_at) - (last.time.getTime() + PERIOD_MS)
      }),
    )
    return { p50: percentile(delays, 50), p99: percentile(delays, 99), max: Math.max(...delays) }
  } finally {
    await env.close()
  }
}

/**
 * Evaluator throughput over a backlog: EVENTS events published while serve is stopped, then the
 * time from serve being ready until the evaluator has acknowledged all of them (each acknowledged
 * only after its outcome is recorded: a run for the plain trigger, `skipped: debounced` otherwise).
 */
export const throughput = async (kind) => {
  const env = await setup()
  try {
    const flags = kind === "plain" ? [] : ["--debounce", "10m", ...(kind === "keys" ? ["--debounce-key", "k"] : [])]
    env.cli("trigger", "create", "tp", "--workflow", "tp-wf", "--subject", "event.tp", ...flags)
    env.cli("trigger", "list")
    await env.stopServe()
    await env.publishMany(
      "event.tp",
      Array.from({ length: EVENTS }, (_, i) => ({ k: i % THROUGHPUT_KEYS, i })),
    )
    const started = performance.now()
    await env.startServe()
    const ready = performance.now()
    await until(env.evaluatorDrained, "the evaluator to drain the backlog", 300_000)
    const drained = performance.now()
    return { eventsPerSec: EVENTS / ((drained - ready) / 1000), startupMs: ready - started }
  } finally {
    await env.close()
  }
}

/**
 * Recovery from a dead serve: two serves share the evaluator; 200 events are published in a burst
 * and one serve is SIGKILLed while they are being evaluated. The events it held unacknowledged are
 * evaluated again by the other serve after the consumer's ack wait. Reports the slowest event
 * (stored time to run created_at) and how many took longer than 1 s (those the killed serve held).
 */
export const recovery = async () => {
  const env = await setup()
  const other = await env.extraServe()
  try {
    env.cli("trigger", "create", "rec", "--workflow", "rec-wf", "--subject", "event.rec")
    env.cli("trigger", "list")
    const published = env.publishMany(
      "event.rec",
      Array.from({ length: 200 }, (_, i) => ({ i })),
      16,
    )
    await new Promise((r) => setTimeout(r, 40))
    env.killServe()
    await published
    let runs = []
    await until(
      async () => {
        runs = await readRuns(env.js)
        return runs.length >= 200
      },
      "200 runs after the kill",
      120_000,
    )
    const delays = await Promise.all(
      runs.map(
        async (r) =>
          Date.parse(r.created_at) -
          (await env.jsm.streams.getMessage(Streams.events, { seq: r.event.seq })).time.getTime(),
      ),
    )
    return { maxMs: Math.max(...delays), heldByKilled: delays.filter((d) => d > 1_000).length }
  } finally {
    await other.stop()
    await env.close().catch(() => undefined)
  }
}

const SPREAD_MS = 750

export default async function bench() {
  const acc = { burst: [], spread: [] }
  const tp = { plain: [], keys: [], hot: [] }
  for (let round = 1; round <= ROUNDS; round++) {
    // Alternate so drift over the run hits every case alike.
    for (const kind of ["plain", "keys", "hot"]) tp[kind].push((await throughput(kind)).eventsPerSec)
    acc.burst.push(await fireAccuracy(0))
    acc.spread.push(await fireAccuracy(SPREAD_MS))
    const [b, s] = [acc.burst.at(-1), acc.spread.at(-1)]
    console.error(
      `round ${round}/${ROUNDS}: fire delay p50/p99 burst ${b.p50}/${b.p99} ms, spread ${s.p50}/${s.p99} ms; events/s plain ${tp.plain.at(-1).toFixed(0)}, ` +
        `debounce ${THROUGHPUT_KEYS} keys ${tp.keys.at(-1).toFixed(0)}, debounce 1 key ${tp.hot.at(-1).toFixed(0)}`,
    )
  }
  const delay = (runs) => ({
    p50: median(runs.map((a) => a.p50)),
    p99: median(runs.map((a) => a.p99)),
    max: Math.max(...runs.map((a) => a.max)),
  })
  const burst = delay(acc.burst)
  const spread = delay(acc.spread)
  const rate = { plain: median(tp.plain), keys: median(tp.keys), hot: median(tp.hot) }
  const ratio = (x) => `${(x / rate.plain).toFixed(2)}×`

  const body = [
    `Fire-time accuracy: ${WINDOWS} debounce windows open at once (${WINDOWS} keys, debounce ${PERIOD_MS / 1000} s, two passes of one event per key; ` +
      `"burst": each pass published as fast as the server acknowledges, so all due times fall within ~0.1 s; "spread": each pass over ${SPREAD_MS} ms). ` +
      `Delay = run record created_at − (last event's stored time + period). ` +
      `Throughput: ${EVENTS.toLocaleString("en")} events published while serve was stopped, then timed from serve ready until the evaluator ` +
      `had acknowledged them all (an event is acknowledged only after its outcome is recorded); debounce period 10 m so no window fires meanwhile. ` +
      `One nats-server (file store) and one serve on the same machine, fresh for every measurement; medians of ${ROUNDS} rounds.`,
    "",
    markdownTable(
      ["measurement", "result", "vs plain evaluator"],
      [
        ["fire delay, burst: p50 / p99 / max", `${burst.p50} / ${burst.p99} / ${burst.max} ms`, ""],
        ["fire delay, spread: p50 / p99 / max", `${spread.p50} / ${spread.p99} / ${spread.max} ms`, ""],
        ["plain evaluator (no debounce): events/s, one run each", rate.plain.toFixed(0), "1.00×"],
        [
          `debounce, ${THROUGHPUT_KEYS} keys: events/s absorbed (skipped: debounced)`,
          rate.keys.toFixed(0),
          ratio(rate.keys),
        ],
        ["debounce, 1 key (trigger-wide window): events/s absorbed", rate.hot.toFixed(0), ratio(rate.hot)],
      ],
    ),
    "",
    markdownTable(
      ["target", "result", ""],
      [
        [
          `fire delay p99 < ${TARGET_P99_MS} ms, burst`,
          `${burst.p99} ms`,
          burst.p99 < TARGET_P99_MS ? "met" : "not met",
        ],
        [
          `fire delay p99 < ${TARGET_P99_MS} ms, spread`,
          `${spread.p99} ms`,
          spread.p99 < TARGET_P99_MS ? "met" : "not met",
        ],
      ],
    ),
  ].join("\n")
  console.log(body)
  // BENCH_APPEND=0 for a trial run that leaves BENCHMARKS.md alone.
  if (process.env.BENCH_APPEND !== "0") appendResult("Debounce windows", body)
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await bench()
