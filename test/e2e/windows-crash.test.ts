// Proves debounce and batch survive crashes and replicas (SPEC §2, §6): a window or half-full batch open when the only serve is SIGKILLed fires exactly once from the next serve, events published while no serve runs still fire their windows, and with two serves, one SIGKILLed mid-stream, every event lands in exactly one batch and no run starts twice.
import { expect, test } from "vitest"
import { type TestNatsServer } from "../support/nats-server.js"
import { perTestResources } from "../support/per-test.js"
import { type ServeProcess } from "../support/serve.js"
import { eventually, sleep } from "../support/poll.js"
import { createTrigger, openWindowsNats, type Json, type WindowsNats } from "./windows-support.js"

const { natsServer, serveOn, track } = perTestResources()
const rawOn = async (nats: TestNatsServer) => track(await openWindowsNats(nats.url), (r) => r.close())

const publishAll = async (raw: WindowsNats, subject: string, payloads: ReadonlyArray<unknown>) => {
  const seqs: Array<number> = []
  for (const p of payloads) seqs.push(await raw.publish(subject, p))
  return seqs
}

/**
 * Kill the only serve while `trigger` has one open window that holds every event published. The
 * windows are 8 s long so that a loaded machine still gets here before they are due.
 */
const crashWithWindowOpen = async (raw: WindowsNats, serve: ServeProcess, trigger: string) => {
  await raw.settled()
  expect(await raw.openWindows(trigger)).toBe(1)
  await serve.kill()
  // Nobody is left to fire it.
  expect(await raw.runsOf(trigger)).toStrictEqual([])
  expect(await raw.openWindows(trigger)).toBe(1)
}

test("crash - a debounce window open when the only serve is SIGKILLed fires exactly once from the next serve", async () => {
  const nats = await natsServer()
  const first = await serveOn(nats)
  const raw = await rawOn(nats)
  await createTrigger(nats.url, "crash-debounce", "event.crash.debounce", ["--debounce", "8s"])
  const seqs = await publishAll(raw, "event.crash.debounce", [{ n: 1 }, { n: 2 }, { n: 3 }, { n: 4 }])
  await crashWithWindowOpen(raw, first, "crash-debounce")

  await serveOn(nats)
  await eventually(async () => expect(await raw.runsOf("crash-debounce")).toHaveLength(1), 45_000, 200)
  await raw.quiet("crash-debounce", 45_000)
  const runs = await raw.runsOf("crash-debounce")
  expect(runs.map((r) => [r.input, r.count, r.event.seq])).toStrictEqual([[{ n: 4 }, 4, seqs[3]]])
  expect(await raw.startedCounts(runs.map((r) => r.run_id))).toStrictEqual([1])
}, 90_000)

test("crash - a half-full batch when the only serve is SIGKILLed fires once, with all its events, from the next serve", async () => {
  const nats = await natsServer()
  const first = await serveOn(nats)
  const raw = await rawOn(nats)
  await createTrigger(nats.url, "crash-batch", "event.crash.batch", ["--batch-size", "10", "--batch-timeout", "8s"])
  const payloads = Array.from({ length: 5 }, (_, i) => ({ n: i + 1 }))
  await publishAll(raw, "event.crash.batch", payloads)
  await crashWithWindowOpen(raw, first, "crash-batch")

  await serveOn(nats)
  await eventually(async () => expect(await raw.runsOf("crash-batch")).toHaveLength(1), 45_000, 200)
  await raw.quiet("crash-batch", 45_000)
  const runs = await raw.runsOf("crash-batch")
  expect(runs.map((r) => [r.input, r.count])).toStrictEqual([[payloads, 5]])
  expect(await raw.startedCounts(runs.map((r) => r.run_id))).toStrictEqual([1])
}, 90_000)

test("backlog - debounced and batched events published while no serve runs fire once when a serve starts after their windows were due", async () => {
  const nats = await natsServer()
  const first = await serveOn(nats)
  const raw = await rawOn(nats)
  await createTrigger(nats.url, "late-debounce", "event.late.debounce", ["--debounce", "2s"])
  await createTrigger(nats.url, "late-batch", "event.late.batch", ["--batch-size", "10", "--batch-timeout", "2s"])
  await first.stop()

  const debounceSeqs = await publishAll(raw, "event.late.debounce", [{ n: 1 }, { n: 2 }, { n: 3 }])
  const batched = [{ n: 1 }, { n: 2 }, { n: 3 }]
  await publishAll(raw, "event.late.batch", batched)
  // Scenario: the next serve starts after both windows' due times (they are timed from storage).
  // 2 s windows, so that the three publishes of each fall into one window on a loaded machine too.
  await sleep(2_500)

  await serveOn(nats)
  await eventually(
    async () => {
      expect(await raw.runsOf("late-debounce")).toHaveLength(1)
      expect(await raw.runsOf("late-batch")).toHaveLength(1)
    },
    20_000,
    100,
  )
  await raw.quiet("late-debounce")
  await raw.quiet("late-batch")
  expect((await raw.runsOf("late-debounce")).map((r) => [r.input, r.count, r.event.seq])).toStrictEqual([
    [{ n: 3 }, 3, debounceSeqs[2]],
  ])
  expect((await raw.runsOf("late-batch")).map((r) => [r.input, r.count])).toStrictEqual([[batched, 3]])
}, 60_000)

test("replicas - with two serves and one SIGKILLed mid-stream, 200 events land in batches of at most 10, each exactly once, and no run starts twice", async () => {
  const nats = await natsServer()
  const a = await serveOn(nats)
  const raw = await rawOn(nats)
  await createTrigger(nats.url, "replicas", "event.replicas", ["--batch-size", "10", "--batch-timeout", "3s"])
  // The second serve loads the trigger table when it starts.
  await serveOn(nats)

  const total = 200
  const payloads = Array.from({ length: total }, (_, i) => ({ n: i + 1 }))
  for (const [i, p] of payloads.entries()) {
    if (i === total / 2) await a.kill()
    // Spread the stream out (a scenario) so both serves are busy when one dies.
    if (i > 0 && i % 10 === 0) await sleep(50)
    await raw.publish("event.replicas", p)
  }

  // Events the killed serve held come back after ack_wait (30 s); poll well past it.
  const covered = async () =>
    (await raw.runsOf("replicas")).flatMap((r) => (r.input as Array<{ n: number }>).map((p) => p.n))
  await eventually(async () => expect(new Set(await covered()).size).toBe(total), 70_000, 500)
  await raw.quiet("replicas", 30_000)

  const runs = await raw.runsOf("replicas")
  const all = runs.flatMap((r: Json) => (r.input as Array<{ n: number }>).map((p) => p.n))
  expect(all.sort((x, y) => x - y)).toStrictEqual(payloads.map((p) => p.n))
  for (const r of runs) {
    const ns = (r.input as Array<{ n: number }>).map((p) => p.n)
    expect(ns).toStrictEqual([...ns].sort((x, y) => x - y))
    expect(r.count).toBe(ns.length)
    expect(ns.length).toBeLessThanOrEqual(10)
  }
  const runIds = runs.map((r) => r.run_id)
  expect(new Set(runIds).size).toBe(runIds.length)
  expect(new Set(await raw.startedCounts(runIds))).toStrictEqual(new Set([1]))
  // One fired record per run, and no other run id in history.
  const firedIds = (await raw.fires("replicas")).filter((f) => f.outcome === "fired").map((f) => f.run_id as string)
  expect(firedIds.sort()).toStrictEqual([...runIds].sort())
}, 120_000)
