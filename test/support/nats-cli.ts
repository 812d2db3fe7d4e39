// The real NATS CLI (`nats`, v0.5.0 from make setup) as a child process, the way operators run it.
import { execFile } from "node:child_process"
import { natsCliBin } from "./tools.js"

export interface NatsCliResult {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

/** `nats -s URL ARGS…`; resolves with the exit code and both outputs, whatever the exit code. */
export const runNats = (url: string, args: ReadonlyArray<string>, timeoutMs = 20_000): Promise<NatsCliResult> => {
  const bin = natsCliBin()
  return new Promise((resolve, reject) =>
    execFile(
      bin,
      ["--server", url, "--timeout", "10s", ...args],
      { timeout: timeoutMs, env: { ...process.env, NO_COLOR: "1" } },
      (error, stdout, stderr) => {
        if (error !== null && typeof error.code !== "number")
          return reject(new Error(`nats ${args.join(" ")}: ${error.message}\n${stderr}`))
        resolve({ code: error === null ? 0 : (error.code as number), stdout, stderr })
      },
    ),
  )
}

/** `nats … --json`, parsed; throws with stderr when nats exits non-zero. */
export const natsJson = async <T = any>(url: string, args: ReadonlyArray<string>): Promise<T> => {
  const r = await runNats(url, [...args, "--json"])
  if (r.code !== 0) throw new Error(`nats ${args.join(" ")} exited ${r.code}: ${r.stderr}`)
  return JSON.parse(r.stdout) as T
}
