// Proves the schemes agree with the fixed examples the providers publish, byte for byte.
import { describe, it, expect } from "vitest"
import { schemes } from "../../../../src/domain/signatures/index.js"
import { verifyWith } from "./fixtures.js"

// GitHub, "Validating webhook deliveries" → "Testing the webhook payload validation".
const GITHUB_SECRET = "It's a Secret to Everybody"
const GITHUB_PAYLOAD = Buffer.from("Hello, World!")
const GITHUB_SIGNATURE = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"

// Slack, "Verifying requests from Slack": the worked example's secret, timestamp, slash-command
// body and resulting signature (checked: HMAC-SHA256 of `v0:1531420618:<body>` gives it).
const SLACK_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
const SLACK_TIMESTAMP = 1531420618
const SLACK_BODY = Buffer.from(
  "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V" +
    "&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=" +
    "&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN" +
    "&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c",
)
const SLACK_SIGNATURE = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"
const SLACK_HEADERS = { "X-Slack-Signature": SLACK_SIGNATURE, "X-Slack-Request-Timestamp": String(SLACK_TIMESTAMP) }

// Shopify's docs publish no digest, so this vector was produced independently of our code with:
//   printf '%s' '{"id":820982911946154508,"email":"jon@example.com","topic":"orders/create"}' \
//     | openssl dgst -sha256 -hmac 'my_client_secret' -binary | base64
const SHOPIFY_SECRET = "my_client_secret"
const SHOPIFY_BODY = Buffer.from('{"id":820982911946154508,"email":"jon@example.com","topic":"orders/create"}')
const SHOPIFY_HMAC = "NfVu52bqaI3Kdyq1Y4/F6hiNvQNyoxDU/SWN/jPO5LM="

describe("signatures - published vectors", () => {
  it("signatures - github verifies GitHub's published test vector", () => {
    const headers = { "X-Hub-Signature-256": GITHUB_SIGNATURE }
    expect(verifyWith("github", headers, [GITHUB_SECRET], { body: GITHUB_PAYLOAD })).toEqual({ ok: true })
  })

  it("signatures - the default scheme verifies GitHub's vector under both of its header names", () => {
    for (const name of ["X-Signature-256", "X-Hub-Signature-256"]) {
      expect(
        verifyWith("hmac-sha256", { [name]: GITHUB_SIGNATURE }, [GITHUB_SECRET], { body: GITHUB_PAYLOAD }),
      ).toEqual({ ok: true })
    }
  })

  it("signatures - github and the default scheme sign GitHub's vector exactly", () => {
    const req = { rawBody: GITHUB_PAYLOAD, secret: GITHUB_SECRET, nowMs: 0 }
    expect(schemes.github.sign(req)["X-Hub-Signature-256"]).toBe(GITHUB_SIGNATURE)
    expect(schemes["hmac-sha256"].sign(req)["X-Signature-256"]).toBe(GITHUB_SIGNATURE)
  })

  it("signatures - github rejects GitHub's vector with a tampered payload", () => {
    const headers = { "X-Hub-Signature-256": GITHUB_SIGNATURE }
    expect(verifyWith("github", headers, [GITHUB_SECRET], { body: Buffer.from("Hello, World?") })).toEqual({
      ok: false,
      reason: "signature mismatch",
    })
  })

  it("signatures - slack verifies the worked example from Slack's documentation", () => {
    const nowMs = SLACK_TIMESTAMP * 1000 + 1_000
    expect(verifyWith("slack", SLACK_HEADERS, [SLACK_SECRET], { body: SLACK_BODY, nowMs })).toEqual({ ok: true })
  })

  it("signatures - slack signs the worked example exactly", () => {
    const headers = schemes.slack.sign({ rawBody: SLACK_BODY, secret: SLACK_SECRET, nowMs: SLACK_TIMESTAMP * 1000 })
    expect(headers).toEqual(SLACK_HEADERS)
  })

  it("signatures - slack rejects the worked example six minutes later", () => {
    const nowMs = (SLACK_TIMESTAMP + 360) * 1000
    expect(verifyWith("slack", SLACK_HEADERS, [SLACK_SECRET], { body: SLACK_BODY, nowMs })).toEqual({
      ok: false,
      reason: "timestamp outside tolerance",
    })
  })

  it("signatures - shopify verifies an openssl-computed vector", () => {
    const headers = { "X-Shopify-Hmac-Sha256": SHOPIFY_HMAC }
    expect(verifyWith("shopify", headers, [SHOPIFY_SECRET], { body: SHOPIFY_BODY })).toEqual({ ok: true })
  })

  it("signatures - shopify signs the openssl-computed vector exactly", () => {
    const headers = schemes.shopify.sign({ rawBody: SHOPIFY_BODY, secret: SHOPIFY_SECRET, nowMs: 0, deliveryId: "d" })
    expect(headers["X-Shopify-Hmac-Sha256"]).toBe(SHOPIFY_HMAC)
  })
})
