// Proves retention an operator can set: run records (KV dagnats_runs) and trigger history
// (TRIGGER_HISTORY) get a 30-day max age by default; DAGNATS_RUN_RETENTION / --history-retention
// change them (an existing run bucket too, said in the log; the shared TRIGGER_HISTORY only when dagnats creates it); and an existing resource whose age limit
// differs from the default is left alone unless the operator set one.
import { describe, expect, it } from "vitest"
import { connect } from "@nats-io/transport-node"
import { jetstreamManager } from "@nats-io/jetstream"
import { Kvm } from "@nats-io/kv"
import { perTestResources } from "../support/per-test.js"
import { startServe } from "../support/serve.js"

const DAY_NS = 86_400_000_000_000
const res = perTestResources()

const maxAges = async (url: string) => {
  const nc = await connect({ servers: url })
  try {
    const jsm = await jetstreamManager(nc)
    return {
      runs: (await jsm.streams.info("KV_dagnats_runs")).config.max_age / DAY_NS,
      history: (await jsm.streams.info("TRIGGER_HISTORY")).config.max_age / DAY_NS,
    }
  } finally {
    await nc.close()
  }
}

describe("ops retention - run records and trigger history", () => {
  it("ops retention - a fresh serve creates run records and trigger history with a 30-day max age", async () => {
    const nats = await res.natsServer()
    await res.serveOn(nats)
    expect(await maxAges(nats.url)).toEqual({ runs: 30, history: 30 })
  })

  it("ops retention - DAGNATS_RUN_RETENTION changes an existing run bucket; --history-retention leaves the shared TRIGGER_HISTORY as it is and says so", async () => {
    const nats = await res.natsServer()
    await (await startServe({ natsUrl: nats.url })).stop()
    const serve = res.track(
      await startServe({ natsUrl: nats.url, env: { DAGNATS_RUN_RETENTION: "7d" }, args: ["--history-retention", "0"] }),
      (s) => s.stop(),
    )
    expect(await maxAges(nats.url)).toEqual({ runs: 7, history: 30 })
    expect(serve.log()).toContain("KV_dagnats_runs max age changed from 30d to 7d (DAGNATS_RUN_RETENTION)")
    expect(serve.log()).toContain(
      "TRIGGER_HISTORY is shared with other programs and keeps its max age 30d; the history retention forever applies only when dagnats creates it",
    )
  })

  it("ops retention - --history-retention 0 creates TRIGGER_HISTORY with no age limit on a fresh server", async () => {
    const nats = await res.natsServer()
    res.track(await startServe({ natsUrl: nats.url, args: ["--history-retention", "0"] }), (s) => s.stop())
    expect((await maxAges(nats.url)).history).toBe(0)
  })

  it("ops retention - a run bucket without an age limit (an older dagnats made it) keeps it when no retention is set", async () => {
    const nats = await res.natsServer()
    const nc = await connect({ servers: nats.url })
    await new Kvm(nc).create("dagnats_runs", { history: 1 })
    await nc.close()
    const serve = await res.serveOn(nats)
    expect((await maxAges(nats.url)).runs).toBe(0)
    expect(serve.log()).toContain(
      "KV_dagnats_runs keeps its max age forever (the default is 30d); set DAGNATS_RUN_RETENTION to change it",
    )
  })

  it("ops retention - a retention under an hour is refused at start with exit 2, naming the variable", async () => {
    const nats = await res.natsServer()
    await expect(startServe({ natsUrl: nats.url, env: { DAGNATS_RUN_RETENTION: "5m" } })).rejects.toThrow(
      /serve exited 2 while starting:[\s\S]*DAGNATS_RUN_RETENTION: must be a duration of at least 1h such as 30d, or 0 to keep forever \(got "5m"\)/,
    )
  })
})
