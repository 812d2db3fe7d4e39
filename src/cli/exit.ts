// Exit codes of SPEC §8, and the one error type commands fail with to choose one.
import { Schema } from "effect"

export const ExitCode = {
  ok: 0,
  /** The service refused: invalid, not found, conflict. */
  refused: 1,
  /** The command line itself is wrong. */
  usage: 2,
  /** NATS or the service cannot be reached. */
  unreachable: 3,
} as const

export class CliExit extends Schema.TaggedError<CliExit>()("CliExit", {
  code: Schema.Number,
  message: Schema.String,
}) {}

export const usageError = (message: string) => new CliExit({ code: ExitCode.usage, message })

export const UNREACHABLE_HINT = "is `dagnats serve` running? Start it with `dagnats serve` (or `make run`), or point --nats-url / NATS_URL at your NATS server"
