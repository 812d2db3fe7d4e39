// The typed failures commands raise (Usage, Refused, Unreachable: what went wrong, not which code), and the
// one mapping from how a command ended to its exit code and stderr line (toExitCode).
import { Cause, Schema } from "effect"
import { CliError } from "effect/cli"
import { ExitCode, ExitError, exitFor, exitForError, type Condition } from "./exit-codes.js"

export { ExitCode, UNREACHABLE_HINT } from "./exit-codes.js"

/** The command line itself is wrong. */
export class Usage extends Schema.TaggedError<Usage>()("Usage", { message: Schema.String }) {}
/** The service (or NATS) refused: invalid, not found, conflict, not permitted, a run that failed. */
export class Refused extends Schema.TaggedError<Refused>()("Refused", { message: Schema.String }) {}
/** NATS, serve or the service cannot be reached or did not answer in time. */
export class Unreachable extends Schema.TaggedError<Unreachable>()("Unreachable", { message: Schema.String }) {}

export type CliFailure = Usage | Refused | Unreachable

export const usageError = (message: string) => new Usage({ message })

/** The typed failure of `condition`: how the plain-promise helpers' ExitError enters the effect commands. */
export const failure = (condition: Condition, message: string): CliFailure =>
  condition === "usage"
    ? new Usage({ message })
    : condition === "refused"
      ? new Refused({ message })
      : new Unreachable({ message })

/** The failures of `dagnats serve` itself that end the command; serve's error channel must stay within these. */
export interface ServeFailure {
  readonly _tag: "Unavailable" | "Internal" | "UnsupportedServer" | "EmbeddedNatsError" | "ListenError"
  readonly message: string
}

const conditions: Record<CliFailure["_tag"] | ServeFailure["_tag"], Condition> = {
  Usage: "usage",
  Refused: "refused",
  Unreachable: "unreachable",
  // NATS that cannot be reached while serve starts is "cannot reach", as for every other command.
  Unavailable: "unreachable",
  Internal: "refused",
  UnsupportedServer: "refused",
  EmbeddedNatsError: "refused",
  ListenError: "refused",
}

const conditionOf = (error: unknown): Condition | undefined => {
  const tag = (error as { _tag?: unknown } | null)?._tag
  if (typeof tag !== "string" || !Object.hasOwn(conditions, tag)) return undefined
  return conditions[tag as keyof typeof conditions]
}

/** The same failure with another message (a lookup that failed, said in the command's terms). */
export const withMessage = (e: CliFailure, message: string): CliFailure => failure(conditions[e._tag], message)

/** The exit code of a failed command and the line to print on stderr (undefined when effect/cli's presenter
 * already printed the usage error). A typed failure gets its condition's code; anything else is an unexpected
 * failure: one line, exit 1, never silent. */
export const toExitCode = (cause: Cause.Cause<unknown>): { readonly code: number; readonly line?: string } => {
  const failed = cause.reasons.find(Cause.isFailReason)
  const error = failed?.error
  const condition = conditionOf(error)
  if (condition !== undefined) return exitFor(condition, (error as { message: string }).message)
  if (error instanceof ExitError) return exitForError(error)
  if (CliError.isCliError(error)) return { code: ExitCode.usage }
  if (failed !== undefined) return exitForError(error)
  const first =
    Cause.pretty(cause)
      .split("\n")
      .find((l) => l.trim() !== "") ?? "interrupted"
  return exitFor("refused", `unexpected failure: ${first.trim()}`)
}
