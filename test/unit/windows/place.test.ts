// Proves where a window reads its events back and whose consumer it waits on: EVENTS and the
// evaluator's consumer, a source stream and dagnats's consumer there, a KV bucket's change decoded as
// its change record within the trigger's ops, and a window opened before its trigger moved elsewhere
// still reading from the stream its epoch names.
import { describe, expect, test } from "vitest"
import { placeOf, placeOfWindow, placeSubject } from "../../../src/windows/place.js"
import type { StoredTrigger } from "../../../src/domain/trigger.js"
import type { StoredMessage } from "../../../src/nats/stream-messages.js"

const at = "2026-01-01T00:00:00.000Z"
const trigger = (t: Partial<StoredTrigger>): StoredTrigger =>
  ({
    name: "t",
    workflow: "w",
    type: "event",
    subject: "event.x",
    enabled: true,
    created_at: at,
    updated_at: at,
    revision: 1,
    ...t,
  }) as StoredTrigger
const onEvents = trigger({})
const onOrders = trigger({ subject: "orders.*", source: { stream: "ORDERS" } })
const onConfig = trigger({ subject: "flags.>", source: { kv: "config", ops: ["delete"] } })

const stored = (subject: string, seq: number, data: string, headers: Record<string, string> = {}): StoredMessage => ({
  subject,
  seq,
  data: new TextEncoder().encode(data),
  storedAtMs: 0,
  header: (name) => headers[name],
  headers: () => Object.entries(headers).map(([k, v]) => [k, [v]] as const),
})

describe("windows place", () => {
  test("windows place - a trigger on EVENTS, on a stream, on a bucket: its stream, consumer and subject pattern", () => {
    expect([placeOf(onEvents).stream, placeOf(onEvents).consumer, placeSubject(onEvents)]).toStrictEqual([
      "EVENTS",
      "dagnats-evaluator",
      "event.x",
    ])
    expect([placeOf(onOrders).stream, placeOf(onOrders).consumer, placeSubject(onOrders)]).toStrictEqual([
      "ORDERS",
      "dagnats-source-ORDERS",
      "orders.*",
    ])
    expect([placeOf(onConfig).stream, placeOf(onConfig).consumer, placeSubject(onConfig)]).toStrictEqual([
      "KV_config",
      "dagnats-source-KV_config",
      "$KV.config.flags.>",
    ])
    expect(placeOf(undefined).stream).toBe("EVENTS")
  })

  test("windows place - a stored KV change decodes as its change record, and an operation the trigger does not take as no event", () => {
    const place = placeOf(onConfig)
    expect(place.decode(stored("$KV.config.flags.dark", 7, "", { "KV-Operation": "DEL" }))).toStrictEqual({
      ok: true,
      payload: { bucket: "config", key: "flags.dark", op: "delete", revision: 7 },
    })
    expect(place.decode(stored("$KV.config.flags.dark", 6, '{"on":true}'))).toStrictEqual({
      ok: false,
      error: "a KV put, which the trigger does not take",
    })
    expect(placeOf(onOrders).decode(stored("orders.1", 3, '{"id":1}'))).toStrictEqual({ ok: true, payload: { id: 1 } })
  })

  test("windows place - a window reads from the stream its epoch names, whatever its trigger reads now", () => {
    expect(placeOfWindow("20260101000000", onEvents).stream).toBe("EVENTS")
    expect(placeOfWindow("ORDERS:20260101000000", onOrders).consumer).toBe("dagnats-source-ORDERS")
    expect(placeOfWindow("20260101000000", onOrders).stream).toBe("EVENTS")
    expect(placeOfWindow(undefined, onOrders).stream).toBe("EVENTS")
    expect(placeOfWindow("ORDERS:20260101000000", onEvents).stream).toBe("ORDERS")
    // A bucket's window whose trigger moved away: every operation is read back as it was absorbed.
    const kv = placeOfWindow("KV_config:20260101000000", onEvents)
    expect([kv.stream, kv.decode(stored("$KV.config.a", 2, '"v"'))]).toStrictEqual([
      "KV_config",
      { ok: true, payload: { bucket: "config", key: "a", op: "put", revision: 2, value: "v" } },
    ])
  })
})
