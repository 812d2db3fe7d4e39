// Running bin/dagnats exactly as a user would, capturing exit code, stdout and stderr.
import { spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import { spawnOnTerminal } from "./terminal.js"

export const DAGNATS_BIN = fileURLToPath(new URL("../../bin/dagnats", import.meta.url))

export interface CliResult {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

export const runCli = (
  args: ReadonlyArray<string>,
  options: {
    readonly env?: Record<string, string | undefined>
    readonly input?: string
    readonly timeoutMs?: number
  } = {},
): Promise<CliResult> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [DAGNATS_BIN, ...args], {
      env: { ...process.env, NO_COLOR: "1", ...options.env },
      stdio: ["pipe", "pipe", "pipe"],
    })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()))
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()))
    const timer = setTimeout(() => {
      child.kill("SIGKILL")
      reject(new Error(`dagnats ${args.join(" ")} did not finish within ${options.timeoutMs ?? 30_000}ms\n${stderr}`))
    }, options.timeoutMs ?? 30_000)
    child.on("exit", (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
    child.stdin.end(options.input ?? "")
  })

/** Run a command with --json and parse stdout; throws with stderr when it did not exit 0. */
export const runJson = async <T = any>(
  args: ReadonlyArray<string>,
  options?: Parameters<typeof runCli>[1],
): Promise<T> => {
  const r = await runCli([...args, "--json"], options)
  if (r.code !== 0) throw new Error(`dagnats ${args.join(" ")} exited ${r.code}: ${r.stderr}`)
  return JSON.parse(r.stdout) as T
}

/** The CLI against one NATS server: `json` parses --json output, `raw` gives the exit code and output as they are. */
export const cliOn = (url: string) => ({
  json: <T = any>(...args: Array<string>) => runJson<T>([...args, "--nats-url", url]),
  raw: (...args: Array<string>) => runCli([...args, "--nats-url", url]),
})

/**
 * Run bin/dagnats with stdin, stdout and stderr on one pseudo-terminal (util-linux `script`), as at
 * a person's terminal. `output` is everything the terminal received, in order, with the terminal's
 * \r\n line ends turned back into \n.
 */
export const runCliOnTty = (
  args: ReadonlyArray<string>,
  options: { readonly env?: Record<string, string | undefined>; readonly timeoutMs?: number } = {},
): Promise<{ readonly code: number | null; readonly output: string }> =>
  new Promise((resolve, reject) => {
    const child = spawnOnTerminal([process.execPath, DAGNATS_BIN, ...args], options.env)
    let output = ""
    child.stdout.on("data", (d: Buffer) => (output += d.toString()))
    child.stderr.on("data", (d: Buffer) => (output += d.toString()))
    child.on("error", (e) => reject(new Error(`cannot run util-linux script for a terminal: ${e.message}`)))
    const timer = setTimeout(() => {
      child.kill("SIGKILL")
      reject(new Error(`dagnats ${args.join(" ")} on a terminal did not finish\n${output}`))
    }, options.timeoutMs ?? 30_000)
    child.on("exit", (code) => {
      clearTimeout(timer)
      resolve({ code, output: output.replace(/\r\n/g, "\n") })
    })
    child.stdin.end("")
  })
