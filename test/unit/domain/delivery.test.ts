import { describe, expect, test } from "vitest"
import { ulid } from "ulid"
import {
  deliveryIdTimeMs,
  deliveryToken,
  isDeliveryId,
  redactedHeaders,
  statusMatches,
  type DeliveryRecord,
} from "../../../src/domain/delivery.js"
import { allSignatureHeaders } from "../../../src/domain/signatures/index.js"

const record = (status: number, code?: string): DeliveryRecord => ({
  id: "01ARZ3NDEKTSV4RRFFQ69G5FAV",
  received_at: "2026-01-01T00:00:00.000Z",
  trigger: "t",
  request: { method: "POST", path: "/v1/webhooks/t", remote_addr: "::1", size: 0, headers: {} },
  response: { status, ...(code !== undefined ? { code } : {}), duration_ms: 1 },
})

describe("delivery records", () => {
  test("delivery - credentials and every scheme's signature header are [redacted]; other headers kept, lowercased, repeats joined", () => {
    const raw = [
      "Authorization",
      "Bearer V-1",
      "Proxy-Authorization",
      "Basic V-2",
      "Cookie",
      "c=V-3",
      "X-Gitlab-Token",
      "V-4",
      ...[...allSignatureHeaders].flatMap((h) => [h.toUpperCase(), "V-5"]),
      "X-Custom",
      "1",
      "x-custom",
      "2",
      "User-Agent",
      "curl",
    ]
    const out = redactedHeaders(raw)
    for (const h of ["authorization", "proxy-authorization", "cookie", "x-gitlab-token", ...allSignatureHeaders])
      expect(out[h], h).toBe("[redacted]")
    expect(out["x-custom"]).toBe("1, 2")
    expect(out["user-agent"]).toBe("curl")
    expect(JSON.stringify(out)).not.toContain("V-")
  })

  test("delivery - the subject token is the path's name when it is a valid trigger name, else _", () => {
    expect(["github", "a_b-1", "x.y", "a*", "", "x".repeat(65), "a/b"].map(deliveryToken)).toStrictEqual([
      "github",
      "a_b-1",
      "_",
      "_",
      "_",
      "_",
      "_",
    ])
  })

  test("delivery - a ULID is a delivery id and its time is the ms it was made at; other strings are not ids", () => {
    const at = 1_765_000_000_123
    const id = ulid(at)
    expect(isDeliveryId(id)).toBe(true)
    expect(deliveryIdTimeMs(id)).toBe(at)
    for (const bad of [
      "",
      "01ARZ3NDEKTSV4RRFFQ69G5FA",
      "81ARZ3NDEKTSV4RRFFQ69G5FAV",
      "01ARZ3NDEKTSV4RRFFQ69G5FAU",
      "x".repeat(26),
    ])
      expect(isDeliveryId(bad), bad).toBe(false)
  })

  test("delivery - status filters: accepted is 2xx, rejected any other, a code matches code, a number the status", () => {
    const r202 = record(202)
    const r401 = record(401, "invalid_signature")
    expect([statusMatches("accepted", r202), statusMatches("accepted", r401)]).toStrictEqual([true, false])
    expect([statusMatches("rejected", r202), statusMatches("rejected", r401)]).toStrictEqual([false, true])
    expect([statusMatches("invalid_signature", r401), statusMatches("invalid_json", r401)]).toStrictEqual([true, false])
    expect([statusMatches("401", r401), statusMatches("404", r401), statusMatches(undefined, r401)]).toStrictEqual([
      true,
      false,
      true,
    ])
  })
})
