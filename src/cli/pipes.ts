// Output piped into a program that stops reading (`dagnats run list | head -1`) ends the CLI
// quietly with exit 0, the way Unix tools behave, instead of a `write EPIPE` stack trace.
// Installed once, before any command runs, for stdout and stderr alike.

const isClosedPipe = (e: unknown) => (e as { code?: unknown } | null)?.code === "EPIPE"

export const endQuietlyOnClosedPipe = (): void => {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", (e) => {
      if (isClosedPipe(e)) process.exit(0)
      throw e
    })
  }
}
