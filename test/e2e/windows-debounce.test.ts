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

describe("debounce - bursts and gaps", () => {
  test("debounce - 20 events within 500 ms give exactly one run with the last payload", async () => {
    await createTrigger(stack.url, "burst", "event.burst", ["--debounce", "1s"])
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

  test("debounce - a steady stream every 200 ms for 5 s with timeout 2 s fires consecutive windows that cover every event once", async () => {
    await createTrigger(stack.url, "steady", "event.steady", ["--debounce", "1s", "--debounce-timeout", "2s"])
    const payloads = Array.from({ length: 25 }, (_, i) => ({ n: i + 1 }))
    const seqs = await publishSpaced("event.steady", payloads, 200)
    // The stream never paused for a whole period: only the timeout can have fired these.
    const firedBeforeEnd = (await stack.raw.runsOf("steady")).length

    await stack.raw.quiet("steady")
    const runs = await stack.raw.runsOf("steady")
    expect(firedBeforeEnd).toBeGreaterThanOrEqual(2)
    // 2-3 windows close on their timeout while events keep coming; the last one fires after the stream stops.
    expect(runs.length).toBeGreaterThanOrEqual(3)
    expect(runs.length).toBeLessThanOrEqual(4)
    for (const r of runs) expect(r.count).toBeLessThanOrEqual(11)
    expectContiguousCover(runs, seqs)
    // Each run carries the payload of the last event of its window; the last window ends with the last event.
    for (const r of runs) expect(r.input).toStrictEqual(payloads[seqs.indexOf(r.event.seq)])
    expect(runs[runs.length - 1]!.input).toStrictEqual({ n: 25 })
    expect(runs.reduce((n, r) => n + r.count, 0)).toBe(25)
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
    await createTrigger(stack.url, "keyed", "event.keyed", ["--debounce", "1s", "--debounce-key", "branch"])
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
    await createTrigger(stack.url, "fallback", "event.fallback", ["--debounce", "1s", "--debounce-key", "branch"])
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
