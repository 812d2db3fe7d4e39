// Proves the header adapter is case-insensitive over Node's header shapes, and which headers count as signatures.
import { describe, it, expect } from "vitest"
import {
  allSignatureHeaders,
  headerLookupFrom,
  isSchemeName,
  schemes,
  SchemeNames,
} from "../../../../src/domain/signatures/index.js"

describe("signatures - headerLookupFrom", () => {
  it("signatures - header lookup ignores the case of both the stored and the asked name", () => {
    const lookup = headerLookupFrom({ "X-Hub-Signature-256": "sha256=ab", "content-type": "application/json" })
    expect(lookup("x-hub-signature-256")).toBe("sha256=ab")
    expect(lookup("Content-Type")).toBe("application/json")
    expect(lookup("x-missing")).toBeUndefined()
  })

  it("signatures - header lookup takes the first value of an array and skips undefined", () => {
    const lookup = headerLookupFrom({
      "x-forwarded-for": ["10.0.0.1", "10.0.0.2"],
      "x-empty": [],
      "x-undefined": undefined,
    })
    expect(lookup("x-forwarded-for")).toBe("10.0.0.1")
    expect(lookup("x-empty")).toBeUndefined()
    expect(lookup("x-undefined")).toBeUndefined()
  })
})

describe("signatures - allSignatureHeaders", () => {
  it("signatures - every signature or secret header of every scheme is withheld, in lowercase", () => {
    expect([...allSignatureHeaders].sort()).toEqual([
      "stripe-signature",
      "svix-signature",
      "webhook-signature",
      "x-gitlab-token",
      "x-hub-signature",
      "x-hub-signature-256",
      "x-shopify-hmac-sha256",
      "x-signature-256",
      "x-slack-signature",
    ])
  })

  it("signatures - timestamp and delivery-id headers are not withheld", () => {
    for (const name of [
      "x-slack-request-timestamp",
      "webhook-timestamp",
      "webhook-id",
      "x-github-delivery",
      "idempotency-key",
    ]) {
      expect(allSignatureHeaders.has(name)).toBe(false)
    }
  })

  it("signatures - every header a scheme's sign output carries a secret in is withheld", () => {
    const secretBearing = [
      "X-Signature-256",
      "X-Hub-Signature-256",
      "Stripe-Signature",
      "X-Slack-Signature",
      "webhook-signature",
      "X-Shopify-Hmac-Sha256",
      "X-Gitlab-Token",
    ]
    for (const name of secretBearing) expect(allSignatureHeaders.has(name.toLowerCase())).toBe(true)
  })
})

describe("signatures - scheme table", () => {
  it("signatures - the table holds one scheme per name, each knowing its own name", () => {
    for (const name of SchemeNames) expect(schemes[name].name).toBe(name)
    expect(Object.keys(schemes).sort()).toEqual([...SchemeNames].sort())
  })

  it("signatures - exactly stripe, slack and standard sign a timestamp", () => {
    expect(SchemeNames.filter((n) => schemes[n].signsTimestamp)).toEqual(["stripe", "slack", "standard"])
  })

  it("signatures - isSchemeName accepts only the known names", () => {
    expect(SchemeNames.every(isSchemeName)).toBe(true)
    expect(isSchemeName("svix")).toBe(false)
    expect(isSchemeName("")).toBe(false)
  })
})
