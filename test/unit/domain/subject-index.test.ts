// Proves the subject index returns exactly the values whose patterns match (per `subjectMatches`), each once, at scale.
import { expect, test } from "vitest"
import { InvalidSubjectPatternError, makeSubjectIndex } from "../../../src/domain/subject-index.js"
import { subjectMatches } from "../../../src/domain/subjects.js"

const sorted = (values: ReadonlyArray<string>): Array<string> => [...values].sort()

/** mulberry32: a tiny seeded PRNG so the property check is reproducible. */
const prng = (seed: number): (() => number) => {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

test("subject index - a literal pattern matches only its own subject", () => {
  const index = makeSubjectIndex<string>()
  index.add("event.deploy.prod", "t1")
  expect(index.match("event.deploy.prod")).toEqual(["t1"])
  expect(index.match("event.deploy")).toEqual([])
  expect(index.match("event.deploy.prod.eu")).toEqual([])
  expect(index.match("event.deploy.staging")).toEqual([])
})

test("subject index - `*` matches exactly one token", () => {
  const index = makeSubjectIndex<string>()
  index.add("event.deploy.*", "t1")
  expect(index.match("event.deploy.prod")).toEqual(["t1"])
  expect(index.match("event.deploy.staging")).toEqual(["t1"])
  expect(index.match("event.deploy.prod.eu")).toEqual([])
  expect(index.match("event.deploy")).toEqual([])
})

test("subject index - `*` in the middle matches any one token there", () => {
  const index = makeSubjectIndex<string>()
  index.add("event.*.prod", "t1")
  expect(index.match("event.deploy.prod")).toEqual(["t1"])
  expect(index.match("event.build.prod")).toEqual(["t1"])
  expect(index.match("event.deploy.staging")).toEqual([])
  expect(index.match("event.prod")).toEqual([])
})

test("subject index - `>` matches one or more trailing tokens", () => {
  const index = makeSubjectIndex<string>()
  index.add("event.git.>", "t1")
  expect(index.match("event.git.push")).toEqual(["t1"])
  expect(index.match("event.git.push.main")).toEqual(["t1"])
  expect(index.match("event.git")).toEqual([])
  expect(index.match("event.gitlab.push")).toEqual([])
})

test("subject index - full wildcard `event.>` matches every event subject but not `event` itself", () => {
  const index = makeSubjectIndex<string>()
  index.add("event.>", "all")
  expect(index.match("event.a")).toEqual(["all"])
  expect(index.match("event.webhook.github")).toEqual(["all"])
  expect(index.match("event.a.b.c.d.e")).toEqual(["all"])
  expect(index.match("event")).toEqual([])
  expect(index.match("history.x")).toEqual([])
})

test("subject index - overlapping patterns return every matching value", () => {
  const index = makeSubjectIndex<string>()
  index.add("event.deploy.prod", "literal")
  index.add("event.deploy.*", "star")
  index.add("event.*.prod", "mid-star")
  index.add("event.>", "all")
  index.add("event.deploy.>", "deploy-all")
  index.add("event.build.*", "other")
  expect(sorted(index.match("event.deploy.prod"))).toEqual(["all", "deploy-all", "literal", "mid-star", "star"])
  expect(sorted(index.match("event.deploy.prod.eu"))).toEqual(["all", "deploy-all"])
  expect(sorted(index.match("event.build.x"))).toEqual(["all", "other"])
})

test("subject index - a value under several matching patterns is returned once", () => {
  const index = makeSubjectIndex<string>()
  index.add("event.deploy.prod", "t1")
  index.add("event.deploy.*", "t1")
  index.add("event.>", "t1")
  index.add("event.*.>", "t1")
  index.add("event.deploy.*", "t2")
  expect(sorted(index.match("event.deploy.prod"))).toEqual(["t1", "t2"])
})

test("subject index - adding the same value under the same pattern twice stores it once", () => {
  const index = makeSubjectIndex<string>()
  index.add("event.a", "t1")
  index.add("event.a", "t1")
  index.add("event.>", "t1")
  index.add("event.>", "t1")
  expect(index.size).toBe(2)
  index.remove("event.a", "t1")
  expect(index.size).toBe(1)
  expect(index.match("event.a")).toEqual(["t1"])
  index.remove("event.>", "t1")
  expect(index.match("event.a")).toEqual([])
})

test("subject index - values are compared by identity", () => {
  const index = makeSubjectIndex<{ readonly name: string }>()
  const a = { name: "t" }
  const b = { name: "t" }
  index.add("event.a", a)
  index.add("event.a", b)
  expect(index.size).toBe(2)
  expect(index.match("event.a")).toEqual([a, b])
  index.remove("event.a", { name: "t" })
  expect(index.size).toBe(2)
  index.remove("event.a", a)
  expect(index.match("event.a")).toHaveLength(1)
  expect(index.match("event.a")[0]).toBe(b)
})

test("subject index - remove takes away only that value under that pattern", () => {
  const index = makeSubjectIndex<string>()
  index.add("event.deploy.*", "t1")
  index.add("event.deploy.*", "t2")
  index.add("event.deploy.prod", "t1")
  index.remove("event.deploy.*", "t1")
  expect(sorted(index.match("event.deploy.prod"))).toEqual(["t1", "t2"])
  expect(index.match("event.deploy.staging")).toEqual(["t2"])
  expect(index.size).toBe(2)
})

test("subject index - removing unknown patterns or values changes nothing", () => {
  const index = makeSubjectIndex<string>()
  index.add("event.a.b", "t1")
  index.remove("event.a.b", "nope")
  index.remove("event.a", "t1")
  index.remove("event.a.b.c", "t1")
  index.remove("event.*.b", "t1")
  index.remove("event.a.>", "t1")
  index.remove("event..b", "t1")
  expect(index.size).toBe(1)
  expect(index.match("event.a.b")).toEqual(["t1"])
})

test("subject index - remove prunes empty nodes and keeps shared prefixes", () => {
  const index = makeSubjectIndex<string>()
  index.add("event.a.b.c", "deep")
  index.add("event.a", "shallow")
  index.add("event.*.x", "star")
  index.add("event.q.>", "rest")
  index.remove("event.a.b.c", "deep")
  index.remove("event.*.x", "star")
  index.remove("event.q.>", "rest")
  expect(index.size).toBe(1)
  expect(index.match("event.a")).toEqual(["shallow"])
  expect(index.match("event.a.b.c")).toEqual([])
  // Re-adding after pruning builds the path again.
  index.add("event.a.b.c", "deep")
  index.add("event.*.x", "star")
  expect(index.match("event.a.b.c")).toEqual(["deep"])
  expect(index.match("event.z.x")).toEqual(["star"])
})

test("subject index - removing everything leaves an index that matches nothing", () => {
  const index = makeSubjectIndex<string>()
  const patterns = ["event.a", "event.*", "event.>", "event.a.b", "event.*.b", ">", "*"]
  for (const pattern of patterns) index.add(pattern, pattern)
  expect(index.size).toBe(patterns.length)
  for (const pattern of patterns) index.remove(pattern, pattern)
  expect(index.size).toBe(0)
  expect(index.match("event.a")).toEqual([])
  expect(index.match("event.a.b")).toEqual([])
  expect(index.match("x")).toEqual([])
})

test("subject index - add rejects an invalid pattern with InvalidSubjectPatternError", () => {
  const index = makeSubjectIndex<string>()
  for (const pattern of ["", "event..a", "event.>.a", "event.a*", "event a"]) {
    expect(() => index.add(pattern, "t")).toThrow(InvalidSubjectPatternError)
  }
  try {
    index.add("event.>.a", "t")
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidSubjectPatternError)
    expect((error as InvalidSubjectPatternError).pattern).toBe("event.>.a")
    expect((error as Error).message).toBe('invalid subject pattern "event.>.a"')
  }
  expect(index.size).toBe(0)
})

test("subject index - a subject that is not a valid literal matches nothing", () => {
  const index = makeSubjectIndex<string>()
  index.add(">", "all")
  index.add("event.*", "star")
  for (const subject of ["", "event.*", "event.>", "event..a", "event.a b", "event."]) {
    expect(index.match(subject)).toEqual([])
  }
})

test("subject index - 10,000 patterns give correct results", () => {
  const index = makeSubjectIndex<string>()
  for (let i = 0; i < 10_000; i++) {
    // A mix like real deployments: mostly webhook literals, some per-team wildcards.
    if (i % 10 === 0) index.add(`event.team${i}.*`, `t${i}`)
    else if (i % 10 === 1) index.add(`event.team${i - 1}.>`, `t${i}`)
    else index.add(`event.webhook.t${i}`, `t${i}`)
  }
  index.add("event.>", "audit")
  expect(index.size).toBe(10_001)
  expect(sorted(index.match("event.webhook.t5"))).toEqual(["audit", "t5"])
  expect(sorted(index.match("event.webhook.t9999"))).toEqual(["audit", "t9999"])
  expect(sorted(index.match("event.team40.push"))).toEqual(["audit", "t40", "t41"])
  expect(sorted(index.match("event.team40.push.main"))).toEqual(["audit", "t41"])
  expect(index.match("event.webhook.t10")).toEqual(["audit"]) // t10 is `event.team10.*`
  expect(index.match("event.webhook.t10000")).toEqual(["audit"])
  for (let i = 0; i < 10_000; i += 10) index.remove(`event.team${i}.*`, `t${i}`)
  expect(index.size).toBe(9_001)
  expect(sorted(index.match("event.team40.push"))).toEqual(["audit", "t41"])
})

test("subject index - matches equal a brute-force filter with subjectMatches for random patterns", () => {
  const random = prng(0xda6)
  const alphabet = ["a", "b", "c", "d"]
  const pick = <T>(items: ReadonlyArray<T>): T => items[Math.floor(random() * items.length)] as T
  const randomPattern = (): string => {
    const length = 1 + Math.floor(random() * 4)
    const tokens: Array<string> = []
    for (let i = 0; i < length; i++) {
      const roll = random()
      if (i === length - 1 && roll < 0.15) tokens.push(">")
      else if (roll < 0.35) tokens.push("*")
      else tokens.push(pick(alphabet))
    }
    return tokens.join(".")
  }
  const randomSubject = (): string => {
    const length = 1 + Math.floor(random() * 5)
    return Array.from({ length }, () => pick(alphabet)).join(".")
  }

  const index = makeSubjectIndex<string>()
  const registered = new Map<string, string>() // value → pattern
  for (let i = 0; i < 400; i++) {
    const pattern = randomPattern()
    index.add(pattern, `v${i}`)
    registered.set(`v${i}`, pattern)
  }
  // Remove a random quarter to exercise pruning under the property too.
  for (let i = 0; i < 400; i += 4) {
    index.remove(registered.get(`v${i}`) as string, `v${i}`)
    registered.delete(`v${i}`)
  }
  expect(index.size).toBe(registered.size)

  let nonEmpty = 0
  for (let n = 0; n < 500; n++) {
    const subject = randomSubject()
    const expected = [...registered].filter(([, pattern]) => subjectMatches(pattern, subject)).map(([value]) => value)
    const actual = index.match(subject)
    expect(new Set(actual).size).toBe(actual.length)
    expect(sorted(actual)).toEqual(sorted(expected))
    if (expected.length > 0) nonEmpty++
  }
  // The check means something only if many subjects matched some pattern.
  expect(nonEmpty).toBeGreaterThan(250)
})

test("subject index - reach matches token by token what match refuses: control characters, literal wildcards, long subjects", () => {
  const index = makeSubjectIndex<string>()
  index.add("event.gh.*", "star")
  index.add("event.>", "all")
  index.add("event.gh.push", "push")
  for (const subject of ["event.gh.a\u0001b", "event.gh.a*b", `event.gh.${"x".repeat(300)}`]) {
    expect(index.match(subject)).toStrictEqual([])
    expect(sorted(index.reach(subject))).toStrictEqual(["all", "star"])
  }
  expect(sorted(index.reach("event.gh.push"))).toStrictEqual(sorted(index.match("event.gh.push")))
  expect(index.reach("other.\u0001")).toStrictEqual([])
})
