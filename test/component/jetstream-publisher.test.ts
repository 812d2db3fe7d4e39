// Proves the JetStream publisher against a real nats-server: a publish resolves only with the stream's
// PubAck (stream and a sequence above 0), a repeated Nats-Msg-Id is the first message's ack marked
// duplicate, every refusal or silence is a typed PublishFailed with its reason, and makePublish turns a
// full stream into Unavailable (503) and a message over max_payload into PayloadTooLarge (413).
// Each test publishes to a stream of its own, so no test sees another's messages.
import { afterAll, beforeAll, describe, expect, test } from "vitest"
import { Effect, Exit, Scope } from "effect"
import { connect } from "@nats-io/transport-node"
import { headers as natsHeaders, type NatsConnection } from "@nats-io/nats-core"
import { DiscardPolicy, jetstreamManager, type JetStreamManager, type StreamConfig } from "@nats-io/jetstream"
import { startNatsServer, type TestNatsServer } from "../support/nats-server.js"
import { makeJetStreamPublisher, PublishFailed, type JetStreamPublisher } from "../../src/nats/jetstream-publisher.js"
import { makePublish } from "../../src/ingest/publish.js"
import { Headers } from "../../src/protocol/names.js"
import type { EventToStore } from "../../src/ingest/pipeline.js"

const encoder = new TextEncoder()
const ACK_TIMEOUT_MS = 5_000

let nats: TestNatsServer
let nc: NatsConnection
let jsm: JetStreamManager
let scope: Scope.Closeable
let publisher: JetStreamPublisher

beforeAll(async () => {
  nats = await startNatsServer()
  nc = await connect({ servers: nats.url })
  jsm = await jetstreamManager(nc)
  scope = Effect.runSync(Scope.make())
  publisher = await Effect.runPromise(Scope.provide(scope)(makeJetStreamPublisher(nc, ACK_TIMEOUT_MS)))
})

afterAll(async () => {
  await Effect.runPromise(Scope.close(scope, Exit.void))
  await nc?.close()
  await nats?.dispose()
})

let streams = 0
/** A stream of this test's own on `pub<n>.>`; returns the subject prefix and the stream name. */
const freshStream = async (config: Partial<StreamConfig> = {}) => {
  const n = ++streams
  const name = `PUB_${n}`
  await jsm.streams.add({ name, subjects: [`pub${n}.>`], duplicate_window: 60_000_000_000, ...config })
  return { name, subject: `pub${n}.event` }
}

const withMsgId = (id?: string) => {
  const h = natsHeaders()
  if (id !== undefined) h.set(Headers.msgId, id)
  return h
}

/** The publish's rejection (it must reject). */
const refusal = async (p: Promise<unknown>): Promise<PublishFailed> => {
  const outcome = await p.then(
    (ack) => ({ ack }),
    (e: unknown) => ({ e }),
  )
  if (!("e" in outcome)) throw new Error(`expected a refusal, got ${JSON.stringify(outcome.ack)}`)
  expect(outcome.e).toBeInstanceOf(PublishFailed)
  return outcome.e as PublishFailed
}

describe("jetstream publisher - acks", () => {
  test("jetstream publisher - 5 sends and then a publish in one turn store 6 messages in that order, the publish acked as seq 6", async () => {
    const s = await freshStream()
    for (let i = 1; i <= 5; i++) publisher.send(s.subject, encoder.encode(`{"n":${i}}`), withMsgId())
    const ack = await publisher.publish(s.subject, encoder.encode('{"n":6}'), withMsgId())
    expect(ack).toStrictEqual({ stream: s.name, seq: 6, duplicate: false })
    const stored = await Promise.all([1, 2, 3, 4, 5, 6].map((seq) => jsm.streams.getMessage(s.name, { seq })))
    expect(stored.map((m) => m?.string())).toStrictEqual([1, 2, 3, 4, 5, 6].map((n) => `{"n":${n}}`))
  })

  test("jetstream publisher - two publishes resolve with the stream's name and sequences 1 and 2, not duplicates", async () => {
    const s = await freshStream()
    expect(await publisher.publish(s.subject, encoder.encode('{"n":1}'), withMsgId())).toStrictEqual({
      stream: s.name,
      seq: 1,
      duplicate: false,
    })
    expect(await publisher.publish(s.subject, encoder.encode('{"n":2}'), withMsgId())).toStrictEqual({
      stream: s.name,
      seq: 2,
      duplicate: false,
    })
    const stored = await jsm.streams.getMessage(s.name, { seq: 2 })
    expect(stored?.subject).toBe(s.subject)
    expect(stored?.json()).toStrictEqual({ n: 2 })
  })

  test("jetstream publisher - a repeated Nats-Msg-Id resolves with the first message's sequence marked duplicate; one message is stored", async () => {
    const s = await freshStream()
    const first = await publisher.publish(s.subject, encoder.encode('{"n":1}'), withMsgId("d-1"))
    const again = await publisher.publish(s.subject, encoder.encode('{"n":1}'), withMsgId("d-1"))
    const other = await publisher.publish(s.subject, encoder.encode('{"n":2}'), withMsgId("d-2"))
    expect([first, again, other]).toStrictEqual([
      { stream: s.name, seq: 1, duplicate: false },
      { stream: s.name, seq: 1, duplicate: true },
      { stream: s.name, seq: 2, duplicate: false },
    ])
    expect((await jsm.streams.info(s.name)).state.messages).toBe(2)
  })

  test("jetstream publisher - 20 publishes at once each resolve with their own sequence 1..20", async () => {
    const s = await freshStream()
    const acks = await Promise.all(
      Array.from({ length: 20 }, (_, i) => publisher.publish(s.subject, encoder.encode(`{"i":${i}}`), withMsgId())),
    )
    expect(acks.map((a) => a.seq).sort((a, b) => a - b)).toStrictEqual(Array.from({ length: 20 }, (_, i) => i + 1))
    expect(acks.every((a) => a.stream === s.name && !a.duplicate)).toBe(true)
  })
})

describe("jetstream publisher - refusals are typed, never an ack", () => {
  test("jetstream publisher - a full stream (max_msgs 1, discard new) refuses the second message as api_error naming the limit", async () => {
    const s = await freshStream({ max_msgs: 1, discard: DiscardPolicy.New })
    expect((await publisher.publish(s.subject, encoder.encode("{}"), withMsgId())).seq).toBe(1)
    const e = await refusal(publisher.publish(s.subject, encoder.encode("{}"), withMsgId()))
    expect(e.reason).toBe("api_error")
    expect(e.message).toMatch(/^JetStream refused the message: maximum messages exceeded/)
    expect((await jsm.streams.info(s.name)).state.messages).toBe(1)
  })

  test("jetstream publisher - a wrong expected last sequence is refused as wrong_last_sequence, and nothing is stored", async () => {
    const s = await freshStream()
    const h = withMsgId()
    h.set("Nats-Expected-Last-Sequence", "7")
    const e = await refusal(publisher.publish(s.subject, encoder.encode("{}"), h))
    expect(e.reason).toBe("wrong_last_sequence")
    expect(e.message).toMatch(/^JetStream refused the message: wrong last sequence/)
    expect((await jsm.streams.info(s.name)).state.messages).toBe(0)
  })

  test("jetstream publisher - a subject no stream takes is refused as no_stream", async () => {
    const e = await refusal(publisher.publish("nostream.event", encoder.encode("{}"), withMsgId()))
    expect(e.reason).toBe("no_stream")
    expect(e.message).toBe("no stream accepts the subject (is JetStream enabled?)")
  })

  test("jetstream publisher - a listener that never answers makes the publish fail as timeout after the ack timeout", async () => {
    const silent = nc.subscribe("silent.event")
    const shortScope = Effect.runSync(Scope.make())
    try {
      const quick = await Effect.runPromise(Scope.provide(shortScope)(makeJetStreamPublisher(nc, 300)))
      const e = await refusal(quick.publish("silent.event", encoder.encode("{}"), withMsgId()))
      expect(e.reason).toBe("timeout")
      expect(e.message).toBe("JetStream did not acknowledge within 0.3s")
    } finally {
      silent.unsubscribe()
      await Effect.runPromise(Scope.close(shortScope, Exit.void))
    }
  })

  test("jetstream publisher - failPending rejects a sent publish waiting for its ack, and one still queued for the next turn, at once as not_sent with the given reason", async () => {
    const silent = nc.subscribe("pending.event")
    try {
      const sent = refusal(publisher.publish("pending.event", encoder.encode("{}"), withMsgId()))
      // Sent on the next turn: wait for it to be on the wire.
      await new Promise((resolve) => setImmediate(resolve))
      const queued = refusal(publisher.publish("pending.event", encoder.encode("{}"), withMsgId()))
      publisher.failPending("NATS disconnected before JetStream acknowledged")
      for (const e of [await sent, await queued]) {
        expect(e.reason).toBe("not_sent")
        expect(e.message).toBe("NATS disconnected before JetStream acknowledged")
      }
    } finally {
      silent.unsubscribe()
    }
  })

  test("jetstream publisher - a body over the server's max_payload is refused as too_large with the room left, unsent", async () => {
    const s = await freshStream()
    const maxPayload = nc.info!.max_payload
    const e = await refusal(publisher.publish(s.subject, new Uint8Array(maxPayload), withMsgId("big")))
    expect(e.reason).toBe("too_large")
    expect(e.maxBodyBytes).toBeGreaterThan(maxPayload - 200)
    expect(e.maxBodyBytes).toBeLessThan(maxPayload)
    expect((await jsm.streams.info(s.name)).state.messages).toBe(0)
  })
})

describe("jetstream publisher - makePublish's typed failures", () => {
  const event = (subject: string, body: Uint8Array): EventToStore => ({
    subject,
    body,
    contentType: "application/json",
    trigger: "t",
    headers: [],
    msgId: undefined,
    deliveryId: undefined,
  })
  const connected = { connected: () => true }
  const observed: Array<number> = []
  const publish = () => makePublish(publisher, connected, (s) => void observed.push(s))

  test("jetstream publisher - makePublish stores the event with its content type and trigger headers", async () => {
    const s = await freshStream()
    const stored = await Effect.runPromise(publish()(event(s.subject, encoder.encode('{"a":1}'))))
    expect(stored).toStrictEqual({ stream: s.name, seq: 1, duplicate: false })
    const m = await jsm.streams.getMessage(s.name, { seq: 1 })
    expect(m?.header.get(Headers.contentType)).toBe("application/json")
    expect(m?.header.get(Headers.trigger)).toBe("t")
    expect(m?.json()).toStrictEqual({ a: 1 })
  })

  test("jetstream publisher - a full stream is Unavailable (503) with JetStream's reason and 'retry later'", async () => {
    const s = await freshStream({ max_msgs: 1, discard: DiscardPolicy.New })
    await Effect.runPromise(publish()(event(s.subject, encoder.encode("{}"))))
    const exit = await Effect.runPromiseExit(publish()(event(s.subject, encoder.encode("{}"))))
    const error = Exit.isFailure(exit) ? exit.cause.reasons.find((r) => r._tag === "Fail")?.error : undefined
    expect(error?._tag).toBe("Unavailable")
    expect(error?.message).toMatch(/^JetStream refused the message: maximum messages exceeded.*; retry later$/)
  })

  test("jetstream publisher - a body over max_payload is PayloadTooLarge (413), not Unavailable", async () => {
    const s = await freshStream()
    const exit = await Effect.runPromiseExit(publish()(event(s.subject, new Uint8Array(nc.info!.max_payload))))
    const error = Exit.isFailure(exit) ? exit.cause.reasons.find((r) => r._tag === "Fail")?.error : undefined
    expect(error?._tag).toBe("PayloadTooLarge")
  })

  test("jetstream publisher - while disconnected makePublish fails Unavailable at once and sends nothing", async () => {
    const s = await freshStream()
    const down = makePublish(publisher, { connected: () => false }, () => undefined)
    const exit = await Effect.runPromiseExit(down(event(s.subject, encoder.encode("{}"))))
    const error = Exit.isFailure(exit) ? exit.cause.reasons.find((r) => r._tag === "Fail")?.error : undefined
    expect(error).toMatchObject({ _tag: "Unavailable", message: "NATS is disconnected; retry later" })
    expect((await jsm.streams.info(s.name)).state.messages).toBe(0)
  })
})
