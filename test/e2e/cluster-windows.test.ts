// Proves windows on a cluster: three nodes of the latest nats-server on loopback (the shared harness,
// test/support/cluster.ts), streams and buckets with 3 replicas, two serves on different nodes, and
// 2,000 events into a keyed batch trigger and 2,000 into a keyed debounce trigger while the node
// leading both window buckets (KV_dagnats_batch, KV_dagnats_debounce) and the evaluator's and timers'
// consumers, and one serve, are SIGKILLed and restarted. Every batch event lands in exactly one
// batch; every debounce key fires exactly the windows its events' stored times make
// (domain/windows.ts: an event stored at or after its window's due time, a period after the
// window's last event, opens the next window); no window or timer is left once everything is due;
// `trigger list` shows nothing open.
import { afterAll, beforeAll, describe, expect, test } from "vitest"
import { headers as natsHeaders } from "@nats-io/nats-core"
import { DeliverPolicy, type JetStreamClient } from "@nats-io/jetstream"
import { startCluster, type ClusterNode, type TestCluster } from "../support/cluster.js"
import { startServe, type ServeProcess } from "../support/serve.js"
import { runCli } from "../support/cli.js"
import { eventually, sleep } from "../support/poll.js"
import { latestNatsServerBin } from "../support/tools.js"
import { createTrigger, openWindowsNats, type Json, type WindowsNats } from "./windows-support.js"

const EVENTS = 2_000
/** Batches of 10 per key; the last batch of each key closes at its timeout. */
const BATCH = { name: "cb", subject: "event.cb", size: 10, timeoutMs: 2_000, keys: 8 } as const
/**
 * Debounce traffic in rounds: every key gets a burst of PER_BURST events one tick apart (a tick is
 * far inside the period), and a round starts GAP after the previous one's last event (far over the
 * period), so each burst is one window unless the stored times say otherwise.
 */
const DEBOUNCE = { name: "cd", subject: "event.cd", periodMs: 1_500, keys: 25, rounds: 4, tickMs: 30 } as const
const PER_BURST = EVENTS / (DEBOUNCE.keys * DEBOUNCE.rounds)
const GAP_MS = 2 * DEBOUNCE.periodMs

const encoder = new TextEncoder()
const decoder = new TextDecoder()

let cluster: TestCluster
let raw: WindowsNats
const serves: Array<{ node: ClusterNode; serve: ServeProcess }> = []

/**
 * serve on one node with --replicas 3, restarted when it exits while starting, as a supervisor
 * would: while a restarted node catches up, serve's resource checks can time out and it exits 1.
 */
const serveOn = async (node: ClusterNode): Promise<ServeProcess> => {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startServe({ natsUrl: node.url, args: ["--replicas", "3"], readyTimeoutMs: 60_000 })
    } catch (e) {
      if (attempt === 5 || !/serve exited 1 while starting/.test(String(e))) throw e
    }
  }
}

beforeAll(async () => {
  cluster = await startCluster({ bin: latestNatsServerBin() })
  // The second serve starts once the triggers exist (see the test).
  serves.push({ node: cluster.nodes[0]!, serve: await serveOn(cluster.nodes[0]!) })
}, 120_000)

afterAll(async () => {
  await raw?.close()
  for (const s of serves) await s.serve.kill().catch(() => undefined)
  await cluster?.dispose()
})

/**
 * Publish to EVENTS as any NATS program would, retried (with the same message id, so a retry of a
 * publish that was stored is not stored twice) while leaders move; resolves with the stream sequence.
 */
const publish = async (js: JetStreamClient, subject: string, payload: Json, id: string): Promise<number> => {
  const h = natsHeaders()
  h.set("Content-Type", "application/json")
  const deadline = Date.now() + 60_000
  for (;;) {
    try {
      const ack = await js.publish(subject, encoder.encode(JSON.stringify(payload)), {
        msgID: id,
        headers: h,
        timeout: 5_000,
      })
      return ack.seq
    } catch (e) {
      if (Date.now() > deadline) throw e
      await sleep(100)
    }
  }
}

/** Pacing for the traffic's shape (not waiting for a state): resolves at the instant `at`. */
const at = (ms: number) => (ms > Date.now() ? sleep(ms - Date.now()) : Promise.resolve())

interface Stored {
  readonly seq: number
  readonly atMs: number
  readonly k: number
  readonly i: number
}

/**
 * Every event stored on `subject`, read with a fresh ordered consumer. Read again from the start when a
 * pull fails: a node restarted just before may still be taking the stream's consumers back (a pull is
 * then answered "no responders"), which is the cluster recovering, not what this test checks.
 */
const storedEvents = (js: JetStreamClient, subject: string): Promise<Array<Stored>> =>
  eventually(() => readStoredEvents(js, subject), 30_000, 500)

const readStoredEvents = async (js: JetStreamClient, subject: string): Promise<Array<Stored>> => {
  const consumer = await js.consumers.get("EVENTS", { filter_subjects: subject, deliver_policy: DeliverPolicy.All })
  const pending = (await consumer.info(true)).num_pending
  const out: Array<Stored> = []
  while (out.length < pending) {
    for await (const m of await consumer.fetch({
      max_messages: Math.min(1_000, pending - out.length),
      expires: 5_000,
    })) {
      const p = JSON.parse(decoder.decode(m.data)) as { k: number; i: number }
      out.push({ seq: m.seq, atMs: m.time.getTime(), k: p.k, i: p.i })
    }
  }
  await consumer.delete().catch(() => undefined)
  return out
}

/**
 * The debounce runs the stored times call for, as `key:last event:count`: per key in stored-time
 * order, an event joins the open window while it is stored before the window's due time (a period
 * after its latest event), else it opens the next one; a run carries the payload of its highest
 * stream sequence.
 */
const expectedDebounceRuns = (events: ReadonlyArray<Stored>, periodMs: number): Array<string> => {
  const out: Array<string> = []
  for (let k = 0; k < DEBOUNCE.keys; k++) {
    const mine = events.filter((e) => e.k === k).sort((a, b) => a.atMs - b.atMs || a.seq - b.seq)
    let w: { dueAt: number; last: Stored; count: number } | undefined
    for (const e of mine) {
      if (w !== undefined && e.atMs < w.dueAt) {
        w = { dueAt: Math.max(w.dueAt, e.atMs + periodMs), last: e.seq > w.last.seq ? e : w.last, count: w.count + 1 }
        continue
      }
      if (w !== undefined) out.push(`${k}:${w.last.i}:${w.count}`)
      w = { dueAt: e.atMs + periodMs, last: e, count: 1 }
    }
    if (w !== undefined) out.push(`${k}:${w.last.i}:${w.count}`)
  }
  return out.sort()
}

/**
 * How many `workflow.started` events WORKFLOW_HISTORY holds per run id, in one pass; read again from
 * the start when a pull is answered "no responders" while the restarted node takes consumers back.
 */
const startedPerRun = (js: JetStreamClient): Promise<Map<string, number>> =>
  eventually(() => readStartedPerRun(js), 30_000, 500)

const readStartedPerRun = async (js: JetStreamClient): Promise<Map<string, number>> => {
  const consumer = await js.consumers.get("WORKFLOW_HISTORY", { deliver_policy: DeliverPolicy.All })
  const pending = (await consumer.info(true)).num_pending
  const counts = new Map<string, number>()
  for (let seen = 0; seen < pending;) {
    for await (const m of await consumer.fetch({ max_messages: Math.min(1_000, pending - seen), expires: 5_000 })) {
      seen++
      const e = JSON.parse(decoder.decode(m.data)) as { type?: string; run_id?: string }
      if (e.type === "workflow.started" && e.run_id !== undefined) counts.set(e.run_id, (counts.get(e.run_id) ?? 0) + 1)
    }
  }
  await consumer.delete().catch(() => undefined)
  return counts
}

/** The OPEN column of `dagnats trigger list` for each named trigger. */
const openColumn = async (names: ReadonlyArray<string>): Promise<Array<string>> => {
  const r = await runCli(["trigger", "list", "--nats-url", cluster.urls])
  if (r.code !== 0) throw new Error(`trigger list exited ${r.code}: ${r.stderr}`)
  const [header, ...rows] = r.stdout.trimEnd().split("\n")
  // Columns are padded to one width, so a cell starts where its heading does.
  const from = header!.indexOf("OPEN")
  const cell = (row: string) => row.slice(from).split(" ")[0]!
  return names.map((n) => cell(rows.find((row) => row.startsWith(`${n} `)) ?? ""))
}

describe("windows - cluster", () => {
  test("cluster - 2,000 events into a keyed batch and 2,000 into a keyed debounce on R3, the window buckets' leader node and one serve SIGKILLed and restarted: each batch event in exactly one batch, each debounce key fires the windows its stored times make, nothing left open", async () => {
    await createTrigger(cluster.urls, BATCH.name, BATCH.subject, [
      "--batch-size",
      String(BATCH.size),
      "--batch-timeout",
      `${BATCH.timeoutMs}ms`,
      "--batch-key",
      "k",
    ])
    await createTrigger(cluster.urls, DEBOUNCE.name, DEBOUNCE.subject, [
      "--debounce",
      `${DEBOUNCE.periodMs}ms`,
      "--debounce-key",
      "k",
    ])

    // One node leads both window buckets, the evaluator's and the timers' consumers, and EVENTS is
    // led elsewhere: killing that node takes all of the windows' leaders away at once while
    // publishing stays prompt, so gaps in the stored times are the ones the traffic was shaped with.
    const doomed = await cluster.kvLeader("dagnats_batch")
    const elsewhere = cluster.nodes.find((n) => n !== doomed)!
    // Each is a raft group of its own: the elections run side by side.
    await Promise.all([
      cluster.moveLeader("KV_dagnats_debounce", doomed),
      cluster.moveConsumerLeader("EVENTS", "dagnats-evaluator", doomed),
      cluster.moveConsumerLeader("DAGNATS_TIMERS", "dagnats-timers", doomed),
      cluster.streamLeader("EVENTS").then((l) => (l === doomed ? cluster.moveLeader("EVENTS", elsewhere) : undefined)),
    ])
    raw = await openWindowsNats(elsewhere.url)
    // Both serves have both triggers before events flow: the first answered `trigger list` after
    // creating them (it syncs its table first), the second loads them as it starts.
    serves.push({ node: cluster.nodes[1]!, serve: await serveOn(cluster.nodes[1]!) })
    expect(serves[1]!.serve.log()).toContain("trigger table loaded: 2 triggers")
    // The serve killed is not the one on the doomed node: that one loses its node and reconnects.
    const victim = serves.find((s) => s.node !== doomed)!

    let chaos: Promise<void> = Promise.resolve()
    let leadersAfterKill: Array<string> = []
    const onTick = (round: number, tick: number) => {
      if (tick !== PER_BURST / 2) return
      if (round === 1)
        chaos = chaos.then(async () => {
          await Promise.all([doomed.kill(), victim.serve.kill()])
          // The surviving nodes elect new leaders for the window buckets and both consumers.
          leadersAfterKill = [
            (await cluster.kvLeader("dagnats_batch")).name,
            (await cluster.kvLeader("dagnats_debounce")).name,
            (await cluster.consumerLeader("EVENTS", "dagnats-evaluator")).name,
            (await cluster.consumerLeader("DAGNATS_TIMERS", "dagnats-timers")).name,
          ]
        })
      if (round === 2)
        chaos = chaos.then(async () => {
          await doomed.start()
          await cluster.ready()
          victim.serve = await serveOn(victim.node)
        })
    }

    const debounceTraffic = async () => {
      let lastAcked = 0
      for (let round = 0, i = 0; round < DEBOUNCE.rounds; round++) {
        await at(lastAcked + GAP_MS)
        const start = Date.now()
        for (let tick = 0; tick < PER_BURST; tick++) {
          await at(start + tick * DEBOUNCE.tickMs)
          onTick(round, tick)
          const base = i
          i += DEBOUNCE.keys
          await Promise.all(
            Array.from({ length: DEBOUNCE.keys }, (_, k) =>
              publish(raw.js, DEBOUNCE.subject, { k, i: base + k }, `cd-${base + k}`),
            ),
          )
        }
        lastAcked = Date.now()
      }
    }
    // Batch events go on through the whole debounce traffic, kills included.
    const chunk = 10
    const batchTraffic = async (spreadMs: number) => {
      const start = Date.now()
      for (let c = 0; c < EVENTS / chunk; c++) {
        await at(start + (c * spreadMs * chunk) / EVENTS)
        await Promise.all(
          Array.from({ length: chunk }, (_, j) => {
            const i = c * chunk + j
            return publish(raw.js, BATCH.subject, { k: i % BATCH.keys, i }, `cb-${i}`)
          }),
        )
      }
    }
    const expectedSpread = DEBOUNCE.rounds * PER_BURST * DEBOUNCE.tickMs + (DEBOUNCE.rounds - 1) * GAP_MS
    await Promise.all([debounceTraffic(), batchTraffic(expectedSpread)])
    await chaos
    expect(doomed.alive()).toBe(true)
    expect(leadersAfterKill.filter((name) => name === doomed.name)).toStrictEqual([])
    expect(leadersAfterKill).toHaveLength(4)

    // Every batch event is in exactly one batch: the exact multiset of event ids over all batch runs.
    const batchIds = (runs: ReadonlyArray<Json>) =>
      runs.flatMap((r) => (r.input as Array<{ i: number }>).map((p) => p.i)).sort((a, b) => a - b)
    const batchRuns = await eventually(
      async () => {
        const r = await raw.runsOf(BATCH.name)
        expect(batchIds(r).length).toBeGreaterThanOrEqual(EVENTS)
        return r
      },
      90_000,
      1_000,
    ).catch(async (e) => {
      const got = new Set(batchIds(await raw.runsOf(BATCH.name)))
      const missing = Array.from({ length: EVENTS }, (_, i) => i).filter((i) => !got.has(i))
      const open = await raw.openWindows(BATCH.name)
      throw new Error(`${String(e)}; missing ${missing.length}: ${JSON.stringify(missing)}; open ${open}`)
    })
    // An event in two batches names both, so a failure says which runs took it.
    const twice = batchIds(batchRuns).filter((i, n, all) => all[n - 1] === i)
    const takenBy = batchRuns
      .filter((r) => (r.input as Array<{ i: number }>).some((p) => twice.includes(p.i)))
      .map((r) => ({ run: r.run_id, seq: r.event.seq, ids: (r.input as Array<{ i: number }>).map((p) => p.i) }))
    expect({ twice, takenBy }).toStrictEqual({ twice: [], takenBy: [] })
    expect(batchIds(batchRuns)).toStrictEqual(Array.from({ length: EVENTS }, (_, i) => i))
    for (const r of batchRuns) {
      const input = r.input as Array<{ k: number; i: number }>
      expect(r.count).toBe(input.length)
      expect(input.length).toBeLessThanOrEqual(BATCH.size)
      expect(new Set(input.map((p) => p.k)).size).toBe(1)
    }

    // Every debounce key fires exactly the windows its events' stored times make.
    const stored = await storedEvents(raw.js, DEBOUNCE.subject)
    expect(stored.map((e) => e.i).sort((a, b) => a - b)).toStrictEqual(Array.from({ length: EVENTS }, (_, i) => i))
    const expected = expectedDebounceRuns(stored, DEBOUNCE.periodMs)
    const debounceRuns = (runs: ReadonlyArray<Json>) => runs.map((r) => `${r.input.k}:${r.input.i}:${r.count}`).sort()
    await eventually(
      async () => expect(debounceRuns(await raw.runsOf(DEBOUNCE.name))).toStrictEqual(expected),
      90_000,
      1_000,
    )

    // Nothing is left once everything is due: the evaluator has acknowledged every event, neither
    // bucket holds an open window and no timer is left; a run starts once per window.
    const lastDueAt = Math.max(...stored.map((e) => e.atMs)) + Math.max(DEBOUNCE.periodMs, BATCH.timeoutMs)
    await at(lastDueAt)
    await raw.quiet(BATCH.name, 60_000)
    await raw.quiet(DEBOUNCE.name, 60_000)
    const runs = [...batchRuns, ...(await raw.runsOf(DEBOUNCE.name))]
    const started = await startedPerRun(raw.js)
    expect(runs.map((r) => started.get(r.run_id as string) ?? 0)).toStrictEqual(runs.map(() => 1))
    expect(new Set(runs.map((r) => r.run_id)).size).toBe(runs.length)

    // `trigger list` shows no open window or batch for either trigger.
    await eventually(
      async () => expect(await openColumn([BATCH.name, DEBOUNCE.name])).toStrictEqual(["-", "-"]),
      30_000,
      500,
    )
  })
})
