// The one error type commands fail with to choose an exit code (codes in exit-codes.ts), and the one
// mapping from how a command ended to its exit code and stderr line (toExitCode).
import { Cause, Schema } from "effect"
import { CliError } from "effect/cli"
import { ExitCode, ExitError, exitForError } from "./exit-codes.js"

export { ExitCode, UNREACHABLE_HINT } from "./exit-codes.js"

export class CliExit extends Schema.TaggedError<CliExit>()("CliExit", {
  code: Schema.Number,
  message: Schema.String,
}) {}

export const usageError = (message: string) => new CliExit({ code: ExitCode.usage, message })

/** The exit code of a failed command and the line to print on stderr (undefined when effect/cli's presenter
 * already printed the usage error). A CliExit or ExitError keeps its code; anything else is an unexpected
 * failure: one line, exit 1, never silent. */
export const toExitCode = (cause: Cause.Cause<unknown>): { readonly code: number; readonly line?: string } => {
  const failure = cause.reasons.find(Cause.isFailReason)
  const error = failure?.error
  if (error instanceof CliExit) return { code: error.code, line: `dagnats: ${error.message}` }
  if (error instanceof ExitError) return exitForError(error)
  if (CliError.isCliError(error)) return { code: ExitCode.usage }
  if (failure !== undefined) return exitForError(error)
  const first =
    Cause.pretty(cause)
      .split("\n")
      .find((l) => l.trim() !== "") ?? "interrupted"
  return { code: ExitCode.refused, line: `dagnats: unexpected failure: ${first.trim()}` }
}
