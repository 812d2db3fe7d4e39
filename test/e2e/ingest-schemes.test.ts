// Proves every signature scheme works end to end over HTTP with requests signed by the providers' own libraries, including refusals and Slack's handshake and form bodies.
import { beforeAll, describe, expect, it } from "vitest"
import { e2eStack } from "../support/e2e-stack.js"
import { randomUUID } from "node:crypto"
import { sign as octokitSign } from "@octokit/webhooks-methods"
import Stripe from "stripe"
import { Webhook as StandardWebhook } from "standardwebhooks"
import { Webhook as SvixWebhook } from "svix"
import { schemes, type SchemeName } from "../../src/domain/signatures/index.js"
import { lastSeq, send, storedEvent, webhookTrigger, DELIVERY_ID } from "./ingest-support.js"

type Signer = (body: string, secret: string, nowMs: number) => Promise<Record<string, string>>

const stripe = new Stripe("sk_test_unused")
const ours =
  (scheme: SchemeName): Signer =>
  async (body, secret, nowMs) =>
    schemes[scheme].sign({ rawBody: Buffer.from(body), secret, nowMs })

interface Case {
  readonly scheme: SchemeName
  readonly secret: string
  readonly wrongSecret: string
  /** Signed by the provider's library where one exists, else by our `sign`. */
  readonly sign: Signer
  readonly signedBy: string
  /** The delivery id the request carries, which must become Nats-Msg-Id. */
  readonly deliveryId?: (headers: Record<string, string>, body: string) => string
}

const headerOf = (name: string) => (h: Record<string, string>) => h[name] ?? ""
const bodyField = (field: string) => (_h: Record<string, string>, body: string) => JSON.parse(body)[field] as string

const cases: ReadonlyArray<Case> = [
  {
    scheme: "hmac-sha256",
    secret: "hmac secret",
    wrongSecret: "other",
    sign: ours("hmac-sha256"),
    signedBy: "dagnats sign",
  },
  {
    scheme: "github",
    secret: "octo secret",
    wrongSecret: "other",
    signedBy: "@octokit/webhooks-methods",
    sign: async (body, secret) => ({
      "X-Hub-Signature-256": await octokitSign(secret, body),
      "X-GitHub-Delivery": randomUUID(),
      "X-GitHub-Event": "push",
    }),
    deliveryId: headerOf("X-GitHub-Delivery"),
  },
  {
    scheme: "stripe",
    secret: "whsec_stripe_test_secret",
    wrongSecret: "whsec_other",
    signedBy: "stripe generateTestHeaderString",
    sign: async (body, secret, nowMs) => ({
      "Stripe-Signature": stripe.webhooks.generateTestHeaderString({
        payload: body,
        secret,
        timestamp: Math.floor(nowMs / 1000),
      }),
    }),
    deliveryId: bodyField("id"),
  },
  {
    scheme: "slack",
    secret: "slack-signing-secret",
    wrongSecret: "other",
    sign: ours("slack"),
    signedBy: "dagnats sign",
    deliveryId: bodyField("event_id"),
  },
  {
    scheme: "standard",
    secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    wrongSecret: `whsec_${Buffer.alloc(24, 7).toString("base64")}`,
    signedBy: "standardwebhooks",
    sign: async (body, secret, nowMs) => {
      const id = `msg_${randomUUID().replaceAll("-", "")}`
      const signature = new StandardWebhook(secret).sign(id, new Date(nowMs), body)
      return { "webhook-id": id, "webhook-timestamp": String(Math.floor(nowMs / 1000)), "webhook-signature": signature }
    },
    deliveryId: headerOf("webhook-id"),
  },
  {
    scheme: "shopify",
    secret: "shpss_app_secret",
    wrongSecret: "other",
    sign: async (body, secret, nowMs) => ({
      ...(await ours("shopify")(body, secret, nowMs)),
      "X-Shopify-Topic": "orders/create",
    }),
    signedBy: "dagnats sign",
    deliveryId: headerOf("X-Shopify-Webhook-Id"),
  },
  {
    scheme: "gitlab",
    secret: "gitlab-token",
    wrongSecret: "other",
    sign: ours("gitlab"),
    signedBy: "dagnats sign",
    deliveryId: headerOf("X-Gitlab-Event-UUID"),
  },
]

/** How old a "stale" request is: twice the 300 s default tolerance. */
const STALE_MS = 600_000

const stack = e2eStack()
const url = (name: string) => `${stack.serve.baseUrl}/v1/webhooks/${name}`
const bodyFor = (scheme: string) =>
  JSON.stringify({
    id: `evt_${randomUUID()}`,
    event_id: `Ev${randomUUID().slice(0, 8)}`,
    type: "ping",
    scheme,
    text: "héllo ✓",
  })
const post = (name: string, body: string, headers: Record<string, string>, contentType = "application/json") =>
  send(url(name), { body, headers: { "Content-Type": contentType, ...headers } })

beforeAll(async () => {
  for (const c of cases) await webhookTrigger(stack.raw.nc, c.scheme, { scheme: c.scheme, secrets: [c.secret] })
  await webhookTrigger(stack.raw.nc, "svix", {
    scheme: "standard",
    secrets: ["whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD"],
  })
  await webhookTrigger(stack.raw.nc, "stripe-lenient", {
    scheme: "stripe",
    secrets: ["whsec_lenient"],
    tolerance: "15m",
  })
})

describe.each(cases)("webhook schemes - $scheme", (c) => {
  it(`webhook schemes - ${c.scheme}: a request signed by ${c.signedBy} is stored (202), byte for byte, under its delivery id`, async () => {
    const body = bodyFor(c.scheme)
    const headers = await c.sign(body, c.secret, Date.now())
    const r = await post(c.scheme, body, headers)
    expect(r.status, r.text).toBe(202)
    const stored = await storedEvent(stack.raw.jsm, r.json.seq)
    expect(stored.data.toString("utf8")).toBe(body)
    expect(stored.subject).toBe(`event.webhook.${c.scheme}`)
    if (c.deliveryId !== undefined) expect(stored.header("Nats-Msg-Id")).toBe(c.deliveryId(headers, body))
    for (const name of schemes[c.scheme].signatureHeaders) expect(stored.header(name), name).toBeUndefined()
  })

  it(`webhook schemes - ${c.scheme}: the wrong secret is 401 signature mismatch`, async () => {
    const body = bodyFor(c.scheme)
    const r = await post(c.scheme, body, await c.sign(body, c.wrongSecret, Date.now()))
    expect(r.status).toBe(401)
    expect(r.json).toEqual({
      error: { code: "invalid_signature", message: "signature mismatch" },
      delivery_id: DELIVERY_ID,
    })
  })

  it(`webhook schemes - ${c.scheme}: no signature headers is 401 missing header`, async () => {
    const r = await post(c.scheme, bodyFor(c.scheme), {})
    expect(r.status).toBe(401)
    expect(r.json.error.message).toBe("missing header")
  })

  if (schemes[c.scheme].signsTimestamp) {
    it(`webhook schemes - ${c.scheme}: a signature older than the 300 s tolerance is 401 timestamp outside tolerance`, async () => {
      const body = bodyFor(c.scheme)
      const r = await post(c.scheme, body, await c.sign(body, c.secret, Date.now() - STALE_MS))
      expect(r.status).toBe(401)
      expect(r.json.error.message).toBe("timestamp outside tolerance")
    })
  }
})

describe("webhook schemes - provider details", () => {
  it("webhook schemes - standard also verifies svix-* headers signed by the svix library", async () => {
    const secret = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD"
    const body = bodyFor("svix")
    const now = Date.now()
    const headers = {
      "svix-id": "msg_svix_e2e",
      "svix-timestamp": String(Math.floor(now / 1000)),
      "svix-signature": new SvixWebhook(secret).sign("msg_svix_e2e", new Date(now), body),
    }
    const r = await post("svix", body, headers)
    expect(r.status, r.text).toBe(202)
    expect((await storedEvent(stack.raw.jsm, r.json.seq)).header("Nats-Msg-Id")).toBe("msg_svix_e2e")
  })

  it("webhook schemes - a trigger's own tolerance applies: 15m accepts a stripe signature 10 minutes old", async () => {
    const body = bodyFor("stripe")
    const header = stripe.webhooks.generateTestHeaderString({
      payload: body,
      secret: "whsec_lenient",
      timestamp: Math.floor((Date.now() - STALE_MS) / 1000),
    })
    expect((await post("stripe-lenient", body, { "Stripe-Signature": header })).status).toBe(202)
    expect((await post("stripe", body, { "Stripe-Signature": header })).status).toBe(401)
  })

  it("webhook schemes - slack url_verification is answered 200 with the challenge and nothing is stored", async () => {
    const before = await lastSeq(stack.raw.jsm)
    const body = JSON.stringify({
      token: "Jhj5dZrVaK7ZwHHjRyZWjbDl",
      challenge: "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
      type: "url_verification",
    })
    const r = await post("slack", body, await ours("slack")(body, "slack-signing-secret", Date.now()))
    expect(r.status).toBe(200)
    expect(r.json).toEqual({
      challenge: "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
      delivery_id: DELIVERY_ID,
    })
    expect(await lastSeq(stack.raw.jsm)).toBe(before)
  })

  it("webhook schemes - slack url_verification still needs a valid signature", async () => {
    const body = JSON.stringify({ challenge: "abc", type: "url_verification" })
    const r = await post("slack", body, await ours("slack")(body, "wrong", Date.now()))
    expect(r.status).toBe(401)
  })

  it("webhook schemes - a slack form-encoded body is stored byte for byte", async () => {
    const body =
      "payload=%7B%22type%22%3A%22block_actions%22%2C%22user%22%3A%7B%22id%22%3A%22U1%22%7D%7D&command=%2Fdeploy&text=h%C3%A9llo+world"
    const headers = await ours("slack")(body, "slack-signing-secret", Date.now())
    const r = await post("slack", body, headers, "application/x-www-form-urlencoded")
    expect(r.status, r.text).toBe(202)
    const stored = await storedEvent(stack.raw.jsm, r.json.seq)
    expect(stored.data.toString("utf8")).toBe(body)
    expect(stored.header("Content-Type")).toBe("application/x-www-form-urlencoded")
  })

  it("webhook schemes - an empty slack form body is 400 invalid_json", async () => {
    const r = await post(
      "slack",
      "",
      await ours("slack")("", "slack-signing-secret", Date.now()),
      "application/x-www-form-urlencoded",
    )
    expect(r.status).toBe(400)
    expect(r.json.error.code).toBe("invalid_json")
  })

  it("webhook schemes - form-encoded bodies are 415 for every scheme but slack", async () => {
    const body = "a=1"
    const r = await post(
      "github",
      body,
      await cases[1]!.sign(body, "octo secret", Date.now()),
      "application/x-www-form-urlencoded",
    )
    expect(r.status).toBe(415)
  })
})
