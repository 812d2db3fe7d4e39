// Proves event identity lasts the life of the deployment: after EVENTS is deleted and recreated
// (an operator's reset), new events land on sequences old events had, and still start new runs —
// for a plain trigger (run id from the sequence and the stream's epoch) and for a debounce window
// (window id with the epoch) — with a `fired` history record naming each new run.
import { describe, expect, test } from "vitest"
import { perTestResources } from "../support/per-test.js"
import { startServe } from "../support/serve.js"
import { eventually } from "../support/poll.js"
import { createTrigger, openWindowsNats } from "./windows-support.js"

const res = perTestResources()

describe("event identity - a recreated EVENTS stream", () => {
  test("identity - after EVENTS is deleted and recreated, an event on a reused sequence starts a new run (plain and debounce)", async () => {
    const nats = await res.natsServer()
    let serve = await startServe({ natsUrl: nats.url })
    const raw = res.track(await openWindowsNats(nats.url), (r) => r.close())
    try {
      await createTrigger(nats.url, "ident", "event.ident", [])
      await createTrigger(nats.url, "identd", "event.identd", ["--debounce", "200ms"])
      const before = [await raw.publish("event.ident", { round: 1 }), await raw.publish("event.identd", { round: 1 })]
      await eventually(
        async () =>
          expect([(await raw.runsOf("ident")).length, (await raw.runsOf("identd")).length]).toStrictEqual([1, 1]),
        20_000,
        100,
      )
      await serve.stop()
      await raw.jsm.streams.delete("EVENTS")
      serve = await startServe({ natsUrl: nats.url })
      const after = [await raw.publish("event.ident", { round: 2 }), await raw.publish("event.identd", { round: 2 })]
      expect(after).toStrictEqual(before)
      const [plain, windowed] = await eventually(
        async () => {
          const r = [await raw.runsOf("ident"), await raw.runsOf("identd")]
          expect(r.map((x) => x.length)).toStrictEqual([2, 2])
          return r
        },
        20_000,
        100,
      )
      for (const runs of [plain!, windowed!]) {
        expect(runs.map((r) => r.input).sort((a, b) => a.round - b.round)).toStrictEqual([{ round: 1 }, { round: 2 }])
        expect(new Set(runs.map((r) => r.run_id)).size).toBe(2)
      }
      const fired = (await raw.fires("ident")).filter((f) => f.outcome === "fired").map((f) => f.run_id)
      expect(new Set(fired)).toStrictEqual(new Set(plain!.map((r) => r.run_id)))
    } finally {
      await serve.stop()
    }
  })
})
