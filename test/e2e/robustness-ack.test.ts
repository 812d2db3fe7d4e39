// Proves serve never answers 202 for a webhook JetStream did not store: floods of signed webhooks at an
// EVENTS stream that is full (max_msgs or max_bytes with discard new) or in an account out of its
// JetStream limit get exactly as many 202s as there are stored messages, every other request a 503
// with Retry-After; a deleted EVENTS stream answers 503 too; serve keeps running.
import { describe, expect, it } from "vitest"
import { connect } from "@nats-io/transport-node"
import { DiscardPolicy, RetentionPolicy, StorageType, jetstreamManager, type StreamConfig } from "@nats-io/jetstream"
import { perTestResources } from "../support/per-test.js"
import { startNatsServer } from "../support/nats-server.js"
import { send, signed, webhookTrigger } from "./ingest-support.js"

const res = perTestResources()
const SECRET = "flood-secret"
const REQUESTS = 300
const CONCURRENCY = 25

/** EVENTS created by an operator with limits (serve accepts it: subjects, retention and storage match). */
const limitedEvents = async (url: string, limits: Partial<StreamConfig>) => {
  const nc = await connect({ servers: url })
  const jsm = await jetstreamManager(nc)
  await jsm.streams.add({
    name: "EVENTS",
    subjects: ["event.>"],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    discard: DiscardPolicy.New,
    ...limits,
  })
  return { nc, jsm }
}

/** Send REQUESTS distinct signed webhooks, CONCURRENCY at a time; statuses and the 503 bodies. */
const flood = async (baseUrl: string, padBytes = 200) => {
  const statuses: Array<number> = []
  const refusals: Array<{ retryAfter: unknown; code: unknown }> = []
  const messages = new Set<string>()
  let next = 0
  const worker = async () => {
    while (next < REQUESTS) {
      const body = JSON.stringify({ n: next++, pad: "x".repeat(padBytes) })
      const r = await send(`${baseUrl}/v1/webhooks/hook`, { body, headers: signed(SECRET, body) })
      statuses.push(r.status)
      if (r.status !== 202) refusals.push({ retryAfter: r.headers["retry-after"], code: r.json?.error?.code })
      if (r.status !== 202) messages.add(String(r.json?.error?.message))
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, worker))
  return { accepted: statuses.filter((s) => s === 202).length, statuses, refusals, messages: [...messages] }
}

describe("ack decoding under full streams", () => {
  it("deleted stream - EVENTS deleted while serve runs: every webhook gets 503 with Retry-After, none 202", async () => {
    const nats = await res.natsServer()
    const serve = await res.serveOn(nats)
    const nc = res.track(await connect({ servers: nats.url }), (c) => c.close())
    await webhookTrigger(nc, "hook", { secrets: [SECRET] })
    const body = '{"n":1}'
    const post = () => send(`${serve.baseUrl}/v1/webhooks/hook`, { body, headers: signed(SECRET, body) })
    expect((await post()).status).toBe(202)
    await (await jetstreamManager(nc)).streams.delete("EVENTS")
    const answers = await Promise.all(Array.from({ length: 20 }, post))
    expect(answers.map((a) => [a.status, a.headers["retry-after"], a.json?.error?.code])).toEqual(
      Array.from({ length: 20 }, () => [503, "2", "unavailable"]),
    )
  })

  it("full account - JetStream account limit (max_file 1 MB): the number of 202s equals the number of stored messages", async () => {
    const account =
      "accounts { APP { jetstream { max_file: 1MB, max_mem: 1MB }, users: [{ user: app, password: pw }] } }\nno_auth_user: app"
    const nats = res.track(await startNatsServer(account), (n) => n.dispose())
    // Delivery records off: 1 MB cannot hold DAGNATS_DELIVERIES's reservation (serve refuses to start
    // with one line saying so, which is not what this test is about).
    const serve = await res.serveOn(nats, { DAGNATS_DELIVERIES: "off" })
    const nc = res.track(await connect({ servers: nats.url }), (c) => c.close())
    const jsm = await jetstreamManager(nc)
    await webhookTrigger(nc, "hook", { secrets: [SECRET] })
    const { accepted, refusals, messages } = await flood(serve.baseUrl, 2_000)
    expect(messages).toEqual(["JetStream refused the message: resource limits exceeded for account; retry later"])
    const stored = (await jsm.streams.info("EVENTS")).state.messages
    expect(stored).toBeGreaterThan(0)
    expect(refusals.length).toBeGreaterThan(0)
    expect(accepted).toBe(stored)
    for (const r of refusals) expect(r).toEqual({ retryAfter: "2", code: "unavailable" })
  })

  for (const [title, limits] of [
    ["max_msgs 50 with discard new", { max_msgs: 50 }],
    ["max_bytes 16 KB with discard new", { max_bytes: 16 * 1024 }],
  ] as const) {
    it(`full stream - ${title}: the number of 202s equals the number of stored messages; the rest 503 with Retry-After`, async () => {
      const nats = await res.natsServer()
      const { nc, jsm } = await limitedEvents(nats.url, limits)
      res.track(nc, (c) => c.close())
      const serve = await res.serveOn(nats)
      await webhookTrigger(nc, "hook", { secrets: [SECRET] })

      const { accepted, statuses, refusals } = await flood(serve.baseUrl)
      const stored = (await jsm.streams.info("EVENTS")).state.messages
      expect(stored).toBeGreaterThan(0)
      expect(stored).toBeLessThan(REQUESTS)
      expect(accepted).toBe(stored)
      expect(statuses.filter((s) => s !== 202 && s !== 503)).toEqual([])
      expect(refusals.length).toBe(REQUESTS - stored)
      for (const r of refusals) expect(r).toEqual({ retryAfter: "2", code: "unavailable" })
      expect(serve.child.exitCode).toBeNull()
    })
  }
})
