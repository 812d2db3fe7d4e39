// Proves the HTTP timeout settings: documented defaults, environment overrides decoded strictly, and a check interval fine enough to enforce them.
import { describe, expect, it } from "vitest"
import { httpTimeouts } from "../../../src/config/http-timeouts.js"

describe("ingest timeouts", () => {
  it("ingest timeouts - defaults: headers 10 s, request 30 s, checked at least every second", () => {
    const { timeouts, warnings } = httpTimeouts({})
    expect(timeouts).toMatchObject({ headersMs: 10_000, requestMs: 30_000 })
    expect(timeouts.checkIntervalMs).toBeLessThanOrEqual(1_000)
    expect(warnings).toEqual([])
  })

  it("ingest timeouts - DAGNATS_HTTP_HEADERS_TIMEOUT_MS and DAGNATS_HTTP_REQUEST_TIMEOUT_MS override them", () => {
    const { timeouts } = httpTimeouts({
      DAGNATS_HTTP_HEADERS_TIMEOUT_MS: "500",
      DAGNATS_HTTP_REQUEST_TIMEOUT_MS: "1000",
    })
    expect(timeouts).toMatchObject({ headersMs: 500, requestMs: 1_000 })
    expect(timeouts.checkIntervalMs).toBeLessThanOrEqual(125)
  })

  it("ingest timeouts - the headers timeout never exceeds the request timeout (Node refuses that)", () => {
    expect(httpTimeouts({ DAGNATS_HTTP_REQUEST_TIMEOUT_MS: "2000" }).timeouts.headersMs).toBe(2_000)
  })

  it("ingest timeouts - a value that is not whole milliseconds from 100 to 3600000 is ignored with a warning naming the variable", () => {
    for (const bad of ["abc", "1.5", "-1", "50", "99999999"]) {
      const { timeouts, warnings } = httpTimeouts({ DAGNATS_HTTP_HEADERS_TIMEOUT_MS: bad })
      expect(timeouts.headersMs, bad).toBe(10_000)
      expect(warnings, bad).toEqual([expect.stringContaining("DAGNATS_HTTP_HEADERS_TIMEOUT_MS")])
    }
  })
})
