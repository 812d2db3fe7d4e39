// Proves the console's live feed costs serve nothing while no page is open: its connection receives
// no delivery record until a page subscribes, gets them while one is open, and none once it closed.
import { afterAll, beforeAll, expect, test } from "vitest"
import { createServer, get, type Server, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { connect } from "@nats-io/transport-node"
import type { NatsConnection } from "@nats-io/nats-core"
import { startNatsServer, type TestNatsServer } from "../support/nats-server.js"
import { makeLive, type Live } from "../../src/console/live.js"
import { eventually } from "../support/poll.js"

let nats: TestNatsServer
let serveSide: NatsConnection
let publisher: NatsConnection
let live: Live
let http: Server

beforeAll(async () => {
  nats = await startNatsServer()
  serveSide = await connect({ servers: nats.url })
  publisher = await connect({ servers: nats.url })
  live = makeLive(serveSide, async () => [])
  http = createServer((_req, res: ServerResponse) => {
    res.writeHead(200, { "Content-Type": "text/event-stream" })
    live.add(res)
  })
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve))
})

afterAll(async () => {
  live?.close()
  http?.closeAllConnections()
  http?.close()
  await serveSide?.close()
  await publisher?.close()
  await nats?.stop()
})

const record = (n: number) =>
  JSON.stringify({ id: `01M977KZWR85CYPDQZGKEXTC${String(n).padStart(2, "0")}`, trigger: "t" })
const publishRecords = async (n: number) => {
  for (let i = 0; i < n; i++) publisher.publish(`dagnats.deliveries.t.${i}`, record(i))
  await publisher.flush()
  await serveSide.flush()
}

test("console live - with no page open serve's connection receives none of 20 delivery records; with one open it receives all 20; after it closed, none again", async () => {
  const before = serveSide.stats().inMsgs
  await publishRecords(20)
  expect(serveSide.stats().inMsgs - before).toBe(0)

  const page = await new Promise<import("node:http").IncomingMessage>((resolve) =>
    get(`http://127.0.0.1:${(http.address() as AddressInfo).port}/`, resolve),
  )
  await new Promise((resolve) => page.once("data", resolve)) // ": live": the page is subscribed
  const open = serveSide.stats().inMsgs
  await publishRecords(20)
  await eventually(() => expect(serveSide.stats().inMsgs - open).toBe(20), 5_000)

  page.destroy()
  await eventually(async () => {
    const closed = serveSide.stats().inMsgs
    await publishRecords(20)
    expect(serveSide.stats().inMsgs - closed).toBe(0)
  }, 5_000)
})

test("console live - serve's connection receives the record published right after a page was told it is live, on each of 30 openings", async () => {
  const port = (http.address() as AddressInfo).port
  let received = 0
  for (let i = 0; i < 30; i++) {
    const page = await new Promise<import("node:http").IncomingMessage>((resolve) =>
      get(`http://127.0.0.1:${port}/`, resolve),
    )
    await new Promise((resolve) => page.once("data", resolve))
    const open = serveSide.stats().inMsgs
    publisher.publish(`dagnats.deliveries.t.${i}`, record(i))
    await publisher.flush()
    await serveSide.flush()
    if (serveSide.stats().inMsgs - open === 1) received++
    page.destroy()
    await eventually(async () => {
      const closed = serveSide.stats().inMsgs
      await publishRecords(1)
      expect(serveSide.stats().inMsgs - closed).toBe(0)
    }, 5_000)
  }
  expect(received).toBe(30)
})

test("console live - a page following runs r1 and r2 is sent each one's status, then r1's change to completed, and r1 is read no more once completed", async () => {
  const now = new Map([
    ["r1", "pending"],
    ["r2", "running"],
  ])
  const asked: Array<ReadonlyArray<string>> = []
  const runs = makeLive(serveSide, async (ids) => {
    asked.push(ids)
    return ids.map((id) => ({ run_id: id, status: now.get(id)!, final: now.get(id) === "completed" }))
  })
  const server = createServer((_req, res: ServerResponse) => {
    res.writeHead(200, { "Content-Type": "text/event-stream" })
    runs.add(res, ["r1", "r2"])
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const page = await new Promise<import("node:http").IncomingMessage>((resolve) =>
    get(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`, resolve),
  )
  let text = ""
  page.on("data", (c: Buffer) => (text += c.toString("utf8")))
  const events = () =>
    [...text.matchAll(/^event: run\ndata: (.*)$/gm)].map((m) => JSON.parse(m[1]!) as { run_id: string; status: string })
  await eventually(() =>
    expect(events()).toEqual([
      { run_id: "r1", status: "pending" },
      { run_id: "r2", status: "running" },
    ]),
  )
  now.set("r1", "completed")
  await eventually(() => expect(events().slice(2)).toEqual([{ run_id: "r1", status: "completed" }]), 5_000)
  const readsAfter = asked.length
  await eventually(() => expect(asked.length).toBeGreaterThan(readsAfter + 1), 5_000)
  expect(asked.slice(readsAfter)).toEqual(asked.slice(readsAfter).map(() => ["r2"]))
  expect(events()).toHaveLength(3)
  page.destroy()
  runs.close()
  server.closeAllConnections()
  server.close()
})
