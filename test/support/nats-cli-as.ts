// The real NATS CLI (`nats`, v0.5.0, installed by `make setup` under .tools/bin) run as one of the shipped
// nats.conf users, for tests that check what an operator with that tool can and cannot do.
import { spawn } from "node:child_process"
import { Users, type UserName } from "./conf.js"
import { natsCliBin } from "./tools.js"
import { spawnOnTerminal } from "./terminal.js"

export interface NatsCliResult {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
  /** stdout and stderr together, for assertions that do not care which stream the CLI chose. */
  readonly output: string
}

export interface NatsCliOptions {
  readonly input?: string
  /** Kill the CLI after this long (a subscription runs until killed); the result then has code null. */
  readonly timeoutMs?: number
  /** Run under a pseudo-terminal (`script`), for commands that refuse to run without one. */
  readonly tty?: boolean
  /** Inbox prefix; default the user's own `_INBOX_<user>`, as README tells operators. */
  readonly inboxPrefix?: string
}

/** `nats -s URL --user U --password P --inbox-prefix _INBOX_U …args`. */
export const runNatsAs = (url: string, user: UserName, args: ReadonlyArray<string>, o: NatsCliOptions = {}) => {
  const NATS_CLI_BIN = natsCliBin()
  const u = Users[user]
  const full = [
    "-s",
    url,
    "--user",
    u.user,
    "--password",
    u.password,
    "--inbox-prefix",
    o.inboxPrefix ?? `_INBOX_${u.user}`,
    "--timeout",
    "2s",
    ...args,
  ]
  return new Promise<NatsCliResult>((resolve) => {
    const child =
      o.tty === true
        ? spawnOnTerminal([NATS_CLI_BIN, ...full])
        : spawn(NATS_CLI_BIN, full, { env: { ...process.env, NO_COLOR: "1" }, stdio: ["pipe", "pipe", "pipe"] })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()))
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()))
    const timer = setTimeout(() => child.kill("SIGKILL"), o.timeoutMs ?? 20_000)
    child.on("exit", (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr, output: stdout + stderr })
    })
    child.stdin.end(o.input ?? "")
  })
}
