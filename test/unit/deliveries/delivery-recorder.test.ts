import { describe, expect, test } from "vitest"
import { makeRecorder, type Seen } from "../../../src/deliveries/index.js"

const seen = (id: string, status: number, receivedAtMs: number): Seen => ({
  id,
  receivedAtMs,
  name: "t",
  method: "POST",
  path: "/v1/webhooks/t",
  remoteAddr: "127.0.0.1",
  contentType: "application/json",
  rawHeaders: ["Authorization", "Bearer x"],
  body: new TextEncoder().encode("{}"),
  declaredLength: 2,
  status,
  code: status === 202 ? undefined : "invalid_signature",
  durationMs: 1.23456,
})

const tick = () => new Promise<void>((r) => setImmediate(r))

describe("delivery recorder", () => {
  test("delivery recorder - records go to dagnats.deliveries.{trigger}.{id} with redacted headers; rejected ones over 100 in a second are not published", async () => {
    const published: Array<{ subject: string; record: any }> = []
    const take = (subject: string, data: Uint8Array) =>
      void published.push({ subject, record: JSON.parse(new TextDecoder().decode(data)) })
    const rec = makeRecorder({
      publish: async (subject, data) => take(subject, data),
      send: take,
      nowMs: () => 5_000,
      countSuppressed: () => {},
      countFailures: () => {},
      logFailure: () => {},
    })
    try {
      for (let i = 0; i < 150; i++) rec.record(seen(`R${i}`, 401, 1_000))
      for (let i = 0; i < 3; i++) rec.record(seen(`A${i}`, 202, 1_000))
      await tick()
      expect(published.filter((p) => p.record.response.status === 401)).toHaveLength(100)
      expect(published.filter((p) => p.record.response.status === 202)).toHaveLength(3)
      expect(published[0]).toStrictEqual({
        subject: "dagnats.deliveries.t.R0",
        record: {
          id: "R0",
          received_at: "1970-01-01T00:00:01.000Z",
          trigger: "t",
          request: {
            method: "POST",
            path: "/v1/webhooks/t",
            remote_addr: "127.0.0.1",
            content_type: "application/json",
            size: 2,
            body_sha256: "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a",
            headers: { authorization: "[redacted]" },
          },
          response: { status: 401, code: "invalid_signature", duration_ms: 1.235 },
        },
      })
    } finally {
      rec.close()
    }
    // Closing writes the second's suppressed count.
    await tick()
    expect(published.at(-1)).toStrictEqual({
      subject: "dagnats.deliveries.t.suppressed",
      record: { suppressed: 50, trigger: "t", from: "1970-01-01T00:00:01.000Z", to: "1970-01-01T00:00:02.000Z" },
    })
  })

  test("delivery recorder - a failed publish is counted and logged at most once per 10 s; past 4,096 in flight a record is dropped and counted", async () => {
    let now = 0
    let failures = 0
    const logs: Array<string> = []
    const failing = makeRecorder({
      publish: () => Promise.reject(new Error("no stream")),
      send: () => {},
      nowMs: () => now,
      countSuppressed: () => {},
      countFailures: (n) => void (failures += n),
      logFailure: (m) => void logs.push(m),
    })
    for (let i = 0; i < 3; i++) failing.record(seen(`F${i}`, 202, 0))
    await tick()
    now = 10_000
    failing.record(seen("F3", 202, 0))
    await tick()
    failing.close()
    expect(failures).toBe(4)
    expect(logs).toStrictEqual([
      "3 delivery record(s) not written to DAGNATS_DELIVERIES: no stream",
      "1 delivery record(s) not written to DAGNATS_DELIVERIES: no stream",
    ])

    let dropped = 0
    const stuck = makeRecorder({
      publish: () => new Promise(() => {}),
      send: () => {},
      nowMs: () => 0,
      countSuppressed: () => {},
      countFailures: (n) => void (dropped += n),
      logFailure: () => {},
    })
    for (let i = 0; i < 4_100; i++) stuck.record(seen(`S${i}`, 202, 0))
    stuck.close()
    expect(dropped).toBe(4)
  })
})
