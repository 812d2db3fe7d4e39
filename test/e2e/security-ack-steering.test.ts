// Proves `cli` and `publisher` cannot steer JetStream's acknowledgement of their events into serve's
// resources: an event published with the reply subject `$JS.API.STREAM.PURGE.EVENTS`, `$KV.…`,
// `history.…` (and more) purges nothing, writes nothing, and the trigger it aimed at keeps working.
// With one account, 2.9.10 executes the purge and 2.15.2 stores the acknowledgement as a record.
import { Kvm } from "@nats-io/kv"
import { afterAll, beforeAll, describe, expect, test } from "vitest"
import { startShippedStack, type ShippedStack, type UserName } from "../support/conf.js"
import { runNatsAs } from "../support/nats-cli-as.js"
import { eventually } from "../support/poll.js"

let stack: ShippedStack

beforeAll(async () => {
  stack = await startShippedStack()
})

afterAll(async () => {
  await stack?.close()
})

/** Messages stored in `stream` on exactly `subject`. */
const storedOn = async (stream: string, subject: string): Promise<number> =>
  (await stack.jsm.streams.info(stream, { subjects_filter: subject })).state.subjects?.[subject] ?? 0

const state = async (stream: string) => {
  const s = (await stack.jsm.streams.info(stream)).state
  return { first_seq: s.first_seq, messages: s.messages }
}

const sendSigned = (trigger: string, secret: string, data: string) =>
  stack.cliJson<{ status: number }>([
    "webhook",
    "send",
    trigger,
    "--data",
    data,
    "--secret",
    secret,
    "--url",
    stack.serve.baseUrl,
  ])

const runsOf = async (trigger: string) =>
  (await stack.cliJson<{ runs: Array<unknown> }>(["run", "list", "--trigger", trigger])).runs

for (const user of ["publisher", "cli"] as const satisfies ReadonlyArray<UserName>) {
  describe(`acknowledgements of ${user}'s events`, () => {
    const title =
      `ack steering - ${user}: replies aimed at $JS.API purges, $KV, history, trigger.fire and timers ` +
      "change nothing"
    test(title, async () => {
      const trigger = `steer-${user}`
      const secret = `steer-Secret-${user}`
      await stack.cliJson(["trigger", "create", trigger, "--workflow", "steer-wf", "--webhook", "--secret", secret])
      expect((await sendSigned(trigger, secret, '{"before":true}')).status).toBe(202)
      await eventually(async () => expect(await runsOf(trigger)).toHaveLength(1), 20_000)
      const kv = await new Kvm(stack.js).open("dagnats_triggers")
      const entryBefore = await kv.get(trigger)
      expect(entryBefore?.revision).toBeGreaterThan(0)
      const streams = ["EVENTS", "KV_dagnats_triggers", "WORKFLOW_HISTORY", "TRIGGER_HISTORY", "DAGNATS_TIMERS"]
      const before = Object.fromEntries(await Promise.all(streams.map(async (s) => [s, await state(s)] as const)))

      const replies = [
        "$JS.API.STREAM.PURGE.EVENTS",
        "$JS.API.STREAM.PURGE.KV_dagnats_triggers",
        "$JS.API.STREAM.PURGE.WORKFLOW_HISTORY",
        "$JS.API.STREAM.DELETE.TRIGGER_HISTORY",
        `$KV.dagnats_triggers.${trigger}`,
        `history.forged-${user}`,
        `trigger.fire.forged-${user}`,
        `dagnats.timers.debounce.forged-${user}`,
      ]
      for (const [i, reply] of replies.entries()) {
        const out = await runNatsAs(stack.nats.url, user, ["pub", `event.steer.${user}.${i}`, "{}", "--reply", reply])
        expect(out.code, out.output).toBe(0)
      }
      // Every steering event is stored (so its acknowledgement went somewhere) before anything is checked.
      await eventually(async () => {
        for (const i of replies.keys()) expect(await storedOn("EVENTS", `event.steer.${user}.${i}`)).toBe(1)
      }, 10_000)
      const control = await runNatsAs(stack.nats.url, user, ["req", `event.steer.${user}.control`, "{}", "--raw"])
      expect(JSON.parse(control.stdout)).toMatchObject({ stream: "EVENTS" })

      const after = Object.fromEntries(await Promise.all(streams.map(async (s) => [s, await state(s)] as const)))
      expect(after["EVENTS"]).toStrictEqual({
        first_seq: before["EVENTS"]!.first_seq,
        messages: before["EVENTS"]!.messages + replies.length + 1,
      })
      for (const s of streams.filter((s) => s !== "EVENTS" && s !== "WORKFLOW_HISTORY" && s !== "TRIGGER_HISTORY")) {
        expect(after[s], s).toStrictEqual(before[s])
      }
      // serve writes history for the steering events it evaluates; none of the steered subjects may appear.
      expect(after["WORKFLOW_HISTORY"]!.first_seq).toBe(before["WORKFLOW_HISTORY"]!.first_seq)
      expect(after["TRIGGER_HISTORY"]!.first_seq).toBe(before["TRIGGER_HISTORY"]!.first_seq)
      expect(await storedOn("WORKFLOW_HISTORY", `history.forged-${user}`)).toBe(0)
      expect(await storedOn("TRIGGER_HISTORY", `trigger.fire.forged-${user}`)).toBe(0)
      expect(await storedOn("DAGNATS_TIMERS", `dagnats.timers.debounce.forged-${user}`)).toBe(0)
      expect((await kv.get(trigger))?.revision).toBe(entryBefore!.revision)

      // The trigger still verifies and starts runs.
      expect((await sendSigned(trigger, secret, '{"after":true}')).status).toBe(202)
      await eventually(async () => expect(await runsOf(trigger)).toHaveLength(2), 20_000)
    })
  })
}
