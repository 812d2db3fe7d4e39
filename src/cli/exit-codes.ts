// Exit codes of the CLI and the plain error the start-up fast path fails with. No effect import:
// `dagnats --version` and `trigger list` load this without the effect runtime.

export const ExitCode = {
  ok: 0,
  /** The service refused: invalid, not found, conflict. */
  refused: 1,
  /** The command line itself is wrong. */
  usage: 2,
  /** NATS or the service cannot be reached. */
  unreachable: 3,
} as const

/** A micro error reply from the service: 503 (NATS behind it is away) is "cannot reach", anything else a refusal. */
export const exitCodeForMicroError = (code: number): number => (code === 503 ? ExitCode.unreachable : ExitCode.refused)

export const UNREACHABLE_HINT =
  "is `dagnats serve` running? Start it with `dagnats serve` (or `make run`), " +
  "or point --nats-url / NATS_URL at your NATS server"

/** A failure that ends the command with `code`; the Effect commands turn it into a CliExit. */
export class ExitError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message)
  }
}

/** The exit code and the one stderr line for a failure outside the effect runtime: an ExitError keeps its
 * code; anything else is an unexpected failure, exit 1, never silent. */
export const exitForError = (e: unknown): { readonly code: number; readonly line: string } =>
  e instanceof ExitError
    ? { code: e.code, line: `dagnats: ${e.message}` }
    : { code: ExitCode.refused, line: `dagnats: unexpected failure: ${oneLine(e)}` }

const oneLine = (e: unknown): string => (e instanceof Error ? e.message : String(e)).replace(/\s*\n\s*/g, " ")
