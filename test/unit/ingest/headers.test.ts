// Proves which inbound headers a stored webhook event keeps: filtering headers under the client's names, never credentials, signatures, hop-by-hop or Nats-* headers.
import { describe, expect, it } from "vitest"
// The forwarding rule; the trace context headersToStore adds is tested in trace-headers.test.ts.
import { forwardedHeaders as headersToStore } from "../../../src/ingest/headers.js"
import { allSignatureHeaders } from "../../../src/domain/signatures/index.js"

const raw = (...pairs: Array<[string, string]>) => pairs.flat()

describe("ingest headers", () => {
  it("ingest headers - keeps headers useful for filtering, with the names and order the client sent", () => {
    expect(
      headersToStore(raw(["X-GitHub-Event", "push"], ["User-Agent", "GitHub-Hookshot"], ["x-request-id", "1"])),
    ).toEqual([
      ["X-GitHub-Event", "push"],
      ["User-Agent", "GitHub-Hookshot"],
      ["x-request-id", "1"],
    ])
  })

  it("ingest headers - keeps each value of a repeated header", () => {
    expect(headersToStore(raw(["X-Tag", "a"], ["X-Tag", "b"]))).toEqual([
      ["X-Tag", "a"],
      ["X-Tag", "b"],
    ])
  })

  it("ingest headers - drops credentials and every scheme's signature or secret header, in any case", () => {
    const names = [
      "Authorization",
      "PROXY-AUTHORIZATION",
      "cookie",
      "X-Gitlab-Token",
      ...[...allSignatureHeaders].map((h) => h.toUpperCase()),
    ]
    expect(headersToStore(names.flatMap((n) => [n, "secret"]))).toEqual([])
  })

  it("ingest headers - drops hop-by-hop and framing headers, and those the Connection header names", () => {
    const pairs = raw(
      ["Host", "example.com"],
      ["Connection", "keep-alive, X-Hop"],
      ["Keep-Alive", "timeout=5"],
      ["Transfer-Encoding", "chunked"],
      ["TE", "trailers"],
      ["Upgrade", "h2c"],
      ["Content-Length", "12"],
      ["X-Hop", "only this hop"],
      ["X-Kept", "yes"],
    )
    expect(headersToStore(pairs)).toEqual([["X-Kept", "yes"]])
  })

  it("ingest headers - drops Content-Type and Dagnats-Trigger, which ingest writes itself", () => {
    expect(headersToStore(raw(["Content-Type", "application/json"], ["Dagnats-Trigger", "spoofed"]))).toEqual([])
  })

  it("ingest headers - drops every Nats-* header, so a client cannot steer JetStream", () => {
    expect(
      headersToStore(
        raw(
          ["Nats-Msg-Id", "x"],
          ["nats-expected-last-sequence", "1"],
          ["NATS-Rollup", "all"],
          ["X-Nats-Like", "kept"],
        ),
      ),
    ).toEqual([["X-Nats-Like", "kept"]])
  })
})
