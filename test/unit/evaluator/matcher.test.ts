// Proves the matcher finds exactly the triggers whose listen subject matches an event subject and follows every change of the trigger table (create, subject change, filter change, delete).
import { expect, test } from "vitest"
import { Effect } from "effect"
import { makeMatcher } from "../../../src/evaluator/matcher.js"
import type { StoredTrigger } from "../../../src/domain/trigger.js"
import type { TableChange, TriggerTableShape } from "../../../src/triggers/table.js"

/** The trigger table as plain data: what the KV watcher would have applied, and its listeners. */
const makeTable = (initial: ReadonlyArray<StoredTrigger>) => {
  const triggers = new Map(initial.map((t) => [t.name, t]))
  const listeners = new Set<(c: TableChange) => void>()
  const table: TriggerTableShape = {
    get: (name) => triggers.get(name),
    all: () => [...triggers.values()],
    subscribe: (l) => {
      listeners.add(l)
      return () => listeners.delete(l)
    },
    sync: Effect.void,
    ready: () => true,
  }
  return {
    table,
    listeners,
    put: (t: StoredTrigger) => {
      const previous = triggers.get(t.name)
      triggers.set(t.name, t)
      for (const l of listeners) l({ kind: "put", trigger: t, previous })
    },
    remove: (name: string) => {
      const previous = triggers.get(name)
      triggers.delete(name)
      for (const l of listeners) l({ kind: "delete", name, previous })
    },
  }
}

const at = "2026-01-01T00:00:00.000Z"
const eventTrigger = (name: string, subject: string, extra: Partial<StoredTrigger> = {}): StoredTrigger => ({
  name,
  workflow: `${name}-wf`,
  type: "event",
  subject,
  enabled: true,
  created_at: at,
  updated_at: at,
  revision: 1,
  ...extra,
})
const webhookTrigger = (name: string): StoredTrigger => ({
  name,
  workflow: `${name}-wf`,
  type: "webhook",
  enabled: true,
  secrets: [],
  created_at: at,
  updated_at: at,
  revision: 1,
})

const names = (m: ReturnType<typeof makeMatcher>, subject: string) =>
  m
    .match(subject)
    .map((x) => x.trigger.name)
    .sort()

test("matcher - an event reaches exactly the triggers whose pattern matches, wildcards included", () => {
  const { table } = makeTable([
    eventTrigger("exact", "event.deploy.api"),
    eventTrigger("star", "event.deploy.*"),
    eventTrigger("tail", "event.>"),
    eventTrigger("git", "event.git.>"),
    webhookTrigger("gh"),
  ])
  const m = makeMatcher(table)
  expect(names(m, "event.deploy.api")).toEqual(["exact", "star", "tail"])
  expect(names(m, "event.deploy.web")).toEqual(["star", "tail"])
  expect(names(m, "event.deploy.api.v2")).toEqual(["tail"])
  expect(names(m, "event.git.push.main")).toEqual(["git", "tail"])
  expect(names(m, "event.git")).toEqual(["tail"])
  expect(names(m, "event.webhook.gh")).toEqual(["gh", "tail"])
  expect(names(m, "other.deploy.api")).toEqual([])
})

test("matcher - a trigger created after the matcher is found", () => {
  const t = makeTable([])
  const m = makeMatcher(t.table)
  expect(names(m, "event.new.x")).toEqual([])
  t.put(eventTrigger("late", "event.new.*"))
  expect(names(m, "event.new.x")).toEqual(["late"])
})

test("matcher - a changed subject takes effect: the old one no longer reaches the trigger", () => {
  const t = makeTable([eventTrigger("moving", "event.a.*")])
  const m = makeMatcher(t.table)
  expect(names(m, "event.a.1")).toEqual(["moving"])
  t.put(eventTrigger("moving", "event.b.*", { revision: 2, updated_at: "2026-01-01T00:00:01.000Z" }))
  expect(names(m, "event.a.1")).toEqual([])
  expect(names(m, "event.b.1")).toEqual(["moving"])
})

test("matcher - changed filters take effect on the next event", () => {
  const t = makeTable([eventTrigger("f", "event.pr", { filters: [{ field: "action", value: "opened" }] })])
  const m = makeMatcher(t.table)
  const check = () => m.match("event.pr")[0]!.filters({ action: "opened" }, () => undefined)
  expect(check()).toEqual({ matched: true })
  t.put(
    eventTrigger("f", "event.pr", {
      filters: [{ field: "action", value: "closed" }],
      revision: 2,
      updated_at: "2026-01-01T00:00:01.000Z",
    }),
  )
  expect(check()).toEqual({
    matched: false,
    failed: { field: "action", value: "closed" },
    reason: 'field "action" is "opened", want "closed"',
  })
})

test("matcher - a disabled trigger is still matched, so its history can say it was disabled", () => {
  const t = makeTable([eventTrigger("off", "event.x", { enabled: false })])
  const m = makeMatcher(t.table)
  expect(m.match("event.x").map((x) => [x.trigger.name, x.trigger.enabled])).toEqual([["off", false]])
})

test("matcher - a deleted trigger is no longer matched", () => {
  const t = makeTable([eventTrigger("gone", "event.x"), eventTrigger("stays", "event.*")])
  const m = makeMatcher(t.table)
  t.remove("gone")
  expect(names(m, "event.x")).toEqual(["stays"])
})

test("matcher - two triggers on the same pattern are both matched, and removing one keeps the other", () => {
  const t = makeTable([eventTrigger("one", "event.same"), eventTrigger("two", "event.same")])
  const m = makeMatcher(t.table)
  expect(names(m, "event.same")).toEqual(["one", "two"])
  t.remove("one")
  expect(names(m, "event.same")).toEqual(["two"])
})

test("matcher - close stops following the table", () => {
  const t = makeTable([])
  const m = makeMatcher(t.table)
  expect(t.listeners.size).toBe(1)
  m.close()
  expect(t.listeners.size).toBe(0)
})

test("matcher - ten thousand triggers: each event reaches only its own trigger", () => {
  const t = makeTable(Array.from({ length: 10_000 }, (_, i) => eventTrigger(`s${i}`, `event.scale.${i}`)))
  const m = makeMatcher(t.table)
  for (const i of [0, 1, 4_999, 9_999]) expect(names(m, `event.scale.${i}`)).toEqual([`s${i}`])
  expect(names(m, "event.scale.10000")).toEqual([])
})
