// A program run on a pseudo-terminal (util-linux `script`), as at a person's terminal: stdin, stdout
// and stderr of the program are the terminal; the returned child's stdout is everything the terminal
// printed and its stdin is what is typed (0x03 is Ctrl-C, which the terminal turns into SIGINT).
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process"

const shellQuote = (word: string) => `'${word.replace(/'/g, `'\\''`)}'`

/** `argv[0] argv[1…]` on a new terminal; `--return` makes the child's exit code the program's. */
export const spawnOnTerminal = (
  argv: ReadonlyArray<string>,
  env: Record<string, string | undefined> = {},
): ChildProcessWithoutNullStreams =>
  // `exec`: no shell may stay between the terminal and the program, or Ctrl-C reaches that shell too
  // and dash (the /bin/sh `script` falls back to when SHELL is unset) dies of it: exit 130.
  spawn("script", ["--quiet", "--return", "--command", `exec ${argv.map(shellQuote).join(" ")}`, "/dev/null"], {
    env: { ...process.env, NO_COLOR: "1", ...env, SHELL: "/bin/sh" },
    stdio: ["pipe", "pipe", "pipe"],
  })
