// Proves a full batch leaves nothing behind: its timer is deleted when it fires (not left pending
// until the batch timeout), while the timers of other keys' open batches stay and fire on time.
import { describe, expect, test } from "vitest"
import { e2eStack } from "../support/e2e-stack.js"
import { eventually } from "../support/poll.js"
import { createTrigger, openWindowsNats } from "./windows-support.js"

const stack = e2eStack({ openRaw: openWindowsNats })

describe("batch - leftovers", () => {
  test("batch - a full batch with a 1 h timeout fires at once and leaves no timer or window behind", async () => {
    await createTrigger(stack.url, "full", "event.full", ["--batch-size", "2", "--batch-timeout", "1h"])
    await stack.raw.publish("event.full", { n: 1 })
    await stack.raw.publish("event.full", { n: 2 })
    await eventually(async () => expect(await stack.raw.runsOf("full")).toHaveLength(1), 10_000)
    await stack.raw.quiet("full", 10_000)
  })

  test("batch - deleting one key's timer when its batch fills leaves the other keys' timers: they fire at the timeout", async () => {
    await createTrigger(stack.url, "keys", "event.keys", [
      "--batch-size",
      "2",
      "--batch-timeout",
      "1s",
      "--batch-key",
      "k",
    ])
    await stack.raw.publish("event.keys", { k: "b", n: 1 })
    await stack.raw.publish("event.keys", { k: "c", n: 2 })
    await stack.raw.publish("event.keys", { k: "a", n: 3 })
    await stack.raw.publish("event.keys", { k: "a", n: 4 })
    await eventually(async () => expect(await stack.raw.runsOf("keys")).toHaveLength(3), 15_000)
    await stack.raw.quiet("keys", 10_000)
    expect((await stack.raw.runsOf("keys")).map((r) => r.count).sort()).toStrictEqual([1, 1, 2])
  })
})
