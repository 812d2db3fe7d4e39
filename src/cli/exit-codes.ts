// How a failed command is classified (Condition), the exit code of each condition, and the plain error the
// start-up fast path fails with. No effect import: `dagnats --version` and `trigger list` load this without
// the effect runtime. Commands name a condition; only exitFor turns one into a code and a stderr line.
import { safeLines } from "./terminal-text.js"

export const ExitCode = {
  ok: 0,
  /** The service refused: invalid, not found, conflict. */
  refused: 1,
  /** The command line itself is wrong. */
  usage: 2,
  /** NATS or the service cannot be reached. */
  unreachable: 3,
} as const

/** Why a command failed; each has one exit code. */
export type Condition = "refused" | "usage" | "unreachable"

/** A micro error reply from the service: 503 (NATS behind it is away) is "cannot reach", anything else a refusal. */
export const conditionForMicroError = (code: number): Condition => (code === 503 ? "unreachable" : "refused")

export const UNREACHABLE_HINT =
  "is `dagnats serve` running? Start it with `dagnats serve` (or `make run`), " +
  "or point --nats-url / NATS_URL at your NATS server"

/** A failure that ends the command under `condition`; the Effect commands turn it into their typed failure. */
export class ExitError extends Error {
  constructor(
    readonly condition: Condition,
    message: string,
  ) {
    super(message)
  }
}

/**
 * The exit code and stderr line of a command that failed under `condition` with `message`. Messages
 * quote the service and NATS, so control characters are shown as escapes; the lines stay the CLI's.
 */
export const exitFor = (condition: Condition, message: string): { readonly code: number; readonly line: string } => ({
  code: ExitCode[condition],
  line: `dagnats: ${safeLines(message)}`,
})

/** The exit code and the one stderr line for a failure outside the effect runtime: an ExitError keeps its
 * condition; anything else is an unexpected failure, exit 1, never silent. */
export const exitForError = (e: unknown): { readonly code: number; readonly line: string } =>
  e instanceof ExitError ? exitFor(e.condition, e.message) : exitFor("refused", `unexpected failure: ${oneLine(e)}`)

const oneLine = (e: unknown): string => (e instanceof Error ? e.message : String(e)).replace(/\s*\n\s*/g, " ")
