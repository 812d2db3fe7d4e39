// `dagnats event dead [--limit N]`: the events dagnats gave up on (DAGNATS_DEAD), newest first,
// through the micro endpoint `dagnats.events.dead`.
import { Effect, Option } from "effect"
import { Command, Flag } from "effect/cli"
import { endpointSubject } from "../../protocol/names.js"
import { callAndPrint } from "../shared.js"
import { printLine, printTable } from "../output.js"
import { usageError } from "../exit.js"
import { truncatedNote } from "../list-hint.js"
import { DeadList } from "../replies.js"

const limitFlag = Flag.Int("limit").pipe(
  Flag.withDescription("how many, newest first (1-1000, default 20)"),
  Flag.optional,
)

export const eventDead = Command.make("dead", { limit: limitFlag }, ({ limit }) =>
  Effect.gen(function* () {
    if (Option.isSome(limit) && !(Number.isInteger(limit.value) && limit.value >= 1 && limit.value <= 1000)) {
      return yield* usageError("--limit: must be a whole number from 1 to 1000")
    }
    const body = Option.isSome(limit) ? { limit: limit.value } : {}
    const shape = DeadList(Option.getOrUndefined(limit))
    yield* callAndPrint(endpointSubject("events", "dead"), body, shape, (reply) => {
      const { dead } = reply
      if (dead.length === 0) return printLine("no dead letters")
      printTable(
        ["AT", "EVENT", "ERROR"],
        dead.map((d) => [d.at, `${d.subject} #${d.seq}`, d.error]),
      )
      truncatedNote(reply, "letters were left out or cut")
    })
  }),
).pipe(Command.withDescription("list events whose evaluation was given up on (DAGNATS_DEAD), newest first"))
