// Proves which delivery id each scheme extracts (the future Nats-Msg-Id), and that unsafe ids are refused.
import { describe, it, expect } from "vitest"
import { schemes, SchemeNames, headerLookupFrom, type SchemeName } from "../../../../src/domain/signatures/index.js"

const idOf = (scheme: SchemeName, headers: Record<string, string>, body?: unknown) =>
  schemes[scheme].deliveryId(headerLookupFrom(headers), body)

describe("signatures - delivery id", () => {
  const providerHeaders: ReadonlyArray<[string, string]> = [
    ["webhook-id", "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W"],
    ["svix-id", "msg_svix"],
    ["X-GitHub-Delivery", "72d3162e-cc78-11e3-81ab-4c9367dc0958"],
    ["X-Shopify-Webhook-Id", "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043"],
    ["X-Gitlab-Event-UUID", "13792a34-cac6-4fda-95a8-c58e00a3954e"],
    ["Idempotency-Key", "f5e5f430-f57b-4e6e-9fac-d9128cd7232f"],
  ]

  for (const scheme of SchemeNames) {
    for (const [name, value] of providerHeaders) {
      it(`signatures - ${scheme} takes the delivery id from ${name}`, () => {
        expect(idOf(scheme, { [name]: value })).toBe(value)
      })
    }

    it(`signatures - ${scheme} has no delivery id when no header or body field gives one`, () => {
      expect(idOf(scheme, { "Content-Type": "application/json" }, { type: "ping" })).toBeUndefined()
    })
  }

  it("signatures - the first present header wins, in the documented order", () => {
    const all = Object.fromEntries(providerHeaders)
    expect(idOf("hmac-sha256", all)).toBe("msg_2KWPBgLlAfxdpx2AI54pPJ85f4W")
    expect(idOf("github", { "X-GitHub-Delivery": "gh", "Idempotency-Key": "ik" })).toBe("gh")
    expect(idOf("standard", { "svix-id": "svix", "X-Shopify-Webhook-Id": "shop" })).toBe("svix")
  })

  it("signatures - gitlab prefers Idempotency-Key over X-Gitlab-Event-UUID", () => {
    expect(idOf("gitlab", { "X-Gitlab-Event-UUID": "event", "Idempotency-Key": "idem" })).toBe("idem")
    expect(idOf("gitlab", { "X-Gitlab-Event-UUID": "event", "webhook-id": "wh" })).toBe("event")
  })

  it("signatures - stripe falls back to the body's top-level id", () => {
    expect(idOf("stripe", {}, { id: "evt_1NG8Du2eZvKYlo2CUI79vXWy", object: "event" })).toBe(
      "evt_1NG8Du2eZvKYlo2CUI79vXWy",
    )
    expect(idOf("stripe", { "Idempotency-Key": "hdr" }, { id: "evt_1" })).toBe("hdr")
  })

  it("signatures - slack falls back to the body's event_id", () => {
    expect(idOf("slack", {}, { type: "event_callback", event_id: "Ev0PV52K25" })).toBe("Ev0PV52K25")
  })

  it("signatures - only stripe reads id and only slack reads event_id from the body", () => {
    const body = { id: "evt_1", event_id: "Ev1" }
    expect(idOf("slack", {}, { id: "evt_1" })).toBeUndefined()
    expect(idOf("stripe", {}, { event_id: "Ev1" })).toBeUndefined()
    for (const scheme of ["hmac-sha256", "github", "standard", "shopify", "gitlab"] as const) {
      expect(idOf(scheme, {}, body)).toBeUndefined()
    }
  })

  it("signatures - a body id that is not a non-empty top-level string is ignored", () => {
    for (const body of [
      { id: 42 },
      { id: "" },
      { id: null },
      { data: { id: "evt_nested" } },
      ["evt_1"],
      "evt_1",
      null,
      undefined,
    ]) {
      expect(idOf("stripe", {}, body)).toBeUndefined()
    }
    expect(idOf("stripe", {}, JSON.parse('{"__proto__":{"id":"evt_proto"}}'))).toBeUndefined()
  })

  it("signatures - a delivery id longer than 256 characters is refused", () => {
    expect(idOf("github", { "X-GitHub-Delivery": "a".repeat(256) })).toBe("a".repeat(256))
    expect(idOf("github", { "X-GitHub-Delivery": "a".repeat(257) })).toBeUndefined()
    expect(idOf("stripe", {}, { id: `evt_${"a".repeat(300)}` })).toBeUndefined()
  })

  it("signatures - a delivery id with control characters, CR or LF is refused", () => {
    for (const bad of ["abc\r\nNats-Msg-Id: x", "abc\ndef", "tab\there", "nul\u0000", "del\u007f"]) {
      expect(idOf("standard", { "webhook-id": bad })).toBeUndefined()
      expect(idOf("slack", {}, { event_id: bad })).toBeUndefined()
    }
  })

  it("signatures - an unsafe first header does not fall back to a later one", () => {
    expect(idOf("hmac-sha256", { "webhook-id": "bad\nid", "Idempotency-Key": "good" })).toBeUndefined()
    expect(idOf("stripe", { "Idempotency-Key": "x".repeat(300) }, { id: "evt_1" })).toBeUndefined()
  })

  it("signatures - a blank header is skipped", () => {
    expect(idOf("hmac-sha256", { "webhook-id": "", "Idempotency-Key": "good" })).toBe("good")
  })
})
