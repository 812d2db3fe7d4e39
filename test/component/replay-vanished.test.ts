// Proves a part of a replay ends instead of waiting forever when the rest of its range vanishes
// while it reads (purged, aged out): the messages it was already handed are evaluated, then,
// with nothing pending and nothing delivered past them, the replay is over (no `next`), and its
// consumer is gone. The purge is made from inside the first run start, so it always lands mid-part.
import { afterEach, expect, test } from "vitest"
import { Effect } from "effect"
import { connect } from "@nats-io/transport-node"
import { jetstream, jetstreamManager } from "@nats-io/jetstream"
import { Kvm } from "@nats-io/kv"
import { startNatsServer, type TestNatsServer } from "../support/nats-server.js"
import type { NatsHandles } from "../../src/nats/connection.js"
import { replay, type ReplayDeps } from "../../src/replay/replay.js"
import type { StoredTrigger } from "../../src/domain/trigger.js"
import type { WindowHandler } from "../../src/evaluator/index.js"
import { natsHandles } from "../support/nats-handles.js"

const servers: Array<TestNatsServer> = []
const connections: Array<NatsHandles> = []
afterEach(async () => {
  for (const h of connections.splice(0)) await h.nc.close().catch(() => undefined)
  for (const s of servers.splice(0)) await s.dispose().catch(() => undefined)
})

const trigger: StoredTrigger = {
  name: "gone",
  workflow: "wf",
  type: "event",
  subject: "event.gone",
  enabled: true,
  created_at: "2026-01-01T00:00:00Z",
  updated_at: "2026-01-01T00:00:00Z",
  revision: 1,
}

const noWindows: WindowHandler = { absorb: () => Effect.die(new Error("no windows in this test")) }

test("replay - a part whose remaining events are purged while it reads evaluates what it was handed, then ends with no next and no consumer", async () => {
  const server = await startNatsServer()
  servers.push(server)
  const nc = await connect({ servers: server.url })
  const h: NatsHandles = await natsHandles(nc)
  connections.push(h)
  await h.jsm.streams.add({ name: "EVENTS", subjects: ["event.>"] })
  const body = new TextEncoder().encode("{}")
  for (let i = 0; i < 1_000; i += 100)
    await Promise.all(Array.from({ length: 100 }, () => h.js.publish("event.gone", body)))
  let starts = 0
  const deps: ReplayDeps = {
    eventsEpoch: Effect.succeed("1"),
    js: h.js,
    jsm: h.jsm,
    runs: await new Kvm(h.js).create("dagnats_runs"),
    starter: {
      start: (spec) =>
        Effect.promise(async () => {
          // The first start purges what the consumer has not handed out yet (it pulls 256 at a time).
          if (starts++ === 0) await h.jsm.streams.purge("EVENTS", { filter: "event.gone" })
          return { runId: spec.runId, created: true }
        }),
    },
    debounce: noWindows,
    batch: noWindows,
    lookupRunSeq: () => Effect.succeed(undefined),
    record: () => Effect.void,
  }
  const reply = await Effect.runPromise(
    replay(deps, {
      trigger,
      range: { from: undefined, untilMs: Date.now() },
      subject: undefined,
      dead: false,
      dryRun: false,
    }),
  )
  expect([reply.next, reply.evaluated > 0, reply.evaluated < 1_000, reply.fired]).toStrictEqual([
    undefined,
    true,
    true,
    reply.evaluated,
  ])
  const consumers: Array<string> = []
  for await (const c of h.jsm.consumers.list("EVENTS")) consumers.push(c.name)
  expect(consumers).toStrictEqual([])
}, 60_000)
