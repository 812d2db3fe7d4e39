// Proves a JetStream publish reply reads as stored only when it is a real PubAck: an error reply is a
// failure whatever else it carries, and a sequence of 0 (or none) is never taken for a stored message.
import { describe, expect, it } from "vitest"
import { PublishFailed, decodeAckReply } from "../../../src/nats/jetstream-publisher.js"

const bytes = (v: unknown) => new TextEncoder().encode(typeof v === "string" ? v : JSON.stringify(v))

describe("publish ack decoding", () => {
  it("publish ack - a PubAck with stream and seq > 0 is stored", () => {
    expect(decodeAckReply(bytes({ stream: "EVENTS", seq: 7 }), undefined)).toEqual({
      stream: "EVENTS",
      seq: 7,
      duplicate: false,
    })
    expect(decodeAckReply(bytes({ stream: "EVENTS", seq: 7, duplicate: true }), undefined)).toEqual({
      stream: "EVENTS",
      seq: 7,
      duplicate: true,
    })
  })

  it("publish ack - an error reply that also carries stream and seq 0 is a failure (maximum messages exceeded)", () => {
    const r = decodeAckReply(
      bytes({
        stream: "EVENTS",
        seq: 0,
        error: { code: 503, err_code: 10077, description: "maximum messages exceeded" },
      }),
      undefined,
    )
    expect(r).toBeInstanceOf(PublishFailed)
    expect((r as PublishFailed).message).toBe("JetStream refused the message: maximum messages exceeded")
    expect((r as PublishFailed).reason).toBe("api_error")
  })

  it("publish ack - a conditional publish refused because its subject holds a message (10071, 10164) is wrong_last_sequence", () => {
    for (const err_code of [10071, 10164]) {
      const r = decodeAckReply(
        bytes({ error: { code: 400, err_code, description: "wrong last sequence: 1" } }),
        undefined,
      )
      expect(r).toBeInstanceOf(PublishFailed)
      expect((r as PublishFailed).reason).toBe("wrong_last_sequence")
    }
  })

  it("publish ack - the reply of a server out of file storage (nats-server 2.9.10, max_file_store 1MB) is a failure", () => {
    const captured =
      '{"error":{"code":503,"err_code":10023,"description":"insufficient resources"},"stream":"EVENTS","seq":0}'
    const r = decodeAckReply(bytes(captured), undefined)
    expect(r).toBeInstanceOf(PublishFailed)
    expect((r as PublishFailed).message).toBe("JetStream refused the message: insufficient resources")
  })

  it("publish ack - an error reply with a positive seq is still a failure", () => {
    const r = decodeAckReply(
      bytes({ stream: "EVENTS", seq: 12, error: { code: 500, description: "insufficient resources" } }),
      undefined,
    )
    expect(r).toBeInstanceOf(PublishFailed)
    expect((r as PublishFailed).message).toBe("JetStream refused the message: insufficient resources")
  })

  it("publish ack - seq 0, a missing seq, a fractional seq or an empty stream name is not a PubAck", () => {
    for (const reply of [
      { stream: "EVENTS", seq: 0 },
      { stream: "EVENTS" },
      { stream: "EVENTS", seq: 1.5 },
      { stream: "", seq: 3 },
      { seq: 3 },
    ]) {
      const r = decodeAckReply(bytes(reply), undefined)
      expect(r, JSON.stringify(reply)).toBeInstanceOf(PublishFailed)
    }
  })

  it("publish ack - an error without a description names its code; an unreadable error is still a failure", () => {
    expect((decodeAckReply(bytes({ error: { code: 507 } }), undefined) as PublishFailed).message).toBe(
      "JetStream refused the message: error 507",
    )
    expect(
      (decodeAckReply(bytes({ error: "boom", stream: "EVENTS", seq: 4 }), undefined) as PublishFailed).message,
    ).toBe("JetStream refused the message: error ?")
  })

  it("publish ack - a status-only 503 is no_stream; other empty replies and non-JSON are failures", () => {
    expect((decodeAckReply(new Uint8Array(0), 503) as PublishFailed).reason).toBe("no_stream")
    expect(decodeAckReply(new Uint8Array(0), undefined)).toBeInstanceOf(PublishFailed)
    expect(decodeAckReply(bytes("+OK"), undefined)).toBeInstanceOf(PublishFailed)
  })
})
