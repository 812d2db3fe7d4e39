// Proves a dead letter gives back its event's subject, sequence and epoch: the epoch header, else the
// epoch in the letter's own message id when it is for that sequence.
import { expect, test } from "vitest"
import { deadLetterOrigin } from "../../../src/dead/index.js"

test("dead letter origin - the epoch header, else the epoch in the letter's own message id for that sequence", () => {
  const lookup = (h: Record<string, string>) => (name: string) => h[name]
  const base = { "dagnats-dead-subject": "event.x", "dagnats-dead-seq": "12" }
  expect(
    deadLetterOrigin(lookup({ ...base, "dagnats-dead-epoch": "111", "nats-msg-id": "dead.222.12" })),
  ).toStrictEqual({ subject: "event.x", seq: 12, epoch: "111" })
  expect(deadLetterOrigin(lookup({ ...base, "nats-msg-id": "dead.222.12" }))).toStrictEqual({
    subject: "event.x",
    seq: 12,
    epoch: "222",
  })
  expect(deadLetterOrigin(lookup({ ...base, "nats-msg-id": "dead.222.13" }))).toStrictEqual({
    subject: "event.x",
    seq: 12,
    epoch: undefined,
  })
  expect(deadLetterOrigin(lookup({ "dagnats-dead-subject": "event.x", "dagnats-dead-seq": "0" }))).toBeUndefined()
})
