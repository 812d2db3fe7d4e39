// Proves the KV door of src/nats/kv-bucket.ts against a real nats-server: JSON reads (absent, not JSON,
// deleted) with the revision a write must name, revision-checked writes and deletes that fail with the
// typed RevisionMismatch naming the key, and modify, which retries a lost write on what the key holds.
// Each test uses keys of its own.
import { afterAll, beforeAll, describe, expect, test } from "vitest"
import { Effect, Exit } from "effect"
import { connect } from "@nats-io/transport-node"
import type { NatsConnection } from "@nats-io/nats-core"
import { Kvm, type KV } from "@nats-io/kv"
import { startNatsServer, type TestNatsServer } from "../support/nats-server.js"
import {
  deleteAt,
  listKeys,
  modify,
  readJson,
  RevisionMismatch,
  writeJson,
  writeJsonIfUnchanged,
} from "../../src/nats/kv-bucket.js"

let nats: TestNatsServer
let nc: NatsConnection
let kv: KV

beforeAll(async () => {
  nats = await startNatsServer()
  nc = await connect({ servers: nats.url })
  kv = await new Kvm(nc).create("door_test")
})

afterAll(async () => {
  await nc?.close()
  await nats?.dispose()
})

const run = <A, E>(e: Effect.Effect<A, E>) => Effect.runPromise(e)
const failureOf = async <A, E>(e: Effect.Effect<A, E>) => {
  const exit = await Effect.runPromise(Effect.exit(e))
  return Exit.isFailure(exit) ? exit.cause : undefined
}

describe("nats kv-bucket", () => {
  test("kv-bucket - an absent key reads as no value at revision 0; a created one as its JSON at the create's revision, from a replica and from the leader", async () => {
    expect(await run(readJson(kv, "a.absent"))).toStrictEqual({ value: undefined, revision: 0, existed: false })
    const rev = await run(writeJson(kv, "a.made", { n: 1 }, { revision: 0, existed: false }))
    expect(await run(readJson(kv, "a.made"))).toStrictEqual({ value: { n: 1 }, revision: rev, existed: true })
    expect(await run(readJson(kv, "a.made", true))).toStrictEqual({ value: { n: 1 }, revision: rev, existed: true })
  })

  test("kv-bucket - a value that is not JSON and a deleted key read as no value, existing, at their revision", async () => {
    const rev = await kv.put("b.text", new TextEncoder().encode("not json {"))
    expect(await run(readJson(kv, "b.text"))).toStrictEqual({ value: undefined, revision: rev, existed: true })
    await run(deleteAt(kv, "b.text", rev))
    const after = await run(readJson(kv, "b.text", true))
    expect(after.value).toBeUndefined()
    expect(after.existed).toBe(true)
    expect(after.revision).toBeGreaterThan(rev)
  })

  test("kv-bucket - a create of a present key, an update and a delete at a stale revision fail with RevisionMismatch naming the key; writeJsonIfUnchanged answers undefined", async () => {
    const rev = await run(writeJson(kv, "c.key", { n: 1 }, { revision: 0, existed: false }))
    await run(writeJson(kv, "c.key", { n: 2 }, { revision: rev, existed: true }))
    for (const attempt of [
      writeJson(kv, "c.key", { n: 3 }, { revision: 0, existed: false }),
      writeJson(kv, "c.key", { n: 3 }, { revision: rev, existed: true }),
      deleteAt(kv, "c.key", rev),
    ]) {
      const cause = await failureOf(attempt)
      const errors = (cause?.reasons ?? []).map((r) => (r._tag === "Fail" ? r.error : r._tag))
      expect(errors).toHaveLength(1)
      expect(errors[0]).toBeInstanceOf(RevisionMismatch)
      expect(errors[0]).toMatchObject({ _tag: "RevisionMismatch", key: "c.key" })
    }
    expect(await run(writeJsonIfUnchanged(kv, "c.key", { n: 3 }, { revision: rev, existed: true }))).toBeUndefined()
    expect((await run(readJson(kv, "c.key"))).value).toStrictEqual({ n: 2 })
  })

  test("kv-bucket - modify from a stale belief loses its first write, steps again on what the leader holds, and returns the value and revision it wrote", async () => {
    const first = await run(writeJson(kv, "d.count", { n: 1 }, { revision: 0, existed: false }))
    await run(writeJson(kv, "d.count", { n: 5 }, { revision: first, existed: true }))
    const seen: Array<unknown> = []
    const step = (cur: { readonly value: unknown }) => {
      seen.push(cur.value)
      return { n: ((cur.value as { n: number } | undefined)?.n ?? 0) + 1 }
    }
    const out = await run(modify(kv, "d.count", step, { value: { n: 1 }, revision: first, existed: true }))
    expect(seen).toStrictEqual([{ n: 1 }, { n: 5 }])
    expect(out.value).toStrictEqual({ n: 6 })
    expect(await run(readJson(kv, "d.count", true))).toStrictEqual({
      value: { n: 6 },
      revision: out.revision,
      existed: true,
    })
  })

  test("kv-bucket - listKeys lists exactly the keys holding a value", async () => {
    const local = await new Kvm(nc).create("door_keys")
    await local.put("k.one", new TextEncoder().encode("1"))
    await local.put("k.two", new TextEncoder().encode("2"))
    await local.put("k.gone", new TextEncoder().encode("3"))
    await local.delete("k.gone")
    expect([...(await run(listKeys(local)))].sort()).toStrictEqual(["k.one", "k.two"])
  })
})
