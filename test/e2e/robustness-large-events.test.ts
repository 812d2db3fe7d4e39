// Proves that large events cannot get serve cut off by nats-server as a slow consumer: 150 events
// of 900 KB published as fast as JetStream takes them, while serve evaluates, reach it through pulls
// bounded by bytes (a pull of 128 such events was 115 MB against the server's 64 MB per-client
// pending limit: the server cut serve off, and webhooks got 503). The server counts no slow
// consumer, serve never loses NATS, every event is evaluated exactly once, and webhooks sent
// meanwhile get 202.
import { expect, test } from "vitest"
import { perTestResources } from "../support/per-test.js"
import { startNatsServer } from "../support/nats-server.js"
import { startServe } from "../support/serve.js"
import { freePort } from "../support/ports.js"
import { openRawNats } from "../support/raw-nats.js"
import { send, signed, webhookTrigger } from "./ingest-support.js"

const res = perTestResources()

const EVENTS = 150
const EVENT_BYTES = 900 * 1024
const WEBHOOKS = 20

/** A JSON document of exactly `bytes` bytes made of many small objects, so decoding it is real work. */
const largeEvent = (i: number, bytes: number): Uint8Array => {
  const items: Array<string> = []
  let size = 0
  const head = `{"i":${i},"items":[`
  const tail = `],"pad":""}`
  for (let k = 0; head.length + size + tail.length + 40 < bytes; k++) {
    const item = `{"k":${k},"v":"item-${k}"}`
    items.push(item)
    size += item.length + 1
  }
  const body = `${head}${items.join(",")}],"pad":"`
  return new TextEncoder().encode(`${body}${"x".repeat(bytes - body.length - 2)}"}`)
}

/** The server's own count of clients it cut off as slow consumers (its monitoring endpoint). */
const slowConsumers = async (monitorPort: number): Promise<number> => {
  const varz = (await (await fetch(`http://127.0.0.1:${monitorPort}/varz`)).json()) as { slow_consumers: number }
  return varz.slow_consumers
}

test("large events - 150 × 900 KB events published at once drain with no slow consumer and no NATS disconnect, each event evaluated exactly once, webhooks meanwhile 202", async () => {
  const monitorPort = await freePort()
  const nats = res.track(await startNatsServer(`http: "127.0.0.1:${monitorPort}"`), (n) => n.dispose())
  const raw = res.track(await openRawNats(nats.url), (r) => r.close())
  const serve = res.track(await startServe({ natsUrl: nats.url }), (s) => s.stop())
  await raw.request("dagnats.triggers.create", {
    name: "big",
    workflow: "big-wf",
    type: "event",
    subject: "event.big.*",
    // Every event is decoded and then filtered out: each is evaluated, none stores a 900 KB run.
    filters: [{ field: "i", value: "-1" }],
  })
  await webhookTrigger(raw.nc, "hook", { secrets: ["s"] })

  // Ten at a time, as fast as JetStream stores them: it hands each to serve's outstanding pull at
  // once, while serve is still decoding the first ones.
  const bodies = Array.from({ length: EVENTS }, (_, i) => largeEvent(i, EVENT_BYTES))
  const published = (async () => {
    const seqs: Array<number> = []
    for (let i = 0; i < EVENTS; i += 10)
      seqs.push(...(await Promise.all(bodies.slice(i, i + 10).map((b, j) => raw.publish(`event.big.${i + j}`, b)))))
    return seqs
  })()
  const statuses: Array<number> = []
  for (let i = 0; i < WEBHOOKS; i++) {
    const body = JSON.stringify({ n: i })
    statuses.push((await send(`${serve.baseUrl}/v1/webhooks/hook`, { body, headers: signed("s", body) })).status)
  }
  const seqs = await published
  expect(statuses).toStrictEqual(Array.from({ length: WEBHOOKS }, () => 202))

  await raw.settled(120_000)
  expect(await slowConsumers(monitorPort)).toBe(0)
  expect(serve.log()).not.toContain("NATS disconnected")
  const fires = await raw.fires("big")
  expect(fires.map((f) => f.event.seq)).toStrictEqual([...seqs].sort((a, b) => a - b))
  expect(new Set(fires.map((f) => `${f.outcome} ${f.reason}`))).toStrictEqual(new Set(["skipped filtered"]))
  // Nothing evaluated twice: the consumer delivered each event once (a cut-off serve's events come back).
  const consumer = await raw.jsm.consumers.info("EVENTS", "dagnats-evaluator")
  expect(consumer.num_redelivered).toBe(0)
  expect(consumer.delivered.consumer_seq).toBe(EVENTS + WEBHOOKS)
}, 180_000)
