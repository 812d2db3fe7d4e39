// A long-running `dagnats tail` child process, as a person would leave it open: its stdout lines are
// collected as they come, `ready` resolves once it says it is subscribed, and `stop` sends SIGINT
// (Ctrl-C) and resolves with the exit code. With `tty`, it runs on a pseudo-terminal (util-linux
// `script`) and Ctrl-C is the byte 0x03 typed into that terminal, which the terminal turns into SIGINT.
import { spawn } from "node:child_process"
import { DAGNATS_BIN } from "./cli.js"
import { eventually } from "./poll.js"
import { spawnOnTerminal } from "./terminal.js"

export interface TailProcess {
  /** Complete stdout lines so far. */
  readonly lines: () => ReadonlyArray<string>
  readonly stderr: () => string
  /** The first line `match` accepts, waiting up to `timeoutMs` for it. */
  readonly lineWith: (match: (line: string) => boolean, timeoutMs?: number) => Promise<string>
  readonly stop: () => Promise<number | null>
}

export const startTail = async (
  args: ReadonlyArray<string>,
  o: { readonly tty?: boolean } = {},
): Promise<TailProcess> => {
  const argv = [DAGNATS_BIN, "tail", ...args]
  const child =
    o.tty === true
      ? spawnOnTerminal([process.execPath, ...argv])
      : spawn(process.execPath, argv, { env: { ...process.env, NO_COLOR: "1" }, stdio: ["pipe", "pipe", "pipe"] })
  let out = ""
  let err = ""
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)))
  child.stdout.on("data", (d: Buffer) => (out += d.toString().replace(/\r\n/g, "\n")))
  // On a terminal stdout and stderr are one stream.
  const stderrText = () => (o.tty === true ? out : err)
  child.stderr.on("data", (d: Buffer) => (err += d.toString()))
  const lines = () => out.split("\n").slice(0, -1)
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      if (o.tty === true) child.stdin.write("\u0003")
      else child.kill("SIGINT")
    }
    return exited
  }
  try {
    await eventually(() => {
      if (child.exitCode !== null) throw new Error(`dagnats tail exited ${child.exitCode}: ${err}`)
      if (!stderrText().includes("tailing")) throw new Error(`dagnats tail is not subscribed yet: ${stderrText()}`)
    }, 15_000)
  } catch (e) {
    child.kill("SIGKILL")
    throw e
  }
  return {
    lines,
    stderr: stderrText,
    lineWith: async (match, timeoutMs = 10_000) => {
      let found: string | undefined
      await eventually(() => {
        found = lines().find(match)
        if (found === undefined) throw new Error(`no such line from dagnats tail yet:\n${out}\n${err}`)
      }, timeoutMs)
      return found!
    },
    stop,
  }
}
