// Proves the pure parts of sources (SPEC §12): which stream and pattern a trigger reads, the
// consumer's filter subjects for a set of patterns (fewest covering, none when they overlap or the
// server cannot take several), and whether a pattern can match inside a stream's subjects.
import { describe, expect, test } from "vitest"
import {
  covers,
  filterPlan,
  filterSupport,
  filtersCover,
  overlaps,
  streamsOf,
  withinStream,
} from "../../../src/sources/plan.js"
import { sourcePattern, sourceStream } from "../../../src/protocol/sources.js"
import type { StoredTrigger } from "../../../src/domain/trigger.js"

const stored = (t: Partial<StoredTrigger> & Pick<StoredTrigger, "name">): StoredTrigger => ({
  workflow: "w",
  type: "event",
  subject: "event.x",
  created_at: "",
  updated_at: "",
  revision: 1,
  ...t,
})

describe("which stream and pattern", () => {
  test("sources plan - a stream trigger reads its stream on its subject, a KV trigger KV_{bucket} on $KV.{bucket}.{key}", () => {
    const s = stored({ name: "s", subject: "orders.*", source: { stream: "ORDERS" } })
    const k = stored({ name: "k", subject: "flags.>", source: { kv: "config" } })
    expect([sourceStream(s), sourcePattern(s)]).toStrictEqual(["ORDERS", "orders.*"])
    expect([sourceStream(k), sourcePattern(k)]).toStrictEqual(["KV_config", "$KV.config.flags.>"])
  })

  test("sources plan - triggers on EVENTS, webhooks and schedules read no source stream", () => {
    expect(sourceStream(stored({ name: "e" }))).toBeUndefined()
    expect(sourceStream(stored({ name: "w", type: "webhook", subject: undefined }))).toBeUndefined()
    expect(sourceStream(stored({ name: "c", type: "schedule", subject: undefined, cron: "* * * * *" }))).toBeUndefined()
  })

  test("sources plan - streamsOf groups the patterns of every trigger by source stream", () => {
    const triggers = [
      stored({ name: "a", subject: "orders.a", source: { stream: "ORDERS" } }),
      stored({ name: "b", subject: "orders.b", source: { stream: "ORDERS" }, enabled: false }),
      stored({ name: "k", subject: "x", source: { kv: "cfg", ops: ["put"] } }),
      stored({ name: "e" }),
    ]
    expect([...streamsOf(triggers)]).toStrictEqual([
      ["ORDERS", ["orders.a", "orders.b"]],
      ["KV_cfg", ["$KV.cfg.x"]],
    ])
  })
})

describe("subject patterns", () => {
  test("sources plan - covers: every subject the narrower pattern matches, the wider matches too", () => {
    expect(covers("a.>", "a.b.c")).toBe(true)
    expect(covers("a.>", "a.*")).toBe(true)
    expect(covers("a.*", "a.b")).toBe(true)
    expect(covers("a.*", "a.>")).toBe(false)
    expect(covers("a.>", "a")).toBe(false)
    expect(covers("a.b", "a.*")).toBe(false)
    expect(covers("a.*.c", "a.b.c")).toBe(true)
    expect(covers("a.*", "a.b.c")).toBe(false)
  })

  test("sources plan - overlaps: some subject matches both patterns", () => {
    expect(overlaps("a.*.x", "a.b.*")).toBe(true)
    expect(overlaps("a.>", "a.b")).toBe(true)
    expect(overlaps("a.b", "a.c")).toBe(false)
    expect(overlaps("a.*", "a.b.c")).toBe(false)
    expect(overlaps(">", "x")).toBe(true)
    expect(overlaps("a.>", "a")).toBe(false)
  })

  test("sources plan - a pattern is within a stream when it overlaps one of its subjects; a stream without subjects takes any", () => {
    expect(withinStream("pay.in.*", ["pay.in.*", "pay.out.*"])).toBe(true)
    expect(withinStream("pay.>", ["pay.in.*"])).toBe(true)
    expect(withinStream("pay.refund.*", ["pay.in.*", "pay.out.*"])).toBe(false)
    expect(withinStream("anything", [])).toBe(true)
  })
})

describe("filter subjects", () => {
  test("sources plan - the fewest filters that cover every pattern, sorted, duplicates once", () => {
    expect(filterPlan(["b.x", "a.*", "a.b", "b.x"], "multi")).toStrictEqual(["a.*", "b.x"])
    expect(filterPlan(["a.>", "a.b.c", "a.*"], "multi")).toStrictEqual(["a.>"])
  })

  test("sources plan - patterns that overlap without one covering the other take no filter (every subject)", () => {
    expect(filterPlan(["a.*.x", "a.b.*"], "multi")).toStrictEqual([])
  })

  test("sources plan - a server before 2.10 gets no filter at all; 2.10 and later several", () => {
    expect(filterPlan(["a.b"], "none")).toStrictEqual([])
    expect(filterSupport("2.9.10")).toBe("none")
    expect(filterSupport("2.10.0")).toBe("multi")
    expect(filterSupport("2.15.1")).toBe("multi")
    expect(filterSupport(undefined)).toBe("none")
  })

  test("sources plan - filtersCover: no filter covers everything; else each pattern needs a covering filter", () => {
    expect(filtersCover([], ["x.y"])).toBe(true)
    expect(filtersCover(["a.*"], ["a.b", "a.c"])).toBe(true)
    expect(filtersCover(["a.*"], ["a.b", "b.c"])).toBe(false)
  })
})
