// Proves which Content-Types a webhook trigger accepts: JSON (with parameters, any case) for every scheme, form-encoded only for slack.
import { describe, expect, it } from "vitest"
import { acceptedTypes, bodyKind } from "../../../src/ingest/media-type.js"

describe("ingest media types", () => {
  it("ingest media types - application/json with or without parameters, in any case, is JSON", () => {
    for (const t of [
      "application/json",
      "application/json; charset=utf-8",
      "APPLICATION/JSON ;charset=UTF-8",
      " application/json ",
    ]) {
      expect(bodyKind(t, "github"), t).toBe("json")
    }
  })

  it("ingest media types - anything else, or no Content-Type, is refused", () => {
    for (const t of [undefined, "", "text/plain", "application/jsonp", "application/vnd.github+json", "json"]) {
      expect(bodyKind(t, "hmac-sha256"), String(t)).toBeUndefined()
    }
  })

  it("ingest media types - form-encoded bodies only for slack", () => {
    expect(bodyKind("application/x-www-form-urlencoded", "slack")).toBe("form")
    expect(bodyKind("application/x-www-form-urlencoded; charset=utf-8", "slack")).toBe("form")
    expect(bodyKind("application/x-www-form-urlencoded", "stripe")).toBeUndefined()
    expect(acceptedTypes("slack")).toEqual(["application/json", "application/x-www-form-urlencoded"])
    expect(acceptedTypes("gitlab")).toEqual(["application/json"])
  })
})
