// Proves the shipped nats.conf is easy to try and says what is wrong when a password is: the header's
// "try it" lines, run as written (only the ports changed to free ones), start the shipped file on
// another port with a throwaway store, serve and the CLI work against it as the header shows; a wrong
// or missing password fails with a hint about the credentials, not one to start serve.
import { spawn, type ChildProcess } from "node:child_process"
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { runCli } from "../support/cli.js"
import { SHIPPED_CONF } from "../support/conf.js"
import { freePort } from "../support/ports.js"
import { eventually } from "../support/poll.js"
import { startServe } from "../support/serve.js"
import { natsServerBin } from "../support/tools.js"

/**
 * The header's try-it block: the `#   ` lines from `mkdir` to the next blank comment line, a line
 * ending in `\` joined with the next as the shell joins them.
 */
const tryLines = (): Array<string> => {
  const lines = readFileSync(SHIPPED_CONF, "utf8").split("\n")
  const start = lines.findIndex((l) => l.startsWith("#   mkdir -p .data"))
  const end = lines.findIndex((l, i) => i > start && l === "#")
  return lines
    .slice(start, end)
    .map((l) => l.replace(/^#   /, ""))
    .join("\n")
    .replace(/ \\\n\s*/g, " ")
    .split("\n")
}

let dir: string
let server: ChildProcess
let log = ""
let url: string
let dagnatsLines: Array<Array<string>>

beforeAll(async () => {
  const port = await freePort()
  const httpPort = await freePort()
  dir = mkdtempSync(join(tmpdir(), "dagnats-try-conf-"))
  copyFileSync(SHIPPED_CONF, join(dir, "nats.conf"))
  const lines = tryLines().map((l) => l.replaceAll("4333", String(port)).replaceAll("8333", String(httpPort)))
  const shell = lines.filter((l) => !l.startsWith("dagnats "))
  expect(shell).toHaveLength(3)
  expect(shell[2]).toMatch(/ nats-server -c \.data\/try\.conf$/)
  const script = [...shell.slice(0, 2), `exec env ${shell[2]!.replace(" nats-server ", ` ${natsServerBin()} `)}`].join(
    "\n",
  )
  // TMPDIR: the throwaway store `mktemp -d` makes is inside this test's directory.
  server = spawn("bash", ["-c", script], { cwd: dir, env: { ...process.env, TMPDIR: dir }, stdio: "pipe" })
  server.stdout!.on("data", (d: Buffer) => (log += d.toString()))
  server.stderr!.on("data", (d: Buffer) => (log += d.toString()))
  await eventually(() => {
    if (server.exitCode !== null) throw new Error(`nats-server exited ${server.exitCode}:\n${log}`)
    expect(log).toContain("Server is ready")
  }, 15_000)
  url = `nats://127.0.0.1:${port}`
  dagnatsLines = lines.filter((l) => l.startsWith("dagnats ")).map((l) => l.split(" ").slice(1))
})

afterAll(async () => {
  if (server !== undefined && server.exitCode === null) {
    await new Promise<void>((resolve) => {
      server.once("exit", () => resolve())
      server.kill("SIGTERM")
    })
  }
  rmSync(dir, { recursive: true, force: true })
})

describe("nats.conf - trying it", () => {
  it("nats.conf - the header's try-it lines start the shipped file on another port with a store under $TMPDIR; serve and the CLI work as its lines show", async () => {
    expect(log).toContain(`Listening for client connections on ${url.replace("nats://", "")}`)
    expect(log).toMatch(new RegExp(`Store Directory: "${dir}/tmp\\.[^"]+/jetstream"`))
    const [serveLine, listLine] = dagnatsLines
    expect(serveLine![0]).toBe("serve")
    const serve = await startServe({ args: serveLine!.slice(1) })
    try {
      const listed = await runCli(listLine!)
      expect([listed.code, listed.stderr]).toEqual([0, ""])
      expect(listed.stdout).toMatch(/^no triggers\b/)
    } finally {
      expect(await serve.stop()).toBe(0)
    }
  })

  it("nats.conf - a wrong password: the CLI exits 3 naming the refused user and the flags to check, not telling to start serve", async () => {
    const r = await runCli(["trigger", "list", "--nats-url", url, "--user", "cli", "--password", "wrong"])
    expect([r.code, r.stdout]).toEqual([3, ""])
    expect(r.stderr).toBe(
      `dagnats: cannot connect to NATS at ${url}: Authorization Violation\n` +
        'NATS refused user "cli": check its password (--password / NATS_PASSWORD) and --user / NATS_USER\n',
    )
  })

  it("nats.conf - no credentials: the CLI exits 3 saying the server requires them and which flags give them", async () => {
    const r = await runCli(["trigger", "get", "x", "--nats-url", url])
    expect([r.code, r.stdout]).toEqual([3, ""])
    expect(r.stderr).toBe(
      `dagnats: cannot connect to NATS at ${url}: Authorization Violation\n` +
        "this NATS server requires credentials: give --user and --password (NATS_USER, NATS_PASSWORD), " +
        "--creds (NATS_CREDS) or --token (NATS_TOKEN)\n",
    )
  })

  it("nats.conf - serve with a wrong password exits non-zero with one line naming the refused user", async () => {
    const r = await runCli([
      "serve",
      "--nats-url",
      url,
      "--user",
      "dagnats",
      "--password",
      "wrong",
      "--http-addr",
      "127.0.0.1:0",
    ])
    expect(r.code).not.toBe(0)
    expect(r.stderr).toBe(
      `dagnats: cannot connect to NATS at ${url}: Authorization Violation; ` +
        'NATS refused user "dagnats": check its password (--password / NATS_PASSWORD) and --user / NATS_USER\n',
    )
  })
})
