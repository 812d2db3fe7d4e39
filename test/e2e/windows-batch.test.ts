// Proves batching end to end (SPEC §4, §6, §8): full batches fire at max_size and the rest at the timeout, inputs are payload arrays in stream order with every event in exactly one batch, keyed batches are independent, history, `trigger list` and `trigger get` show it, and the CLI rejects invalid debounce and batch settings naming the flag.
import { describe, expect, test } from "vitest"
import { e2eStack } from "../support/e2e-stack.js"
import { eventually } from "../support/poll.js"
import { createTrigger, openWindowsNats } from "./windows-support.js"

const stack = e2eStack({ openRaw: openWindowsNats })
const cli = { json: stack.cli, raw: stack.cliRaw }

const publishAll = async (subject: string, payloads: ReadonlyArray<unknown>) => {
  const seqs: Array<number> = []
  for (const p of payloads) seqs.push(await stack.raw.publish(subject, p))
  return seqs
}

/** The payloads a run's input holds, as `n` values, checking each is in stream order. */
const ns = (input: unknown) => {
  expect(Array.isArray(input)).toBe(true)
  const values = (input as Array<{ n: number }>).map((p) => p.n)
  expect(values).toStrictEqual([...values].sort((a, b) => a - b))
  return values
}

describe("batch - sizes and timeout", () => {
  test("batch - 25 events with size 10 give runs of 10 and 10, then 5 after the timeout, each event in exactly one batch", async () => {
    await createTrigger(stack.url, "orders", "event.orders", ["--batch-size", "10", "--batch-timeout", "2s"])
    const payloads = Array.from({ length: 25 }, (_, i) => ({ n: i + 1 }))
    const seqs = await publishAll("event.orders", payloads)

    await eventually(async () => expect(await stack.raw.runsOf("orders")).toHaveLength(3), 10_000)
    await stack.raw.quiet("orders")

    const runs = await stack.raw.runsOf("orders")
    const batches = runs.map((r) => ns(r.input))
    expect(runs.map((r) => r.count)).toStrictEqual(batches.map((b) => b.length))
    expect(batches.map((b) => b.length)).toStrictEqual([10, 10, 5])
    // The last 5 waited for the timeout: their run started no earlier than the time JetStream stored
    // the batch's first event plus 2 s (whole milliseconds, hence the 1 ms). Checked on stored times
    // rather than by watching the window, which a loaded machine can fire before a poll sees it.
    const lastOpenedAt = await stack.raw.storedAt("EVENTS", { seq: seqs[batches[2]![0]! - 1]! })
    const lastStartedAt = await stack.raw.storedAt("WORKFLOW_HISTORY", { last_by_subj: `history.${runs[2]!.run_id}` })
    expect(lastStartedAt).toBeGreaterThanOrEqual(lastOpenedAt + 2_000 - 1)
    expect(batches.flat().sort((a, b) => a - b)).toStrictEqual(payloads.map((p) => p.n))
    // Each run names the last event of its batch.
    for (const [i, r] of runs.entries()) expect(r.event.seq).toBe(seqs[batches[i]![batches[i]!.length - 1]! - 1])
    expect(await stack.raw.startedCounts(runs.map((r) => r.run_id))).toStrictEqual([1, 1, 1])

    // History: every event absorbed as batched (the one that filled a batch too), and one fired
    // record per batch with its count, naming the batch's last event.
    const { fires } = await cli.json("trigger", "history", "orders", "--limit", "100")
    const skipped = fires.filter((f: any) => f.outcome === "skipped").map((f: any) => [f.reason, f.event.seq])
    expect(skipped.sort((a: any, b: any) => a[1] - b[1])).toStrictEqual(seqs.map((s) => ["batched", s]))
    const firedRecords = fires
      .filter((f: any) => f.outcome !== "skipped")
      .map((f: any) => [f.outcome, f.run_id, f.count, f.event.seq])
    expect(firedRecords.sort((a: any, b: any) => a[3] - b[3])).toStrictEqual(
      runs.map((r) => ["fired", r.run_id, r.count, r.event.seq]),
    )
  })

  test("batch - fewer events than max_size fire together once the timeout passes", async () => {
    await createTrigger(stack.url, "slow", "event.slow", ["--batch-size", "100", "--batch-timeout", "2s"])
    await publishAll("event.slow", [{ n: 1 }, { n: 2 }, { n: 3 }])
    await eventually(async () => expect(await stack.raw.runsOf("slow")).toHaveLength(1), 10_000)
    await stack.raw.quiet("slow")
    expect((await stack.raw.runsOf("slow")).map((r) => [ns(r.input), r.count])).toStrictEqual([[[1, 2, 3], 3]])
  })

  test("batch - batch size 1 starts one run per event, each with a one-element array", async () => {
    await createTrigger(stack.url, "single", "event.single", ["--batch-size", "1", "--batch-timeout", "1h"])
    await publishAll("event.single", [{ n: 1 }, { n: 2 }])
    await eventually(async () => expect(await stack.raw.runsOf("single")).toHaveLength(2), 10_000)
    expect((await stack.raw.runsOf("single")).map((r) => [r.input, r.count])).toStrictEqual([
      [[{ n: 1 }], 1],
      [[{ n: 2 }], 1],
    ])
    await eventually(async () => expect(await stack.raw.openWindows("single")).toBe(0), 10_000)
  })

  test("batch - keyed batches fill independently per key value", async () => {
    await createTrigger(stack.url, "tenants", "event.tenants", [
      "--batch-size",
      "3",
      "--batch-timeout",
      "2s",
      "--batch-key",
      "tenant",
    ])
    const payloads = [
      { tenant: "a", n: 1 },
      { tenant: "b", n: 2 },
      { tenant: "a", n: 3 },
      { tenant: "b", n: 4 },
      { tenant: "a", n: 5 },
      { n: 6 },
    ]
    await publishAll("event.tenants", payloads)
    await eventually(async () => expect(await stack.raw.runsOf("tenants")).toHaveLength(3), 10_000)
    await stack.raw.quiet("tenants")
    // a fills at 3; b (2 events) and the events without a tenant fire at the timeout.
    expect((await stack.raw.runsOf("tenants")).map((r) => ns(r.input)).sort((x, y) => x[0]! - y[0]!)).toStrictEqual([
      [1, 3, 5],
      [2, 4],
      [6],
    ])
  })
})

describe("batch - visibility", () => {
  test("batch - trigger list shows the batch open until it fires; trigger get shows the config", async () => {
    // The batch stays open long enough for a few CLI runs to see it on a loaded machine.
    const created = await createTrigger(stack.url, "shown", "event.shown", [
      "--batch-size",
      "50",
      "--batch-timeout",
      "8s",
      "--batch-key",
      "tenant",
    ])
    expect(created.batch).toStrictEqual({ max_size: 50, timeout: "8s", key: "tenant" })
    expect((await cli.json("trigger", "get", "shown")).batch).toStrictEqual({
      max_size: 50,
      timeout: "8s",
      key: "tenant",
    })
    expect(created).not.toHaveProperty("debounce")

    await stack.raw.publish("event.shown", { tenant: "x" })
    const listed = async () => (await cli.json("trigger", "list")).triggers.find((t: any) => t.name === "shown")
    await eventually(async () => expect((await listed()).open).toBe(1), 10_000)
    await eventually(async () => expect(await stack.raw.runsOf("shown")).toHaveLength(1), 30_000)
    await eventually(async () => expect(await listed()).not.toHaveProperty("open"), 10_000)
  })
})

describe("batch - validation", () => {
  const rejected = async (flags: ReadonlyArray<string>, field: RegExp) => {
    const r = await cli.raw("trigger", "create", "bad", "--workflow", "w", "--subject", "event.bad", ...flags)
    expect(r.code).toBe(2)
    expect(r.stdout).toBe("")
    expect(r.stderr).toMatch(field)
  }

  test("validation - debounce with batch is rejected naming --debounce", async () => {
    await rejected(
      ["--debounce", "1s", "--batch-size", "10", "--batch-timeout", "2s"],
      /--debounce: cannot be combined with batch/,
    )
  })

  test("validation - a debounce timeout shorter than the period is rejected naming --debounce-timeout", async () => {
    await rejected(
      ["--debounce", "5s", "--debounce-timeout", "2s"],
      /--debounce-timeout: must be at least the period \(5s\)/,
    )
  })

  test("validation - batch size 0 is rejected naming --batch-size", async () => {
    await rejected(
      ["--batch-size", "0", "--batch-timeout", "2s"],
      /--batch-size: must be a whole number from 1 to 1000/,
    )
  })

  test("validation - batch size 1001 is rejected naming --batch-size", async () => {
    await rejected(
      ["--batch-size", "1001", "--batch-timeout", "2s"],
      /--batch-size: must be a whole number from 1 to 1000/,
    )
  })

  test("validation - nothing was created by the rejected commands", async () => {
    const r = await cli.raw("trigger", "get", "bad")
    expect(r.code).toBe(1)
  })
})
