// Proves no window waits on another (B3): while an event that fails on every delivery holds the
// evaluator's ack floor, another trigger's 1 s debounce still fires within a bounded deadline; a
// debounce window whose run cannot be stored fails alone (history error, dead letter, window gone)
// and a later event of that trigger starts a window of its own; three 800 KB events in a
// `--batch-size 3` trigger land in size-aware batches of 2 and 1 instead of a batch that cannot
// be stored.
import { describe, expect, test } from "vitest"
import { e2eStack } from "../support/e2e-stack.js"
import { eventually } from "../support/poll.js"
import { createTrigger, openWindowsNats } from "./windows-support.js"

// Default retry delays: the poison event below keeps failing for minutes. A stack per test, so that
// it holds only the evaluator of the test that published it.
const stack = e2eStack({ openRaw: openWindowsNats, per: "test" })
const cli = { json: stack.cli, raw: stack.cliRaw }

const big = (bytes: number, extra: Record<string, unknown> = {}) => ({ ...extra, t: "x".repeat(bytes) })
/** How late a debounce run started after its window was due (its last event's stored time + period). */
const lateness = async (run: Record<string, any>, periodMs: number) =>
  Date.parse(run.created_at) - ((await stack.raw.storedAt("EVENTS", { seq: run.event.seq })) + periodMs)

describe("windows - isolation", () => {
  test("B3 - a 1 s debounce fires within 5 s while an event that fails every delivery holds the evaluator's ack floor", async () => {
    await createTrigger(stack.url, "poison", "event.poison", [])
    await createTrigger(stack.url, "calm", "event.calm", ["--debounce", "1s"])
    await stack.raw.publish("event.poison", big(2 * 1024 * 1024 - 200))
    // The poison event is being retried (its delivery is outstanding) before the window opens.
    await eventually(
      async () =>
        expect((await stack.raw.jsm.consumers.info("EVENTS", "dagnats-evaluator")).num_redelivered).toBeGreaterThan(0),
      20_000,
      100,
    )
    await stack.raw.publish("event.calm", { n: 1 })
    const [run] = await eventually(
      async () => {
        const runs = await stack.raw.runsOf("calm")
        expect(runs).toHaveLength(1)
        return runs
      },
      20_000,
      100,
    )
    expect(await lateness(run!, 1_000)).toBeLessThan(5_000)
    expect((await stack.raw.jsm.consumers.info("EVENTS", "dagnats-evaluator")).ack_floor.stream_seq).toBeLessThan(2)
  })

  test("B3 - a debounce window whose run cannot be stored fails alone: history error, dead letter, window gone, the next event opens a new window", async () => {
    await createTrigger(stack.url, "oversize", "event.oversize", ["--debounce", "1s"])
    const seq = await stack.raw.publish("event.oversize", big(2 * 1024 * 1024 - 10_000))
    const fires = await eventually(
      async () => {
        const f = (await stack.raw.fires("oversize")).filter((x) => x.outcome === "error")
        expect(f).toHaveLength(1)
        return f
      },
      20_000,
      100,
    )
    expect(fires[0]!.error).toMatch(
      /^debounce window oversize\._:\d+@\d+: run input of \d+ bytes is larger than can be stored/,
    )
    // The error record is written before the failed window's key is cleared: the key goes soon after.
    await eventually(async () => expect(await stack.raw.openWindows("oversize")).toBe(0), 20_000, 100)
    const dead = await cli.json<{ dead: Array<Record<string, unknown>> }>("event", "dead", "--limit", "1000")
    expect(dead.dead.filter((d) => d.subject === "event.oversize").map((d) => d.seq)).toStrictEqual([seq])
    await stack.raw.publish("event.oversize", { small: true })
    const runs = await eventually(
      async () => {
        const r = await stack.raw.runsOf("oversize")
        expect(r).toHaveLength(1)
        return r
      },
      20_000,
      100,
    )
    expect([runs[0]!.count, runs[0]!.input]).toStrictEqual([1, { small: true }])
  })

  test("size - three 800 KB events in a --batch-size 3 trigger start runs of 2 and 1 events, every event in exactly one", async () => {
    await createTrigger(stack.url, "heavy", "event.heavy", ["--batch-size", "3", "--batch-timeout", "2s"])
    const seqs = [] as Array<number>
    for (let i = 1; i <= 3; i++) seqs.push(await stack.raw.publish("event.heavy", big(800 * 1024, { i })))
    const runs = await eventually(
      async () => {
        const r = await stack.raw.runsOf("heavy")
        expect(r).toHaveLength(2)
        return r
      },
      30_000,
      200,
    )
    expect(runs.map((r) => [r.count, (r.input as Array<{ i: number }>).map((p) => p.i)])).toStrictEqual([
      [2, [1, 2]],
      [1, [3]],
    ])
    await stack.raw.quiet("heavy")
    expect(await stack.raw.openWindows("heavy")).toBe(0)
  })
})
