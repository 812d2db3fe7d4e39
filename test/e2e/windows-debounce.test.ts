// Proves trailing debounce end to end (SPEC §4, §6): a burst gives exactly one run with the last payload, separated events each get a run, a steady stream with a timeout fires consecutive windows that together cover every event once, keyed windows are independent, and history, `trigger list` and `trigger get` show what happened.
import { describe, expect, test } from "vitest"
import { e2eStack } from "../support/e2e-stack.js"
import { eventually, sleep } from "../support/poll.js"
import { createTrigger, expectContiguousCover, openWindowsNats } from "./windows-support.js"

const stack = e2eStack({ openRaw: openWindowsNats })
const cli = { json: stack.cli, raw: stack.cliRaw }

/** Publish `n` events `gapMs` apart (a scenario, not a wait); returns their stream sequences. */
const publishSpaced = async (subject: string, payloads: ReadonlyArray<unknown>, gapMs: number) => {
  const seqs: Array<number> = []
  for (const [i, p] of payloads.entries()) {
    if (i > 0 && gapMs > 0) await sleep(gapMs)
    seqs.push(await stack.raw.publish(subject, p))
  }
  return seqs
}

// Windows whose events must meet are 2 s long, well past the publishes' spacing even when a loaded
// machine stalls a publish; the spaced events below are 2 s apart against a 1 s window.
describe("debounce - bursts and gaps", () => {
  test("debounce - 20 events within 500 ms give exactly one run with the last payload", async () => {
    await createTrigger(stack.url, "burst", "event.burst", ["--debounce", "2s"])
    const payloads = Array.from({ length: 20 }, (_, i) => ({ n: i + 1 }))
    const seqs = await publishSpaced("event.burst", payloads, 20)

    await eventually(async () => expect(await stack.raw.runsOf("burst")).toHaveLength(1), 15_000)
    await stack.raw.quiet("burst")
    const runs = await stack.raw.runsOf("burst")
    expect(runs.map((r) => [r.input, r.count, r.event.seq, r.workflow])).toStrictEqual([
      [{ n: 20 }, 20, seqs[19], "burst-wf"],
    ])
    expect(await stack.raw.startedCounts([runs[0]!.run_id])).toStrictEqual([1])

    // The CLI sees the same run.
    const listed = await cli.json("run", "list", "--trigger", "burst")
    expect(listed.runs.map((r: any) => [r.run_id, r.input, r.count, r.event.seq])).toStrictEqual([
      [runs[0]!.run_id, { n: 20 }, 20, seqs[19]],
    ])

    // History: every event absorbed as debounced, and one fired record covering all 20.
    const { fires } = await cli.json("trigger", "history", "burst", "--limit", "100")
    const skippedSeqs = fires.filter((f: any) => f.outcome === "skipped").map((f: any) => [f.reason, f.event.seq])
    expect(skippedSeqs.sort((a: any, b: any) => a[1] - b[1])).toStrictEqual(seqs.map((s) => ["debounced", s]))
    expect(
      fires.filter((f: any) => f.outcome !== "skipped").map((f: any) => [f.outcome, f.run_id, f.count, f.event.seq]),
    ).toStrictEqual([["fired", runs[0]!.run_id, 20, seqs[19]]])
  })

  test("debounce - 300 events published at once into one trigger-wide window give one run counting all 300", async () => {
    await createTrigger(stack.url, "flood", "event.flood", ["--debounce", "1s"])
    const payloads = Array.from({ length: 300 }, (_, i) => ({ n: i + 1 }))
    // All in flight together, so the evaluator absorbs them concurrently into the same window.
    const seqs = await Promise.all(payloads.map((p) => stack.raw.publish("event.flood", p)))
    const last = Math.max(...seqs)

    await eventually(async () => expect(await stack.raw.runsOf("flood")).toHaveLength(1), 20_000)
    await stack.raw.quiet("flood")
    expect((await stack.raw.runsOf("flood")).map((r) => [r.input, r.count, r.event.seq])).toStrictEqual([
      [payloads[seqs.indexOf(last)], 300, last],
    ])
  })

  test("debounce - 3 events spaced 2 s apart give 3 runs, one per event", async () => {
    await createTrigger(stack.url, "spaced", "event.spaced", ["--debounce", "1s"])
    const seqs = await publishSpaced("event.spaced", [{ n: 1 }, { n: 2 }, { n: 3 }], 2_000)

    await eventually(async () => expect(await stack.raw.runsOf("spaced")).toHaveLength(3), 15_000)
    await stack.raw.quiet("spaced")
    const runs = await stack.raw.runsOf("spaced")
    expect(runs.map((r) => [r.input, r.count, r.event.seq])).toStrictEqual([
      [{ n: 1 }, 1, seqs[0]],
      [{ n: 2 }, 1, seqs[1]],
      [{ n: 3 }, 1, seqs[2]],
    ])
    expect(new Set(runs.map((r) => r.run_id)).size).toBe(3)
  })

  test("debounce - a steady stream (gaps a tenth of the period) with a timeout fires windows on the timeout, each holding exactly the events stored before its deadline", async () => {
    // Margins come from the settings, not from how fast this machine is: the stream goes on until the
    // timeout has closed two windows (however late serve's timers run), each event is published a
    // tenth of the period after the previous one was stored, and windows are checked against the
    // times JetStream stored the events at, which is what decides a window.
    const PERIOD_MS = 2_000
    const TIMEOUT_MS = 3_000
    const GAP_MS = PERIOD_MS / 10
    await createTrigger(stack.url, "steady", "event.steady", ["--debounce", "2s", "--debounce-timeout", "3s"])
    const payloads: Array<{ n: number }> = []
    const seqs: Array<number> = []
    const publishNext = async () => {
      payloads.push({ n: payloads.length + 1 })
      seqs.push(await stack.raw.publish("event.steady", payloads[payloads.length - 1]))
    }
    const deadline = Date.now() + 20 * TIMEOUT_MS
    let firedBeforeEnd = 0
    while (firedBeforeEnd < 2) {
      if (Date.now() > deadline)
        throw new Error(`the timeout closed ${firedBeforeEnd} windows in ${20 * TIMEOUT_MS} ms`)
      await publishNext()
      await sleep(GAP_MS) // the stream's pace (a scenario, not a wait)
      firedBeforeEnd = (await stack.raw.runsOf("steady")).length
    }
    // One more event, so a last window is open when the stream stops and fires on the period.
    await publishNext()
    const storedAt = await Promise.all(seqs.map((seq) => stack.raw.storedAt("EVENTS", { seq })))
    // The stream never paused for a whole period: only the timeout can have closed the earlier windows.
    const gaps = storedAt.slice(1).map((t, i) => t - storedAt[i]!)
    expect(Math.max(...gaps)).toBeLessThan(PERIOD_MS)

    await stack.raw.quiet("steady")
    const runs = await stack.raw.runsOf("steady")
    expect(runs.length).toBeGreaterThanOrEqual(3)
    expect(runs.length).toBeGreaterThan(firedBeforeEnd)
    expectContiguousCover(runs, seqs)
    // Each window holds the events stored before its due time (its first event's time plus the timeout,
    // or its last event's plus the period, whichever comes first) and the next event is stored at or
    // after it. JetStream's times are read in whole milliseconds, hence the 1 ms either way.
    let first = 0
    for (const r of runs) {
      const last = seqs.indexOf(r.event.seq)
      expect(last - first + 1).toBe(r.count)
      expect(r.count).toBeLessThanOrEqual(TIMEOUT_MS / GAP_MS + 1)
      for (let i = first + 1; i <= last; i++) {
        const due = Math.min(storedAt[first]! + TIMEOUT_MS, storedAt[i - 1]! + PERIOD_MS)
        expect(storedAt[i]!).toBeLessThanOrEqual(due)
      }
      if (last + 1 < seqs.length) {
        const due = Math.min(storedAt[first]! + TIMEOUT_MS, storedAt[last]! + PERIOD_MS)
        expect(storedAt[last + 1]!).toBeGreaterThanOrEqual(due - 1)
      }
      first = last + 1
    }
    // Each run carries the payload of the last event of its window; the last window ends with the last event.
    for (const r of runs) expect(r.input).toStrictEqual(payloads[seqs.indexOf(r.event.seq)])
    expect(runs[runs.length - 1]!.input).toStrictEqual(payloads[payloads.length - 1])
    expect(runs.reduce((n, r) => n + r.count, 0)).toBe(payloads.length)
  })
})

describe("debounce - disabled while open", () => {
  test("debounce - a window open when its trigger is disabled starts no run and history says disabled", async () => {
    // Long enough that the disable (two CLI runs) lands while the window is open on a loaded machine.
    await createTrigger(stack.url, "paused", "event.paused", ["--debounce", "10s"])
    const [seq] = await publishSpaced("event.paused", [{ n: 1 }], 0)
    await eventually(async () =>
      expect((await stack.raw.fires("paused")).map((f) => f.reason)).toStrictEqual(["debounced"]),
    )
    await cli.json("trigger", "disable", "paused")
    await cli.json("trigger", "list")
    await eventually(
      async () =>
        expect((await stack.raw.fires("paused")).map((f) => [f.outcome, f.reason])).toContainEqual([
          "skipped",
          "disabled",
        ]),
      30_000,
    )
    await stack.raw.quiet("paused")
    expect(await stack.raw.runsOf("paused")).toStrictEqual([])
    expect((await stack.raw.fires("paused")).map((f) => [f.outcome, f.reason, f.event.seq])).toStrictEqual([
      ["skipped", "debounced", seq],
      ["skipped", "disabled", seq],
    ])
  })
})

describe("debounce - keys", () => {
  test("debounce - interleaved keys A and B give one run per key, each with its own last payload", async () => {
    await createTrigger(stack.url, "keyed", "event.keyed", ["--debounce", "2s", "--debounce-key", "branch"])
    const payloads = Array.from({ length: 10 }, (_, i) => ({ branch: i % 2 === 0 ? "A" : "B", n: i + 1 }))
    await publishSpaced("event.keyed", payloads, 20)

    await eventually(async () => expect(await stack.raw.runsOf("keyed")).toHaveLength(2), 15_000)
    await stack.raw.quiet("keyed")
    const runs = await stack.raw.runsOf("keyed")
    expect(runs.map((r) => [r.input, r.count])).toStrictEqual([
      [{ branch: "A", n: 9 }, 5],
      [{ branch: "B", n: 10 }, 5],
    ])
  })

  test("debounce - events without the key field share the trigger-wide window, apart from keyed ones", async () => {
    await createTrigger(stack.url, "fallback", "event.fallback", ["--debounce", "2s", "--debounce-key", "branch"])
    const payloads = [{ n: 1 }, { branch: "main", n: 2 }, { n: 3 }, { other: "x", n: 4 }, { branch: "main", n: 5 }]
    await publishSpaced("event.fallback", payloads, 20)

    await eventually(async () => expect(await stack.raw.runsOf("fallback")).toHaveLength(2), 15_000)
    await stack.raw.quiet("fallback")
    const runs = await stack.raw.runsOf("fallback")
    expect(runs.map((r) => [r.input, r.count])).toStrictEqual([
      [{ other: "x", n: 4 }, 3],
      [{ branch: "main", n: 5 }, 2],
    ])
  })
})

describe("debounce - visibility", () => {
  test("debounce - trigger list shows the window open while it waits and not after it fired; trigger get shows the config", async () => {
    // The windows stay open long enough for a few CLI runs to see them on a loaded machine.
    const created = await createTrigger(stack.url, "visible", "event.visible", [
      "--debounce",
      "8s",
      "--debounce-timeout",
      "30s",
      "--debounce-key",
      "repo.name",
    ])
    expect(created.debounce).toStrictEqual({ period: "8s", timeout: "30s", key: "repo.name" })
    expect((await cli.json("trigger", "get", "visible")).debounce).toStrictEqual({
      period: "8s",
      timeout: "30s",
      key: "repo.name",
    })

    await stack.raw.publish("event.visible", { repo: { name: "a" } })
    await stack.raw.publish("event.visible", { repo: { name: "b" } })
    const openNow = async () => (await cli.json("trigger", "list")).triggers.find((t: any) => t.name === "visible")
    await eventually(async () => expect((await openNow()).open).toBe(2), 10_000)

    await eventually(async () => expect(await stack.raw.runsOf("visible")).toHaveLength(2), 30_000)
    await eventually(async () => expect(await openNow()).not.toHaveProperty("open"), 10_000)
  })
})
