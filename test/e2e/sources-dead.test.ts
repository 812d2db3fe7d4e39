// Proves dead letters of a source (SPEC §12 with §6's bounded retries): a KV change whose run cannot
// be stored is given up on after 10 deliveries into DAGNATS_DEAD with its stream's epoch, and
// `event replay --trigger T --dead` evaluates it again as the change record it was (same identity), for the triggers
// whose ops take it (the body that did not fit beside the dead-letter headers is read from KV_{bucket}).
import { expect, test } from "vitest"
import { Kvm } from "@nats-io/kv"
import { e2eStack } from "../support/e2e-stack.js"
import { eventually } from "../support/poll.js"
import { runIdFor } from "../../src/domain/run-id.js"

// Short NAK delays so ten deliveries take seconds, not minutes.
const stack = e2eStack({ serve: { env: { DAGNATS_RETRY_DELAY: "20ms" } } })

test("sources dead letters - a KV change that fails 10 deliveries is a dead letter, and replay --dead evaluates it as its change record within the ops", async () => {
  const { raw } = stack
  const kv = await new Kvm(raw.js).create("blobs")
  await stack.cli("trigger", "create", "blob", "--workflow", "blob-wf", "--kv", "blobs", "--key", ">")
  await stack.cli(
    "trigger",
    "create",
    "blob-gone",
    "--workflow",
    "gone-wf",
    "--kv",
    "blobs",
    "--key",
    ">",
    "--ops",
    "delete",
  )
  // A value whose run record (the change record and the record's fields) exceeds the 2 MB max_payload.
  const revision = await kv.put("big", JSON.stringify({ t: "x".repeat(2 * 1024 * 1024 - 400) }))
  const dead = await eventually(
    async () => {
      const r = await stack.cli<{ dead: Array<Record<string, unknown>> }>("event", "dead")
      expect(r.dead).toHaveLength(1)
      return r.dead[0]!
    },
    60_000,
    250,
  )
  expect([dead["subject"], dead["seq"]]).toStrictEqual(["$KV.blobs.big", revision])
  const letter = await raw.jsm.streams.getMessage("DAGNATS_DEAD", { last_by_subj: `dagnats.dead.${revision}` })
  const epoch = `KV_blobs:${(await raw.jsm.streams.info("KV_blobs")).created.replace(/\D/g, "")}`
  expect(letter?.header.get("Dagnats-Dead-Epoch")).toBe(epoch)
  const fires = await raw.fires("blob")
  expect(fires.map((f) => [f.outcome, f.event.subject, f.event.seq])).toStrictEqual([
    ["error", "$KV.blobs.big", revision],
  ])
  const dry = await stack.cli("event", "replay", "--trigger", "blob", "--dead", "--dry-run")
  expect(dry.events).toStrictEqual([
    // The live evaluation stored the run record before what followed failed: the same identity finds it.
    {
      subject: "$KV.blobs.big",
      seq: revision,
      outcome: "existing",
      run_id: runIdFor("blob", { kind: "sequence", seq: revision, epoch }),
    },
  ])
  const none = await stack.cli("event", "replay", "--trigger", "blob-gone", "--dead", "--dry-run")
  expect([none.evaluated, none.events]).toStrictEqual([0, []])
}, 90_000)
