// Proves the durable worker (src/nats/worker.ts) against a real nats-server: a stream over the
// consumer's messages handled with bounded concurrency, each acked or NAKed as its handler decides,
// a failing handler's message redelivered, and closing the scope waiting for in-flight messages.
import { afterEach, describe, expect, test } from "vitest"
import { Deferred, Effect, Exit, Scope } from "effect"
import { connect } from "@nats-io/transport-node"
import { jetstream, jetstreamManager, type JsMsg } from "@nats-io/jetstream"
import { startNatsServer, type TestNatsServer } from "../support/nats-server.js"
import { eventually } from "../support/poll.js"
import type { NatsHandles } from "../../src/nats/connection.js"
import {
  IN_FLIGHT_BUDGET_BYTES,
  ensureDurable,
  runWorker,
  type DurableSpec,
  type Verdict,
} from "../../src/nats/worker.js"
import { natsHandles } from "../support/nats-handles.js"

const servers: Array<TestNatsServer> = []
const connections: Array<NatsHandles> = []
afterEach(async () => {
  for (const h of connections.splice(0)) await h.nc.close().catch(() => undefined)
  for (const s of servers.splice(0)) await s.dispose().catch(() => undefined)
})

const spec: DurableSpec = {
  stream: "WORK",
  name: "worker",
  filterSubject: "work.>",
  ackWaitMs: 30_000,
  maxAckPending: 1_000,
  maxInFlight: 3,
  deliverAll: true,
}

/** A server with stream WORK holding `count` messages (of `body`, default their number) and the durable consumer on it. */
const setup = async (count: number, body?: Uint8Array, serverConfig = ""): Promise<NatsHandles> => {
  const server = await startNatsServer(serverConfig)
  servers.push(server)
  const nc = await connect({ servers: server.url })
  const h: NatsHandles = await natsHandles(nc)
  connections.push(h)
  await h.jsm.streams.add({ name: "WORK", subjects: ["work.>"] })
  for (let i = 1; i <= count; i++) await h.js.publish(`work.${i}`, body ?? new TextEncoder().encode(String(i)))
  await Effect.runPromise(ensureDurable(h, spec))
  return h
}

const consumerState = async (h: NatsHandles) => {
  const info = await h.jsm.consumers.info(spec.stream, spec.name)
  return { pending: info.num_pending, ackPending: info.num_ack_pending, redelivered: info.num_redelivered }
}

describe("nats worker - a durable consumer as a stream", () => {
  test("nats worker - a consumer over a stream whose only subject is its filter is created without the filter; over a stream with more subjects it keeps it", async () => {
    const h = await setup(0)
    // nats-server 2.9 recounts a filtered consumer's pending messages one by one at each delivery.
    const whole = (await h.jsm.consumers.info(spec.stream, spec.name)).config
    expect([whole.filter_subject ?? "", whole.filter_subjects ?? []]).toStrictEqual(["", []])
    await h.jsm.streams.add({ name: "MIXED", subjects: ["work2.>", "other.>"] })
    const mixed = { ...spec, stream: "MIXED", name: "mixed-worker", filterSubject: "work2.>" }
    await Effect.runPromise(ensureDurable(h, mixed))
    const kept = (await h.jsm.consumers.info("MIXED", "mixed-worker")).config
    expect(kept.filter_subject ?? kept.filter_subjects?.[0]).toBe("work2.>")
  })

  test("nats worker - handles 20 messages with at most maxInFlight (3) at once and acks all 20", async () => {
    const h = await setup(20)
    let running = 0
    let most = 0
    const seen = new Set<number>()
    const handle = (m: JsMsg): Effect.Effect<Verdict> =>
      Effect.gen(function* () {
        running++
        most = Math.max(most, running)
        yield* Effect.sleep("20 millis")
        seen.add(m.seq)
        running--
        return { ack: true }
      })
    const scope = await Effect.runPromise(Scope.make())
    await Effect.runPromise(Scope.provide(scope)(runWorker(h, spec, handle)))
    await eventually(async () =>
      expect(await consumerState(h)).toStrictEqual({ pending: 0, ackPending: 0, redelivered: 0 }),
    )
    await Effect.runPromise(Scope.close(scope, Exit.void))
    expect(seen.size).toBe(20)
    expect(most).toBe(3)
  })

  test("nats worker - 6 MiB bodies are handled two at once (16 MiB of bodies in flight) though maxInFlight is 3: the third waits, heartbeated, until one ends", async () => {
    const size = 6 * 1024 * 1024
    expect(2 * size).toBeLessThanOrEqual(IN_FLIGHT_BUDGET_BYTES)
    expect(3 * size).toBeGreaterThan(IN_FLIGHT_BUDGET_BYTES)
    const h = await setup(3, new Uint8Array(size), "max_payload: 8MB")
    // A short ack wait, so heartbeats come every 300 ms: one for the third message shows it has
    // arrived and is held (a handler started for it would have counted first).
    const quick: DurableSpec = { ...spec, ackWaitMs: 900 }
    const beats = new Set<number>()
    const acks = h.nc.subscribe(`$JS.ACK.${spec.stream}.${spec.name}.>`, {
      callback: (_e, m) => {
        if (new TextDecoder().decode(m.data) === "+WPI") beats.add(Number(m.subject.split(".")[5]))
      },
    })
    const order: Array<string> = []
    let running = 0
    const gates = new Map<number, Deferred.Deferred<void>>()
    const gate = (seq: number) => {
      let g = gates.get(seq)
      if (g === undefined) gates.set(seq, (g = Deferred.makeUnsafe<void>()))
      return g
    }
    const handle = (m: JsMsg): Effect.Effect<Verdict> =>
      Effect.gen(function* () {
        running++
        order.push(`start ${m.seq}`)
        yield* Deferred.await(gate(m.seq))
        order.push(`end ${m.seq}`)
        running--
        return { ack: true }
      })
    const scope = await Effect.runPromise(Scope.make())
    await Effect.runPromise(Scope.provide(scope)(runWorker(h, quick, handle)))
    await eventually(async () => {
      expect(beats.has(3)).toBe(true)
      expect(running).toBe(2)
    })
    expect(order).toStrictEqual(["start 1", "start 2"])
    Effect.runSync(Deferred.succeed(gate(1), undefined))
    await eventually(async () => expect(order).toContain("start 3"))
    for (const seq of [2, 3]) Effect.runSync(Deferred.succeed(gate(seq), undefined))
    await eventually(async () =>
      expect(await consumerState(h)).toStrictEqual({ pending: 0, ackPending: 0, redelivered: 0 }),
    )
    await Effect.runPromise(Scope.close(scope, Exit.void))
    acks.unsubscribe()
    expect(order.slice(0, 4)).toStrictEqual(["start 1", "start 2", "end 1", "start 3"])
    expect(order).toHaveLength(6)
  })

  test("nats worker - a message held longer than its ack wait (900 ms) is heartbeated and never redelivered", async () => {
    const h = await setup(2)
    const slow: DurableSpec = { ...spec, name: "slow-worker", ackWaitMs: 900 }
    await Effect.runPromise(ensureDurable(h, slow))
    const beats: Array<number> = []
    const acks = h.nc.subscribe(`$JS.ACK.${slow.stream}.${slow.name}.>`, {
      callback: (_e, m) => {
        if (new TextDecoder().decode(m.data) === "+WPI") beats.push(Number(m.subject.split(".")[5]))
      },
    })
    const deliveries: Array<string> = []
    const release = Deferred.makeUnsafe<void>()
    const handle = (m: JsMsg): Effect.Effect<Verdict> =>
      Effect.gen(function* () {
        deliveries.push(`${m.seq}#${m.info.deliveryCount}`)
        if (m.seq === 1) yield* Deferred.await(release)
        return { ack: true }
      })
    const scope = await Effect.runPromise(Scope.make())
    await Effect.runPromise(Scope.provide(scope)(runWorker(h, slow, handle)))
    // Beats for one message come at least 150 ms apart: eight of them span more than the ack wait.
    await eventually(async () => expect(beats.filter((seq) => seq === 1).length).toBeGreaterThanOrEqual(8), 10_000)
    Effect.runSync(Deferred.succeed(release, undefined))
    await eventually(async () => {
      const info = await h.jsm.consumers.info(slow.stream, slow.name)
      expect({ pending: info.num_pending, ackPending: info.num_ack_pending }).toStrictEqual({
        pending: 0,
        ackPending: 0,
      })
    })
    await Effect.runPromise(Scope.close(scope, Exit.void))
    acks.unsubscribe()
    const info = await h.jsm.consumers.info(slow.stream, slow.name)
    expect(info.num_redelivered).toBe(0)
    expect(deliveries.sort()).toStrictEqual(["1#1", "2#1"])
    // Message 2 was acked at once: nothing beat for it.
    expect(beats.filter((seq) => seq !== 1)).toStrictEqual([])
  })

  test("nats worker - a handler that dies has its message NAKed and handed to it again", async () => {
    const h = await setup(1)
    const deliveries: Array<number> = []
    const handle = (m: JsMsg): Effect.Effect<Verdict> =>
      Effect.suspend(() => {
        deliveries.push(m.info.deliveryCount)
        return m.info.deliveryCount === 1 ? Effect.die("boom") : Effect.succeed({ ack: true } as const)
      })
    const scope = await Effect.runPromise(Scope.make())
    await Effect.runPromise(Scope.provide(scope)(runWorker(h, spec, handle)))
    await eventually(async () => expect(deliveries).toStrictEqual([1, 2]))
    await eventually(async () => expect((await consumerState(h)).ackPending).toBe(0))
    await Effect.runPromise(Scope.close(scope, Exit.void))
  })

  test("nats worker - closing the scope waits for the in-flight message and acks it: nothing redelivered", async () => {
    const h = await setup(1)
    const started = await Effect.runPromise(Deferred.make<void>())
    const release = await Effect.runPromise(Deferred.make<void>())
    const order: Array<string> = []
    const handle = (): Effect.Effect<Verdict> =>
      Effect.gen(function* () {
        yield* Deferred.succeed(started, undefined)
        yield* Deferred.await(release)
        order.push("handler finished")
        return { ack: true }
      })
    const scope = await Effect.runPromise(Scope.make())
    await Effect.runPromise(Scope.provide(scope)(runWorker(h, spec, handle)))
    await Effect.runPromise(Deferred.await(started))
    const closing = Effect.runPromise(Scope.close(scope, Exit.void)).then(() => order.push("scope closed"))
    // Let the handler go only once the close is under way: a close that did not wait would end first.
    setTimeout(() => void Effect.runPromise(Deferred.succeed(release, undefined)), 100)
    await closing
    expect(order).toStrictEqual(["handler finished", "scope closed"])
    await eventually(async () =>
      expect(await consumerState(h)).toStrictEqual({ pending: 0, ackPending: 0, redelivered: 0 }),
    )
  })
})
