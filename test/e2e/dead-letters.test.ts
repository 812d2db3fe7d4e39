// Proves bounded retries: an event whose evaluation fails on every delivery is given up on after
// 10 deliveries — stored in DAGNATS_DEAD with the error, recorded as `error` in the history of each
// trigger it matched, counted on /metrics, acknowledged, and listed by `dagnats event dead` — while
// a debounce window of another trigger fires meanwhile, and `event dead` rejects a bad --limit. The
// dead letter keeps what the event's identity is made of: the EVENTS epoch and its message id.
import { describe, expect, test } from "vitest"
import { e2eStack } from "../support/e2e-stack.js"
import { eventually } from "../support/poll.js"
import { createTrigger, openWindowsNats } from "./windows-support.js"

// Short NAK delays so ten deliveries take seconds, not minutes.
const stack = e2eStack({ openRaw: openWindowsNats, serve: { env: { DAGNATS_RETRY_DELAY: "20ms" } } })
const cli = { json: stack.cli, raw: stack.cliRaw }

/** A payload whose run record (payload plus the record's fields) exceeds the 2 MB max_payload. */
const tooLargeForARun = () => ({ t: "x".repeat(2 * 1024 * 1024 - 200) })

describe("dead letters - bounded retries", () => {
  test("dead letters - an event that fails 10 deliveries is in DAGNATS_DEAD, error in each matched trigger's history, on /metrics, acked, listed by event dead", async () => {
    await createTrigger(stack.url, "huge-a", "event.huge", [])
    await createTrigger(stack.url, "huge-b", "event.huge", [])
    const body = new TextEncoder().encode(JSON.stringify(tooLargeForARun()))
    const seq = (await stack.raw.js.publish("event.huge", body, { msgID: "huge-1" })).seq
    const listed = await eventually(
      async () => {
        const r = await cli.json<{ dead: Array<Record<string, unknown>> }>("event", "dead")
        expect(r.dead).toHaveLength(1)
        return r.dead
      },
      60_000,
      250,
    )
    expect(listed).toStrictEqual([
      {
        subject: "event.huge",
        seq,
        error: expect.stringMatching(/^gave up after 10 deliveries: /),
        at: expect.any(String),
      },
    ])
    await stack.raw.settled()
    for (const trigger of ["huge-a", "huge-b"]) {
      const fires = await stack.raw.fires(trigger)
      expect(fires.map((f) => [f.outcome, f.event.seq, f.error])).toStrictEqual([["error", seq, listed[0]!.error]])
    }
    expect(await stack.raw.runsOf("huge-a")).toStrictEqual([])
    const dead = await stack.raw.jsm.streams.getMessage("DAGNATS_DEAD", { last_by_subj: `dagnats.dead.${seq}` })
    // The body did not fit beside the dead-letter headers; EVENTS still holds it. The event's
    // identity (the EVENTS epoch, its message id) is kept, so a replay of the letter finds its runs.
    const epoch = (await stack.raw.jsm.streams.info("EVENTS")).created.replace(/\D/g, "")
    expect([
      dead?.header.get("Dagnats-Dead-Subject"),
      dead?.header.get("Dagnats-Dead-Seq"),
      dead?.header.get("Dagnats-Dead-Body-Omitted"),
      dead?.header.get("Dagnats-Dead-Epoch"),
      dead?.header.get("Dagnats-Dead-Msg-Id"),
    ]).toStrictEqual(["event.huge", String(seq), String(body.length), epoch, "huge-1"])
    const metrics = await (await fetch(`${stack.serve.baseUrl}/metrics`)).text()
    expect(metrics).toMatch(/^dagnats_dead_letters_total 1$/m)
  })

  test("dead letters - event dead --limit 0 is a usage error (exit 2) naming the flag", async () => {
    const r = await cli.raw("event", "dead", "--limit", "0")
    expect([r.code, r.stderr.includes("--limit: must be a whole number from 1 to 1000")]).toStrictEqual([2, true])
  })
})
