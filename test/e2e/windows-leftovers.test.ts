// Proves a full batch leaves nothing behind: its timer is deleted when it fires (not left pending
// until the batch timeout), while the timers of other keys' open batches stay and fire on time.
import { afterAll, beforeAll, describe, expect, test } from "vitest"
import { startNatsServer, type TestNatsServer } from "../support/nats-server.js"
import { startServe, type ServeProcess } from "../support/serve.js"
import { eventually } from "../support/poll.js"
import { createTrigger, openWindowsNats, type WindowsNats } from "./windows-support.js"

let nats: TestNatsServer
let serve: ServeProcess
let raw: WindowsNats

beforeAll(async () => {
  nats = await startNatsServer()
  serve = await startServe({ natsUrl: nats.url })
  raw = await openWindowsNats(nats.url)
})

afterAll(async () => {
  await raw?.close()
  await serve?.stop()
  await nats?.dispose()
})

describe("batch - leftovers", () => {
  test("batch - a full batch with a 1 h timeout fires at once and leaves no timer or window behind", async () => {
    await createTrigger(nats.url, "full", "event.full", ["--batch-size", "2", "--batch-timeout", "1h"])
    await raw.publish("event.full", { n: 1 })
    await raw.publish("event.full", { n: 2 })
    await eventually(async () => expect(await raw.runsOf("full")).toHaveLength(1), 10_000)
    await raw.quiet("full", 10_000)
  })

  test("batch - deleting one key's timer when its batch fills leaves the other keys' timers: they fire at the timeout", async () => {
    await createTrigger(nats.url, "keys", "event.keys", [
      "--batch-size",
      "2",
      "--batch-timeout",
      "1s",
      "--batch-key",
      "k",
    ])
    await raw.publish("event.keys", { k: "b", n: 1 })
    await raw.publish("event.keys", { k: "c", n: 2 })
    await raw.publish("event.keys", { k: "a", n: 3 })
    await raw.publish("event.keys", { k: "a", n: 4 })
    await eventually(async () => expect(await raw.runsOf("keys")).toHaveLength(3), 15_000)
    await raw.quiet("keys", 10_000)
    expect((await raw.runsOf("keys")).map((r) => r.count).sort()).toStrictEqual([1, 1, 2])
  })
})
