// Proves every scheme's verification contract: a signed request passes, and each way of breaking it fails with the exact reason, in the documented order.
import { createHmac } from "node:crypto"
import { describe, it, expect } from "vitest"
import { schemes, SchemeNames, DEFAULT_TOLERANCE_MS } from "../../../../src/domain/signatures/index.js"
import { BODY, NOW_MS, fixtures, signWith, verifyWith, without } from "./fixtures.js"

const MISMATCH = { ok: false, reason: "signature mismatch" }
const OUTSIDE = { ok: false, reason: "timestamp outside tolerance" }

describe("signatures - fixtures", () => {
  it("signatures - every scheme has a fixture", () => {
    expect(fixtures.map((f) => f.scheme).sort()).toEqual([...SchemeNames].sort())
  })

  it("signatures - the default tolerance is five minutes", () => {
    expect(DEFAULT_TOLERANCE_MS).toBe(300_000)
  })
})

for (const f of fixtures) {
  const scheme = f.scheme
  const signed = () => signWith(scheme, f.secret)
  const verify = (headers: Record<string, string>, options: Parameters<typeof verifyWith>[3] = {}) =>
    verifyWith(scheme, headers, [f.secret], options)

  describe(`signatures - ${scheme}`, () => {
    it(`signatures - ${scheme} accepts a request it signed`, () => {
      expect(verify(signed())).toEqual({ ok: true })
    })

    it(`signatures - ${scheme} reads header names case-insensitively`, () => {
      const upper = Object.fromEntries(Object.entries(signed()).map(([k, v]) => [k.toUpperCase(), v]))
      expect(verify(upper)).toEqual({ ok: true })
    })

    it(`signatures - ${scheme} accepts the second of two secrets`, () => {
      const headers = signWith(scheme, f.otherSecret)
      expect(verify(headers, { secrets: [f.secret, f.otherSecret] })).toEqual({ ok: true })
      expect(verify(signed(), { secrets: [f.secret, f.otherSecret] })).toEqual({ ok: true })
    })

    it(`signatures - ${scheme} rejects the wrong secret as a signature mismatch`, () => {
      expect(verify(signWith(scheme, f.otherSecret))).toEqual(MISMATCH)
    })

    it(`signatures - ${scheme} rejects any request when given no secret`, () => {
      expect(verify(signed(), { secrets: [] })).toEqual(MISMATCH)
    })

    it(`signatures - ${scheme} never verifies with an empty secret`, () => {
      expect(verify(signed(), { secrets: [""] })).toEqual(MISMATCH)
    })

    it(`signatures - ${scheme} rejects a signature of the wrong length as a mismatch, without throwing`, () => {
      expect(verify(f.wrongLength(signed()))).toEqual(MISMATCH)
    })

    for (const name of f.required) {
      it(`signatures - ${scheme} reports a missing ${name} header`, () => {
        expect(verify(without(signed(), name))).toEqual({ ok: false, reason: "missing header" })
      })

      it(`signatures - ${scheme} treats a blank ${name} header as missing`, () => {
        expect(verify({ ...signed(), [name]: "  " })).toEqual({ ok: false, reason: "missing header" })
      })
    }

    for (const { what, change } of f.malformed) {
      it(`signatures - ${scheme} reports a header with ${what} as bad format`, () => {
        expect(verify(change(signed()))).toEqual({ ok: false, reason: "bad format" })
      })
    }

    if (schemes[scheme].signsTimestamp) {
      it(`signatures - ${scheme} rejects a tampered body as a signature mismatch`, () => {
        expect(verify(signed(), { body: Buffer.from(`${BODY.toString()} `) })).toEqual(MISMATCH)
      })

      it(`signatures - ${scheme} rejects a timestamp older than the tolerance`, () => {
        expect(verify(signWith(scheme, f.secret, NOW_MS - 301_000))).toEqual(OUTSIDE)
      })

      it(`signatures - ${scheme} rejects a timestamp further in the future than the tolerance`, () => {
        expect(verify(signWith(scheme, f.secret, NOW_MS + 301_000))).toEqual(OUTSIDE)
      })

      it(`signatures - ${scheme} accepts timestamps exactly at either edge of the tolerance`, () => {
        expect(verify(signWith(scheme, f.secret, NOW_MS - 300_000))).toEqual({ ok: true })
        expect(verify(signWith(scheme, f.secret, NOW_MS + 300_000))).toEqual({ ok: true })
      })

      it(`signatures - ${scheme} honours a custom tolerance`, () => {
        const aMinuteOld = signWith(scheme, f.secret, NOW_MS - 60_000)
        expect(verify(aMinuteOld, { toleranceMs: 30_000 })).toEqual(OUTSIDE)
        expect(verify(aMinuteOld, { toleranceMs: 90_000 })).toEqual({ ok: true })
        const anHourOld = signWith(scheme, f.secret, NOW_MS - 3_600_000)
        expect(verify(anHourOld, { toleranceMs: 7_200_000 })).toEqual({ ok: true })
      })

      it(`signatures - ${scheme} checks the timestamp before the signature`, () => {
        expect(verify(signWith(scheme, f.otherSecret, NOW_MS - 301_000))).toEqual(OUTSIDE)
      })

      for (const { what, change } of f.malformed) {
        it(`signatures - ${scheme} reports bad format before a stale timestamp (${what})`, () => {
          expect(verify(change(signWith(scheme, f.secret, NOW_MS - 301_000)))).toEqual({
            ok: false,
            reason: "bad format",
          })
        })
      }
    } else if (scheme !== "gitlab") {
      it(`signatures - ${scheme} rejects a tampered body as a signature mismatch`, () => {
        expect(verify(signed(), { body: Buffer.from(`${BODY.toString()} `) })).toEqual(MISMATCH)
      })

      it(`signatures - ${scheme} signs no timestamp, so an old signature stays valid`, () => {
        expect(verify(signWith(scheme, f.secret, NOW_MS - 86_400_000))).toEqual({ ok: true })
      })
    }
  })
}

describe("signatures - reason order", () => {
  it("signatures - slack reports a missing timestamp before a malformed signature", () => {
    const headers = { "X-Slack-Signature": "not-a-signature" }
    expect(verifyWith("slack", headers, ["secret"])).toEqual({ ok: false, reason: "missing header" })
  })

  it("signatures - standard reports a missing id before a malformed signature", () => {
    const headers = { "webhook-timestamp": "1700000000", "webhook-signature": "garbage" }
    expect(verifyWith("standard", headers, ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"])).toEqual({
      ok: false,
      reason: "missing header",
    })
  })

  it("signatures - no failure reason ever contains the expected signature", () => {
    for (const f of fixtures) {
      const result = verifyWith(f.scheme, signWith(f.scheme, f.otherSecret), [f.secret])
      expect(Object.keys(result).sort()).toEqual(["ok", "reason"])
    }
  })
})

describe("signatures - scheme specifics", () => {
  it("signatures - hmac-sha256 also accepts X-Hub-Signature-256", () => {
    const headers = signWith("hmac-sha256", "k")
    const renamed = { "X-Hub-Signature-256": headers["X-Signature-256"] ?? "" }
    expect(verifyWith("hmac-sha256", renamed, ["k"])).toEqual({ ok: true })
  })

  it("signatures - github does not accept the default scheme's X-Signature-256", () => {
    const headers = signWith("hmac-sha256", "k")
    expect(verifyWith("github", headers, ["k"])).toEqual({ ok: false, reason: "missing header" })
  })

  it("signatures - hex digests are compared as bytes, so uppercase hex verifies", () => {
    const headers = signWith("github", "k")
    const upper = { "X-Hub-Signature-256": `sha256=${(headers["X-Hub-Signature-256"] ?? "").slice(7).toUpperCase()}` }
    expect(verifyWith("github", upper, ["k"])).toEqual({ ok: true })
  })

  it("signatures - stripe accepts any of several v1 signatures and ignores v0", () => {
    const good = signWith("stripe", "whsec_a")["Stripe-Signature"] ?? ""
    const t = good.slice(2, good.indexOf(","))
    const v1 = good.slice(good.indexOf("v1="))
    const header = `t=${t},v0=${"00".repeat(32)},v1=${"11".repeat(32)},${v1}`
    expect(verifyWith("stripe", { "Stripe-Signature": header }, ["whsec_a"])).toEqual({ ok: true })
  })

  it("signatures - stripe keys the HMAC with the whsec_ secret as given, not base64-decoded", () => {
    const headers = signWith("stripe", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
    expect(verifyWith("stripe", headers, ["MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"])).toEqual(MISMATCH)
  })

  it("signatures - stripe rejects a header with two t= values as bad format", () => {
    const header = `t=1700000000,${signWith("stripe", "whsec_a")["Stripe-Signature"] ?? ""}`
    expect(verifyWith("stripe", { "Stripe-Signature": header }, ["whsec_a"])).toEqual({
      ok: false,
      reason: "bad format",
    })
  })

  it("signatures - standard accepts a space-separated list and skips other versions", () => {
    const headers = signWith("standard", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
    const list = `v1a,${Buffer.alloc(64).toString("base64")} v1,${Buffer.alloc(32).toString("base64")} ${headers["webhook-signature"] ?? ""}`
    expect(
      verifyWith("standard", { ...headers, "webhook-signature": list }, ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"]),
    ).toEqual({ ok: true })
  })

  it("signatures - standard accepts the svix- header names", () => {
    const h = signWith("standard", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
    const svix = {
      "svix-id": h["webhook-id"] ?? "",
      "svix-timestamp": h["webhook-timestamp"] ?? "",
      "svix-signature": h["webhook-signature"] ?? "",
    }
    expect(verifyWith("standard", svix, ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"])).toEqual({ ok: true })
  })

  it("signatures - standard base64-decodes a secret without the whsec_ prefix too", () => {
    const headers = signWith("standard", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
    expect(verifyWith("standard", headers, ["MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"])).toEqual({ ok: true })
  })

  it("signatures - standard skips a secret that is not base64 and still tries the next", () => {
    const headers = signWith("standard", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
    expect(verifyWith("standard", headers, ["whsec_not base64!"])).toEqual(MISMATCH)
    expect(verifyWith("standard", headers, ["whsec_not base64!", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"])).toEqual({
      ok: true,
    })
  })

  it("signatures - standard signs the webhook-id, so a changed id is a mismatch", () => {
    const headers = signWith("standard", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
    expect(
      verifyWith("standard", { ...headers, "webhook-id": "msg_other" }, ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"]),
    ).toEqual(MISMATCH)
  })

  it("signatures - an empty configured secret verifies nothing, not even a signature keyed with it", () => {
    const keyedWithEmpty = `sha256=${createHmac("sha256", "").update(BODY).digest("hex")}`
    expect(verifyWith("hmac-sha256", { "X-Signature-256": keyedWithEmpty }, [""])).toEqual(MISMATCH)
    expect(verifyWith("hmac-sha256", { "X-Signature-256": keyedWithEmpty }, ["", "k"])).toEqual(MISMATCH)
  })

  it("signatures - gitlab compares the token itself and ignores the body", () => {
    expect(verifyWith("gitlab", { "X-Gitlab-Token": "tok" }, ["tok"], { body: Buffer.from("anything") })).toEqual({
      ok: true,
    })
    expect(verifyWith("gitlab", { "X-Gitlab-Token": "to" }, ["tok"])).toEqual(MISMATCH)
    expect(verifyWith("gitlab", { "X-Gitlab-Token": "tok" }, ["other", "tok"])).toEqual({ ok: true })
  })

  it("signatures - verify never throws on hostile header values", () => {
    const hostile = [
      "\u0000",
      "sha256=",
      "t=,v1=",
      "v1,",
      "v0=",
      "=".repeat(5000),
      "é".repeat(100),
      "t=99999999999999999999999,v1=00",
    ]
    for (const f of fixtures) {
      for (const value of hostile) {
        const headers = Object.fromEntries(Object.keys(signWith(f.scheme, f.secret)).map((k) => [k, value]))
        expect(() => verifyWith(f.scheme, headers, [f.secret])).not.toThrow()
        expect(verifyWith(f.scheme, headers, [f.secret]).ok).toBe(false)
      }
    }
  })
})
