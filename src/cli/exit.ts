// The one error type commands fail with to choose an exit code (codes in exit-codes.ts).
import { Schema } from "effect"
import { ExitCode } from "./exit-codes.js"

export { ExitCode, UNREACHABLE_HINT } from "./exit-codes.js"

export class CliExit extends Schema.TaggedError<CliExit>()("CliExit", {
  code: Schema.Number,
  message: Schema.String,
}) {}

export const usageError = (message: string) => new CliExit({ code: ExitCode.usage, message })
