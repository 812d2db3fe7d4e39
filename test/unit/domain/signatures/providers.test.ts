// Proves interoperability with the providers' own libraries: their signatures verify here, and ours verify there.
import { describe, it, expect, afterEach, vi } from "vitest"
import { sign as octokitSign, verify as octokitVerify } from "@octokit/webhooks-methods"
import Stripe from "stripe"
import { Webhook as StandardWebhook } from "standardwebhooks"
import { Webhook as SvixWebhook } from "svix"
import { schemes } from "../../../../src/domain/signatures/index.js"
import { NOW_MS, verifyWith } from "./fixtures.js"

const PAYLOAD = '{"id":"evt_1Nx","object":"event","type":"push","data":{"text":"héllo ✓"}}'
const BODY = Buffer.from(PAYLOAD)
const NOW_S = NOW_MS / 1000

afterEach(() => {
  vi.useRealTimers()
})

/** The standardwebhooks and svix verifiers read Date.now(); pin it to our fixed clock. */
const pinClock = () => {
  vi.useFakeTimers({ toFake: ["Date"] })
  vi.setSystemTime(NOW_MS)
}

describe("signatures - GitHub's @octokit/webhooks-methods", () => {
  const secret = "octokit secret"

  it("signatures - github and the default scheme verify a signature made by octokit", async () => {
    const signature = await octokitSign(secret, PAYLOAD)
    expect(verifyWith("github", { "X-Hub-Signature-256": signature }, [secret], { body: BODY })).toEqual({ ok: true })
    expect(verifyWith("hmac-sha256", { "X-Signature-256": signature }, [secret], { body: BODY })).toEqual({ ok: true })
  })

  it("signatures - octokit verifies a github signature made here", async () => {
    const headers = schemes.github.sign({ rawBody: BODY, secret, nowMs: NOW_MS })
    expect(await octokitVerify(secret, PAYLOAD, headers["X-Hub-Signature-256"] ?? "")).toBe(true)
    expect(await octokitVerify("wrong", PAYLOAD, headers["X-Hub-Signature-256"] ?? "")).toBe(false)
  })
})

describe("signatures - Stripe's stripe-node", () => {
  const stripe = new Stripe("sk_test_x")
  const secret = "whsec_stripe_test_secret"

  it("signatures - stripe verifies a header made by generateTestHeaderString", () => {
    const header = stripe.webhooks.generateTestHeaderString({ payload: PAYLOAD, secret, timestamp: NOW_S })
    expect(verifyWith("stripe", { "Stripe-Signature": header }, [secret], { body: BODY })).toEqual({ ok: true })
  })

  it("signatures - stripe rejects a stripe-node header older than the tolerance", () => {
    const header = stripe.webhooks.generateTestHeaderString({ payload: PAYLOAD, secret, timestamp: NOW_S - 301 })
    expect(verifyWith("stripe", { "Stripe-Signature": header }, [secret], { body: BODY })).toEqual({
      ok: false,
      reason: "timestamp outside tolerance",
    })
  })

  it("signatures - stripe-node's constructEvent accepts a header signed here", () => {
    const headers = schemes.stripe.sign({ rawBody: BODY, secret, nowMs: NOW_MS })
    const event = stripe.webhooks.constructEvent(
      BODY,
      headers["Stripe-Signature"] ?? "",
      secret,
      undefined,
      undefined,
      NOW_MS,
    )
    expect(event.id).toBe("evt_1Nx")
    expect(() =>
      stripe.webhooks.constructEvent(
        BODY,
        headers["Stripe-Signature"] ?? "",
        "whsec_other",
        undefined,
        undefined,
        NOW_MS,
      ),
    ).toThrow()
  })
})

describe("signatures - the Standard Webhooks reference library", () => {
  const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

  it("signatures - standard verifies a signature made by standardwebhooks", () => {
    const signature = new StandardWebhook(secret).sign("msg_p5jXN8AQM9LWM0D4loKWxJek", new Date(NOW_MS), PAYLOAD)
    const headers = {
      "webhook-id": "msg_p5jXN8AQM9LWM0D4loKWxJek",
      "webhook-timestamp": String(NOW_S),
      "webhook-signature": signature,
    }
    expect(verifyWith("standard", headers, [secret], { body: BODY })).toEqual({ ok: true })
  })

  it("signatures - standardwebhooks verifies headers signed here", () => {
    const headers = schemes.standard.sign({ rawBody: BODY, secret, nowMs: NOW_MS, deliveryId: "msg_1" })
    pinClock()
    expect(new StandardWebhook(secret).verify(PAYLOAD, headers)).toEqual(JSON.parse(PAYLOAD))
    expect(() =>
      new StandardWebhook(`whsec_${Buffer.alloc(24, 9).toString("base64")}`).verify(PAYLOAD, headers),
    ).toThrow()
  })

  it("signatures - standard and standardwebhooks agree on a secret without the whsec_ prefix", () => {
    const bare = "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    const headers = schemes.standard.sign({ rawBody: BODY, secret: bare, nowMs: NOW_MS })
    pinClock()
    expect(new StandardWebhook(bare).verify(PAYLOAD, headers)).toEqual(JSON.parse(PAYLOAD))
  })
})

describe("signatures - the Svix library", () => {
  const secret = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD"

  it("signatures - standard verifies svix- headers made by svix", () => {
    const signature = new SvixWebhook(secret).sign("msg_svix_1", new Date(NOW_MS), PAYLOAD)
    const headers = { "svix-id": "msg_svix_1", "svix-timestamp": String(NOW_S), "svix-signature": signature }
    expect(verifyWith("standard", headers, [secret], { body: BODY })).toEqual({ ok: true })
  })

  it("signatures - svix verifies our headers under svix- names", () => {
    const ours = schemes.standard.sign({ rawBody: BODY, secret, nowMs: NOW_MS })
    const headers = {
      "svix-id": ours["webhook-id"] ?? "",
      "svix-timestamp": ours["webhook-timestamp"] ?? "",
      "svix-signature": ours["webhook-signature"] ?? "",
    }
    pinClock()
    expect(new SvixWebhook(secret).verify(PAYLOAD, headers)).toEqual(JSON.parse(PAYLOAD))
  })
})
