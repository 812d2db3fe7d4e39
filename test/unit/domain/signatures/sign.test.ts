// Proves `sign` returns the headers each provider itself sends, and refuses unusable secrets.
import { describe, it, expect } from "vitest"
import {
  schemes,
  SchemeNames,
  InvalidSigningSecret,
  headerLookupFrom,
} from "../../../../src/domain/signatures/index.js"
import { BODY, NOW_MS, fixtures } from "./fixtures.js"

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

describe("signatures - sign", () => {
  it("signatures - each scheme signs with exactly the provider's header names", () => {
    const names = Object.fromEntries(
      fixtures.map((f) => [
        f.scheme,
        Object.keys(schemes[f.scheme].sign({ rawBody: BODY, secret: f.secret, nowMs: NOW_MS })).sort(),
      ]),
    )
    expect(names).toEqual({
      "hmac-sha256": ["X-Signature-256"],
      github: ["X-GitHub-Delivery", "X-Hub-Signature-256"],
      stripe: ["Stripe-Signature"],
      slack: ["X-Slack-Request-Timestamp", "X-Slack-Signature"],
      standard: ["webhook-id", "webhook-signature", "webhook-timestamp"],
      shopify: ["X-Shopify-Hmac-Sha256", "X-Shopify-Webhook-Id"],
      gitlab: ["X-Gitlab-Event-UUID", "X-Gitlab-Token"],
    })
  })

  it("signatures - timestamps are whole seconds from nowMs", () => {
    const nowMs = 1_700_000_000_999
    expect(schemes.slack.sign({ rawBody: BODY, secret: "s", nowMs })["X-Slack-Request-Timestamp"]).toBe("1700000000")
    expect(schemes.stripe.sign({ rawBody: BODY, secret: "s", nowMs })["Stripe-Signature"]).toMatch(
      /^t=1700000000,v1=[0-9a-f]{64}$/,
    )
    const standard = schemes.standard.sign({ rawBody: BODY, secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", nowMs })
    expect(standard["webhook-timestamp"]).toBe("1700000000")
    expect(standard["webhook-signature"]).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/)
  })

  it("signatures - a given delivery id is sent in the scheme's delivery header", () => {
    const req = { rawBody: BODY, nowMs: NOW_MS, deliveryId: "delivery-1" }
    expect(schemes["hmac-sha256"].sign({ ...req, secret: "s" })["Idempotency-Key"]).toBe("delivery-1")
    expect(schemes.github.sign({ ...req, secret: "s" })["X-GitHub-Delivery"]).toBe("delivery-1")
    expect(schemes.standard.sign({ ...req, secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" })["webhook-id"]).toBe(
      "delivery-1",
    )
    expect(schemes.shopify.sign({ ...req, secret: "s" })["X-Shopify-Webhook-Id"]).toBe("delivery-1")
    expect(schemes.gitlab.sign({ ...req, secret: "s" })["X-Gitlab-Event-UUID"]).toBe("delivery-1")
  })

  it("signatures - schemes whose provider always sends a delivery id generate one", () => {
    const req = { rawBody: BODY, nowMs: NOW_MS, secret: "s" }
    expect(schemes.github.sign(req)["X-GitHub-Delivery"]).toMatch(UUID)
    expect(schemes.shopify.sign(req)["X-Shopify-Webhook-Id"]).toMatch(UUID)
    expect(schemes.gitlab.sign(req)["X-Gitlab-Event-UUID"]).toMatch(UUID)
    const a = schemes.standard.sign({ ...req, secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" })["webhook-id"]
    const b = schemes.standard.sign({ ...req, secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" })["webhook-id"]
    expect(a).toMatch(/^msg_[0-9a-f]{32}$/)
    expect(a).not.toBe(b)
  })

  it("signatures - the delivery id a scheme signs with is the one it extracts", () => {
    for (const scheme of ["hmac-sha256", "github", "standard", "shopify", "gitlab"] as const) {
      const f = fixtures.find((x) => x.scheme === scheme)
      const headers = schemes[scheme].sign({
        rawBody: BODY,
        secret: f?.secret ?? "",
        nowMs: NOW_MS,
        deliveryId: "same-id",
      })
      expect(schemes[scheme].deliveryId(headerLookupFrom(headers), undefined)).toBe("same-id")
    }
  })

  it("signatures - the gitlab token header is the secret itself", () => {
    expect(schemes.gitlab.sign({ rawBody: BODY, secret: "tok", nowMs: NOW_MS })["X-Gitlab-Token"]).toBe("tok")
  })

  for (const scheme of SchemeNames) {
    it(`signatures - ${scheme} refuses to sign with an empty secret`, () => {
      expect(() => schemes[scheme].sign({ rawBody: BODY, secret: "", nowMs: NOW_MS })).toThrow(InvalidSigningSecret)
    })
  }

  it("signatures - standard refuses to sign with a secret that is not base64", () => {
    for (const secret of ["whsec_", "whsec_not base64!", "plain-text-secret"]) {
      let caught: unknown
      try {
        schemes.standard.sign({ rawBody: BODY, secret, nowMs: NOW_MS })
      } catch (error) {
        caught = error
      }
      expect(caught).toBeInstanceOf(InvalidSigningSecret)
      expect(caught).toMatchObject({ _tag: "InvalidSigningSecret", scheme: "standard" })
      expect((caught as InvalidSigningSecret).message).toMatch(/must be base64/)
    }
  })
})
