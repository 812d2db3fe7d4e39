// Proves serve's connection writes once per event-loop turn against a real nats-server: the pinned
// nats.js has the handler it wraps, the commands of one turn leave in one socket write and in order,
// and a close right after a publish still delivers it.
import { afterAll, beforeAll, expect, test } from "vitest"
import { connect } from "@nats-io/transport-node"
import type { NatsConnection } from "@nats-io/nats-core"
import { startNatsServer, type TestNatsServer } from "../support/nats-server.js"
import { coalesceWrites } from "../../src/nats/coalesced-writes.js"
import { eventually } from "../support/poll.js"

let nats: TestNatsServer
let reader: NatsConnection

beforeAll(async () => {
  nats = await startNatsServer()
  reader = await connect({ servers: nats.url })
})

afterAll(async () => {
  await reader?.close()
  await nats?.dispose()
})

/** A coalescing connection, and the number of socket writes its transport makes from now on. */
const coalescing = async () => {
  const nc = await connect({ servers: nats.url })
  expect(coalesceWrites(nc)).toBe(true)
  const transport = (nc as any).protocol.transport
  const send = transport.send.bind(transport)
  const writes = { count: 0 }
  transport.send = (frame: Uint8Array) => {
    writes.count++
    send(frame)
  }
  return { nc, writes }
}

/** Everything `reader` receives on `subject`, as strings, once it has subscribed at the server. */
const received = async (subject: string) => {
  const got: Array<string> = []
  reader.subscribe(subject, { callback: (_e, m) => void got.push(m.string()) })
  await reader.flush()
  return got
}

test("coalesced writes - 500 publishes made in separate microtasks of one turn leave in one socket write, in order", async () => {
  const got = await received("coalesce.order")
  const { nc, writes } = await coalescing()
  try {
    let chain = Promise.resolve()
    for (let i = 0; i < 500; i++) chain = chain.then(() => nc.publish("coalesce.order", String(i)))
    await chain
    expect(writes.count).toBe(0)
    await eventually(() => expect(got).toHaveLength(500))
    expect(got).toStrictEqual(Array.from({ length: 500 }, (_, i) => String(i)))
    expect(writes.count).toBe(1)
  } finally {
    await nc.close()
  }
})

test("coalesced writes - a publish followed at once by close() reaches the server", async () => {
  const got = await received("coalesce.close")
  const { nc } = await coalescing()
  nc.publish("coalesce.close", "last words")
  await nc.close()
  await eventually(() => expect(got).toStrictEqual(["last words"]))
})

test("coalesced writes - request/reply and flush still answer on a coalescing connection", async () => {
  const { nc } = await coalescing()
  try {
    const sub = reader.subscribe("coalesce.echo", { callback: (_e, m) => void m.respond(`echo ${m.string()}`) })
    await reader.flush()
    await nc.flush()
    const answers = await Promise.all([1, 2, 3].map((n) => nc.request("coalesce.echo", String(n), { timeout: 5_000 })))
    expect(answers.map((m) => m.string())).toStrictEqual(["echo 1", "echo 2", "echo 3"])
    sub.unsubscribe()
  } finally {
    await nc.close()
  }
})
