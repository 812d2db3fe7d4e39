// The synchronous webhook's pure parts: the engine's HTTP envelope a run gets, and the `respond`
// answer decoded into the HTTP answer or the reason it is malformed.
import { describe, expect, test } from "vitest"
import { decodeHttpAnswer, httpEnvelope } from "../../../src/domain/http-envelope.js"

const bytes = (s: string) => new TextEncoder().encode(s)

describe("http envelope", () => {
  test("http envelope - first values of query and headers, dagnats' and NATS' own headers left out, body base64", () => {
    const headers = new Map([
      ["content-type", "application/json"],
      ["x-team", "t1"],
      ["dagnats-delivery", "01J"],
      ["nats-msg-id", "abc"],
    ])
    expect(httpEnvelope({ path: "/v1/webhooks/a", query: "x=1&x=2&y=", headers, body: bytes("{}") })).toStrictEqual({
      method: "POST",
      path: "/v1/webhooks/a",
      query: { x: "1", y: "" },
      headers: { "content-type": "application/json", "x-team": "t1" },
      body: "e30=",
    })
  })
})

describe("respond answers", () => {
  test("respond answer - status 0 is 200; headers (arrays too), content type and the decoded body; framing headers dropped", () => {
    const answer = decodeHttpAnswer(
      bytes(
        JSON.stringify({
          status: 0,
          headers: { "X-A": "1", "Set-Cookie": ["a=1", "b=2"], "Content-Length": "99", "x-dagnats-run-id": "other" },
          content_type: "text/plain",
          body: Buffer.from("hello").toString("base64"),
        }),
      ),
    )
    expect(answer).toStrictEqual({
      status: 200,
      headers: [
        ["X-A", "1"],
        ["Set-Cookie", "a=1"],
        ["Set-Cookie", "b=2"],
      ],
      contentType: "text/plain",
      body: Buffer.from("hello"),
    })
  })

  test("respond answer - not JSON, no status, a status outside 200-599, a body not base64, a header with a line break: each malformed with its reason", () => {
    expect(decodeHttpAnswer(bytes("nope"))).toBe("the response is not JSON")
    expect(decodeHttpAnswer(bytes('{"body":""}'))).toBe(
      'the response is not {"status","headers","content_type","body"}',
    )
    expect(decodeHttpAnswer(bytes('{"status":99}'))).toBe("status: must be 0 or 200-599 (got 99)")
    expect(decodeHttpAnswer(bytes('{"status":200,"body":"%%%"}'))).toBe("body: must be base64")
    expect(decodeHttpAnswer(bytes('{"status":200,"headers":{"X":"a\\r\\nb"}}'))).toBe(
      "headers.X: must be a header value (no control characters, nothing above U+00FF)",
    )
    expect(decodeHttpAnswer(bytes(JSON.stringify({ status: 200, content_type: "text/plain; x=\u2603" })))).toBe(
      "content_type: must be a header value (no control characters, nothing above U+00FF)",
    )
  })
})
