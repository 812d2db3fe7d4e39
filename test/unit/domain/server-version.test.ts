// Proves the server version policy: which nats-server versions serve accepts with --replicas > 1.
import { describe, expect, test } from "vitest"
import { compareVersions, parseVersion, replicasRefusal } from "../../../src/domain/server-version.js"

const cmp = (a: string, b: string) => Math.sign(compareVersions(parseVersion(a)!, parseVersion(b)!))

describe("server version", () => {
  test("parseVersion - reads major.minor.patch with an optional v and pre-release", () => {
    expect(parseVersion("2.9.10")).toEqual({ numbers: [2, 9, 10], preRelease: undefined })
    expect(parseVersion("v2.15.2")).toEqual({ numbers: [2, 15, 2], preRelease: undefined })
    expect(parseVersion("2.10.0-beta.3")).toEqual({ numbers: [2, 10, 0], preRelease: "beta.3" })
    expect(parseVersion("2.10")).toBeUndefined()
    expect(parseVersion("latest")).toBeUndefined()
  })

  test("compareVersions - orders numerically per part, not as text", () => {
    expect(cmp("2.9.10", "2.9.21")).toBe(-1)
    expect(cmp("2.10.0", "2.9.21")).toBe(1)
    expect(cmp("2.15.2", "2.15.2")).toBe(0)
    expect(cmp("3.0.0", "2.99.99")).toBe(1)
    expect(cmp("2.9.21-RC.1", "2.9.21")).toBe(-1)
    expect(cmp("2.9.21", "2.9.21-RC.1")).toBe(1)
  })

  test("replicasRefusal - one replica runs on any server, even 2.9.10 or an unknown version", () => {
    expect(replicasRefusal("2.9.10", 1)).toBeUndefined()
    expect(replicasRefusal(undefined, 1)).toBeUndefined()
  })

  test("replicasRefusal - 2.9.21 and newer run with replicas", () => {
    for (const v of ["2.9.21", "2.9.25", "2.10.0", "2.15.2", "3.0.0"]) expect(replicasRefusal(v, 3)).toBeUndefined()
  })

  test("replicasRefusal - an older server gets one line naming its version and the minimum", () => {
    expect(replicasRefusal("2.9.10", 3)).toBe(
      "nats-server 2.9.10 is older than 2.9.21, the minimum for --replicas 3 " +
        "(its KV revision checks are unsafe on replicated buckets): upgrade nats-server or use --replicas 1",
    )
    expect(replicasRefusal("2.9.21-RC.1", 2)).toMatch(
      /^nats-server 2\.9\.21-RC\.1 is older than 2\.9\.21, the minimum for --replicas 2 /,
    )
  })

  test("replicasRefusal - an unreadable or missing version is refused with replicas", () => {
    expect(replicasRefusal("nightly", 3)).toMatch(/^nats-server nightly is older than 2\.9\.21/)
    expect(replicasRefusal(undefined, 3)).toMatch(/^nats-server \(version unknown\) is older than 2\.9\.21/)
  })
})
