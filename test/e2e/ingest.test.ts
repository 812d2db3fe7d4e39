// Proves the webhook HTTP contract of SPEC §5 end to end: every status and code in its order, exact storage on EVENTS, secret precedence, dedup and live trigger changes.
import { beforeAll, describe, expect, it } from "vitest"
import { e2eStack } from "../support/e2e-stack.js"
import { eventually } from "../support/poll.js"
import { hmacHex, lastSeq, send, signed, storedEvent, triggers, webhookTrigger, DELIVERY_ID } from "./ingest-support.js"

const ENV_SECRET = "env-secret"
const MAX_BODY = 4096

const stack = e2eStack({
  serve: { args: ["--max-body", String(MAX_BODY)], env: { DAGNATS_WEBHOOK_SECRET: ENV_SECRET } },
})
const url = (name: string) => `${stack.serve.baseUrl}/v1/webhooks/${name}`

beforeAll(async () => {
  await webhookTrigger(stack.raw.nc, "hook", { secrets: ["hook-secret"] })
  await triggers(stack.raw.nc, "create", {
    name: "events-only",
    workflow: "wf",
    type: "event",
    subject: "event.deploy.*",
  })
})

const BODY = '{"action":"opened","number":1}'

describe("webhook ingest - refusals, in the order SPEC §5 checks them", () => {
  it("webhook ingest - 404 not_found for a name no trigger has", async () => {
    const r = await send(url("nope"), { body: BODY, headers: signed("hook-secret", BODY) })
    expect(r.status).toBe(404)
    expect(r.json).toEqual({
      error: { code: "not_found", message: expect.stringContaining("nope") },
      delivery_id: DELIVERY_ID,
    })
  })

  it("webhook ingest - 404 not_found for an event trigger's name: only webhook triggers have an endpoint", async () => {
    const r = await send(url("events-only"), { body: BODY, headers: signed(ENV_SECRET, BODY) })
    expect(r.status).toBe(404)
    expect(r.json.error.code).toBe("not_found")
  })

  it("webhook ingest - 404 comes before 405: GET on an unknown name is not_found", async () => {
    const r = await send(url("nope"), { method: "GET" })
    expect(r.status).toBe(404)
  })

  it("webhook ingest - 405 method_not_allowed with Allow: POST for any other method", async () => {
    for (const method of ["GET", "PUT", "DELETE", "PATCH"]) {
      const r = await send(url("hook"), { method })
      expect(r.status, method).toBe(405)
      expect(r.headers["allow"]).toBe("POST")
      expect(r.json.error.code).toBe("method_not_allowed")
    }
  })

  it("webhook ingest - 413 payload_too_large on a declared Content-Length over the limit, before any body is sent", async () => {
    // The body is never sent: the answer proves the server did not wait for it.
    const r = await send(url("hook"), {
      headers: { ...signed("hook-secret", BODY), "Content-Length": MAX_BODY + 1 },
      chunks: [],
    })
    expect(r.status).toBe(413)
    expect(r.json.error.code).toBe("payload_too_large")
  })

  it("webhook ingest - 413 payload_too_large when a chunked body exceeds the limit while streaming", async () => {
    const piece = Buffer.alloc(MAX_BODY / 2 + 1, "a")
    const r = await send(url("hook"), {
      headers: { "Content-Type": "application/json", "Transfer-Encoding": "chunked" },
      chunks: [piece, piece],
    })
    expect(r.status).toBe(413)
    expect(r.json.error.code).toBe("payload_too_large")
  })

  it("webhook ingest - a body of exactly the limit is accepted", async () => {
    const body = JSON.stringify({ pad: "x".repeat(MAX_BODY - 10) })
    expect(Buffer.byteLength(body)).toBe(MAX_BODY)
    const r = await send(url("hook"), { body, headers: signed("hook-secret", body) })
    expect(r.status).toBe(202)
  })

  it("webhook ingest - Expect: 100-continue gets 100 only after the checks that need no body: an oversized declared body is refused unsent", async () => {
    const refused = await send(url("hook"), {
      headers: { ...signed("hook-secret", BODY), "Content-Length": MAX_BODY + 1 },
      expectContinue: true,
    })
    expect(refused.status).toBe(413)
    expect(refused.continued).toBe(false)
    const unknown = await send(url("nope"), {
      headers: { ...signed("hook-secret", BODY), "Content-Length": 10 },
      expectContinue: true,
    })
    expect(unknown.status).toBe(404)
    expect(unknown.continued).toBe(false)
    const accepted = await send(url("hook"), { body: BODY, headers: signed("hook-secret", BODY), expectContinue: true })
    expect(accepted.status).toBe(202)
    expect(accepted.continued).toBe(true)
  })

  it("webhook ingest - 413 comes before 415: an oversized body of the wrong type is payload_too_large", async () => {
    const r = await send(url("hook"), { body: "x".repeat(MAX_BODY + 1), headers: { "Content-Type": "text/plain" } })
    expect(r.status).toBe(413)
  })

  it("webhook ingest - 415 unsupported_media_type for a Content-Type other than application/json, or none", async () => {
    for (const type of ["text/plain", "application/x-www-form-urlencoded", "application/jsonx", undefined]) {
      const headers: Record<string, string> = { "X-Signature-256": `sha256=${hmacHex("hook-secret", BODY)}` }
      if (type !== undefined) headers["Content-Type"] = type
      const r = await send(url("hook"), { body: BODY, headers })
      expect(r.status, String(type)).toBe(415)
      expect(r.json.error.code).toBe("unsupported_media_type")
    }
  })

  it("webhook ingest - application/json with parameters and in any case is accepted", async () => {
    for (const type of ["application/json; charset=utf-8", "Application/JSON"]) {
      const r = await send(url("hook"), {
        body: BODY,
        headers: { ...signed("hook-secret", BODY), "Content-Type": type },
      })
      expect(r.status, type).toBe(202)
    }
  })

  it("webhook ingest - 415 comes before 401: a wrong type with a bad signature is unsupported_media_type", async () => {
    const r = await send(url("hook"), {
      body: BODY,
      headers: { "Content-Type": "text/plain", "X-Signature-256": "sha256=00" },
    })
    expect(r.status).toBe(415)
  })

  it("webhook ingest - 401 invalid_signature names the failed check: missing header, bad format, signature mismatch", async () => {
    const cases: Array<[Record<string, string>, string]> = [
      [{ "Content-Type": "application/json" }, "missing header"],
      [{ "Content-Type": "application/json", "X-Signature-256": "md5=abc" }, "bad format"],
      [{ "Content-Type": "application/json", "X-Signature-256": `sha256=${"zz".repeat(32)}` }, "bad format"],
      [signed("wrong-secret", BODY), "signature mismatch"],
    ]
    for (const [headers, reason] of cases) {
      const r = await send(url("hook"), { body: BODY, headers })
      expect(r.status, reason).toBe(401)
      expect(r.json).toEqual({ error: { code: "invalid_signature", message: reason }, delivery_id: DELIVERY_ID })
    }
  })

  it("webhook ingest - a 401 never echoes the expected signature", async () => {
    const r = await send(url("hook"), { body: BODY, headers: signed("wrong-secret", BODY) })
    expect(r.status).toBe(401)
    expect(r.text).not.toContain(hmacHex("hook-secret", BODY))
    expect(r.text).not.toContain("hook-secret")
  })

  it("webhook ingest - 401 comes before 400: invalid JSON with a bad signature is invalid_signature", async () => {
    const r = await send(url("hook"), { body: "{not json", headers: signed("wrong-secret", "{not json") })
    expect(r.status).toBe(401)
  })

  it("webhook ingest - 400 invalid_json for an empty body or one that is not JSON", async () => {
    for (const body of ["", "{not json", '{"a":1', "\u00ff\u00fe"]) {
      const r = await send(url("hook"), { body, headers: signed("hook-secret", body) })
      expect(r.status, JSON.stringify(body)).toBe(400)
      expect(r.json.error.code).toBe("invalid_json")
    }
  })

  it("webhook ingest - any JSON value is accepted, not only objects", async () => {
    for (const body of ["[1,2]", '"text"', "42", "null"]) {
      const r = await send(url("hook"), { body, headers: signed("hook-secret", body) })
      expect(r.status, body).toBe(202)
    }
  })

  it("webhook ingest - unknown paths are 404 JSON", async () => {
    for (const path of ["/", "/v1/webhooks", "/v1/webhooks/hook/extra", "/v2/webhooks/hook"]) {
      const r = await send(`${stack.serve.baseUrl}${path}`, { body: BODY, headers: signed("hook-secret", BODY) })
      expect(r.status, path).toBe(404)
      expect(r.json.error.code).toBe("not_found")
    }
  })
})

describe("webhook ingest - what is stored", () => {
  it("webhook ingest - 202 after the PubAck, and the event on EVENTS has the exact bytes and the filtering headers", async () => {
    const body = '{ "text" : "héllo ✓ 日本語" ,\n\t"n": 1 }  \n'
    const headers = {
      ...signed("hook-secret", body, {
        "X-GitHub-Event": "pull_request",
        "X-Custom-Thing": "kept",
        "User-Agent": "GitHub-Hookshot/abc",
        Authorization: "Bearer do-not-store",
        Cookie: "session=do-not-store",
        "X-Hub-Signature": "sha1=do-not-store",
        "X-Hub-Signature-256": "sha256=do-not-store",
        "Stripe-Signature": "t=1,v1=do-not-store",
        "X-Gitlab-Token": "do-not-store",
        "Dagnats-Trigger": "spoofed",
      }),
      "Content-Type": "application/json; charset=utf-8",
    }
    const r = await send(url("hook"), { body, headers })
    expect(r.status).toBe(202)
    expect(r.json).toEqual({
      accepted: true,
      subject: "event.webhook.hook",
      stream: "EVENTS",
      seq: expect.any(Number),
      duplicate: false,
      delivery_id: DELIVERY_ID,
    })

    const stored = await storedEvent(stack.raw.jsm, r.json.seq)
    expect(stored.subject).toBe("event.webhook.hook")
    expect(stored.data.equals(Buffer.from(body, "utf8"))).toBe(true)
    expect(stored.header("Dagnats-Trigger")).toBe("hook")
    expect(stored.header("Content-Type")).toBe("application/json; charset=utf-8")
    expect(stored.header("X-GitHub-Event")).toBe("pull_request")
    expect(stored.header("X-Custom-Thing")).toBe("kept")
    expect(stored.header("User-Agent")).toBe("GitHub-Hookshot/abc")
    for (const secretHeader of [
      "Authorization",
      "Cookie",
      "X-Signature-256",
      "X-Hub-Signature",
      "X-Hub-Signature-256",
      "Stripe-Signature",
      "X-Gitlab-Token",
      "Host",
      "Content-Length",
      "Connection",
    ]) {
      expect(stored.header(secretHeader), secretHeader).toBeUndefined()
    }
    expect(stored.names.filter((n) => n.toLowerCase() === "dagnats-trigger")).toHaveLength(1)
    expect(stored.names.filter((n) => n.toLowerCase() === "content-type")).toHaveLength(1)
    expect(stored.header("Nats-Msg-Id")).toBeUndefined()
  })

  it("webhook ingest - Nats-* headers from the client never reach JetStream", async () => {
    // Were they passed on, the expected-sequence check would make JetStream refuse the message.
    const headers = signed("hook-secret", BODY, {
      "Nats-Expected-Last-Sequence": "999999",
      "Nats-Msg-Id": "client-chosen",
    })
    const r = await send(url("hook"), { body: BODY, headers })
    expect(r.status).toBe(202)
    const stored = await storedEvent(stack.raw.jsm, r.json.seq)
    expect(stored.header("Nats-Expected-Last-Sequence")).toBeUndefined()
    expect(stored.header("Nats-Msg-Id")).toBeUndefined()
  })

  it("webhook ingest - the same X-GitHub-Delivery twice is stored once; the second answer says duplicate", async () => {
    const headers = signed("hook-secret", BODY, { "X-GitHub-Delivery": "72d3162e-cc78-11e3-81ab-4c9367dc0958" })
    const first = await send(url("hook"), { body: BODY, headers })
    const second = await send(url("hook"), { body: BODY, headers })
    expect(first.status).toBe(202)
    expect(first.json.duplicate).toBe(false)
    expect(second.status).toBe(202)
    expect(second.json).toMatchObject({ duplicate: true, seq: first.json.seq })
    expect(await lastSeq(stack.raw.jsm)).toBe(first.json.seq)
    expect((await storedEvent(stack.raw.jsm, first.json.seq)).header("Nats-Msg-Id")).toBe(
      "72d3162e-cc78-11e3-81ab-4c9367dc0958",
    )
  })

  it("webhook ingest - GitHub's documented vector: sha256 of 'Hello, World!' with It's a Secret to Everybody, then a signed JSON body is accepted", async () => {
    const secret = "It's a Secret to Everybody"
    expect(hmacHex(secret, "Hello, World!")).toBe("757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17")
    await webhookTrigger(stack.raw.nc, "github-vector", { secrets: [secret] })
    const body = '{"zen":"Keep it logically awesome.","hook_id":1}'
    const r = await send(url("github-vector"), {
      body,
      headers: {
        "Content-Type": "application/json",
        "X-Hub-Signature-256": `sha256=${hmacHex(secret, body)}`,
        "X-GitHub-Event": "ping",
      },
    })
    expect(r.status).toBe(202)
  })

  it("webhook ingest - a disabled webhook trigger still accepts and stores", async () => {
    await webhookTrigger(stack.raw.nc, "disabled-hook", { secrets: ["d"], enabled: false })
    const r = await send(url("disabled-hook"), { body: BODY, headers: signed("d", BODY) })
    expect(r.status).toBe(202)
    expect((await storedEvent(stack.raw.jsm, r.json.seq)).subject).toBe("event.webhook.disabled-hook")
  })
})

describe("webhook ingest - secrets", () => {
  it("webhook ingest - a trigger without secrets verifies with DAGNATS_WEBHOOK_SECRET", async () => {
    await webhookTrigger(stack.raw.nc, "env-only")
    expect((await send(url("env-only"), { body: BODY, headers: signed(ENV_SECRET, BODY) })).status).toBe(202)
    expect((await send(url("env-only"), { body: BODY, headers: signed("other", BODY) })).status).toBe(401)
  })

  it("webhook ingest - a trigger's own secret takes precedence: the environment secret no longer verifies", async () => {
    const envSigned = await send(url("hook"), { body: BODY, headers: signed(ENV_SECRET, BODY) })
    expect(envSigned.status).toBe(401)
    expect(envSigned.json.error.message).toBe("signature mismatch")
    expect((await send(url("hook"), { body: BODY, headers: signed("hook-secret", BODY) })).status).toBe(202)
  })

  it("webhook ingest - with two secrets (rotation) either one verifies", async () => {
    await webhookTrigger(stack.raw.nc, "rotating", { secrets: ["old-secret", "new-secret"] })
    expect((await send(url("rotating"), { body: BODY, headers: signed("old-secret", BODY) })).status).toBe(202)
    expect((await send(url("rotating"), { body: BODY, headers: signed("new-secret", BODY) })).status).toBe(202)
    expect((await send(url("rotating"), { body: BODY, headers: signed(ENV_SECRET, BODY) })).status).toBe(401)
  })

  it("webhook ingest - verify: false accepts unsigned requests (explicit opt-out)", async () => {
    await webhookTrigger(stack.raw.nc, "unverified", { verify: false })
    const r = await send(url("unverified"), { body: BODY, headers: { "Content-Type": "application/json" } })
    expect(r.status).toBe(202)
  })
})

describe("webhook ingest - live trigger changes", () => {
  it("webhook ingest - a trigger created while serve runs answers within 1 s, and is 404 within 1 s of its deletion", async () => {
    const post = () => send(url("late"), { body: BODY, headers: signed(ENV_SECRET, BODY) })
    expect((await post()).status).toBe(404)
    await webhookTrigger(stack.raw.nc, "late")
    await eventually(async () => expect((await post()).status).toBe(202), 1_000, 20)
    await triggers(stack.raw.nc, "delete", { name: "late" })
    await eventually(async () => expect((await post()).status).toBe(404), 1_000, 20)
  })

  it("webhook ingest - a changed secret applies to the next request", async () => {
    await webhookTrigger(stack.raw.nc, "rekey", { secrets: ["before"] })
    await triggers(stack.raw.nc, "update", { name: "rekey", secrets: ["after"] })
    await eventually(
      async () => expect((await send(url("rekey"), { body: BODY, headers: signed("after", BODY) })).status).toBe(202),
      1_000,
      20,
    )
    expect((await send(url("rekey"), { body: BODY, headers: signed("before", BODY) })).status).toBe(401)
  })
})
