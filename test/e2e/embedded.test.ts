// Proves serve's embedded NATS (SPEC §2): without a URL it runs nats-server on the given port and data dir, stops it on SIGTERM, keeps triggers across restarts, and fails with one actionable line when the port is taken or the binary is missing.
// A stop on the embedded server (Ctrl-C on `make run`) has no load-balancer delay and drains before the server stops.
import { spawn } from "node:child_process"
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs"
import { createServer, type Server } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, test } from "vitest"
import { startServe, type ServeProcess } from "../support/serve.js"
import { DAGNATS_BIN, runCli } from "../support/cli.js"
import { freePort } from "../support/ports.js"
import { eventually } from "../support/poll.js"

let port: number
let dataDir: string
let serve: ServeProcess | undefined

const embeddedServe = () => startServe({ args: ["--nats-port", String(port), "--data-dir", dataDir] })

/** Resolves when something accepts a listener on 127.0.0.1:port (nothing else holds it). */
const canListen = (p: number) =>
  new Promise<void>((resolve, reject) => {
    const probe = createServer()
    probe.once("error", reject)
    probe.listen(p, "127.0.0.1", () => probe.close(() => resolve()))
  })

beforeAll(async () => {
  port = await freePort()
  dataDir = tempDir()
})

const tempDirs: Array<string> = []
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), "dagnats-embedded-"))
  tempDirs.push(dir)
  return dir
}

afterAll(async () => {
  await serve?.kill()
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true })
})

describe("embedded nats-server", () => {
  test("serve - without a NATS URL starts nats-server on --nats-port with its store under --data-dir", async () => {
    serve = await embeddedServe()
    expect(serve.log()).toContain(`embedded nats-server started on nats://127.0.0.1:${port} (data ${dataDir})`)
    expect(readFileSync(join(dataDir, "nats-server.conf"), "utf8")).toContain(`listen: "127.0.0.1:${port}"`)
    expect(existsSync(join(dataDir, "nats", "jetstream"))).toBe(true)

    const env = { NATS_URL: `nats://127.0.0.1:${port}` }
    const created = await runCli(["trigger", "create", "kept", "--workflow", "w", "--webhook", "--json"], { env })
    expect([created.code, created.stderr]).toEqual([0, ""])
    expect(JSON.parse(created.stdout)).toMatchObject({ name: "kept", type: "webhook", revision: 1 })
  })

  test("serve - SIGTERM exits 0 and stops the embedded server (its port is free again)", async () => {
    expect(await serve!.stop()).toBe(0)
    await eventually(() => canListen(port), 15_000)
  })

  test("serve - a restart on the same data dir still has the triggers", async () => {
    serve = await embeddedServe()
    expect(serve.log()).toContain("trigger table loaded: 1 triggers")
    const listed = await runCli(["trigger", "list", "--json"], { env: { NATS_URL: `nats://127.0.0.1:${port}` } })
    expect(listed.code).toBe(0)
    expect(JSON.parse(listed.stdout).triggers.map((t: { name: string }) => t.name)).toEqual(["kept"])
  })

  test("serve - a killed serve (SIGKILL) leaves no nats-server behind holding the port", async () => {
    await serve!.kill()
    serve = undefined
    await eventually(() => canListen(port), 15_000)
  })
})

describe("embedded nats-server stop", () => {
  /**
   * serve as `make run` starts it from a terminal: the leader of its own process group, with no
   * shutdown delay set, so Ctrl-C (SIGINT to the whole group) reaches every process in it.
   */
  const terminalServe = async () => {
    const natsPort = await freePort()
    const env: Record<string, string | undefined> = { ...process.env, DAGNATS_DATA_DIR: tempDir() }
    delete env["DAGNATS_SHUTDOWN_DELAY"]
    const child = spawn(
      process.execPath,
      [
        DAGNATS_BIN,
        "serve",
        "--nats-port",
        String(natsPort),
        "--http-addr",
        "127.0.0.1:0",
        "--console-addr",
        "127.0.0.1:0",
      ],
      {
        env,
        stdio: ["pipe", "pipe", "pipe"],
        detached: true,
      },
    )
    let log = ""
    child.stdout!.on("data", (d: Buffer) => (log += d.toString()))
    child.stderr!.on("data", (d: Buffer) => (log += d.toString()))
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)))
    await eventually(() => {
      if (child.exitCode !== null) throw new Error(`serve exited ${child.exitCode} while starting:\n${log}`)
      expect(log).toContain("dagnats serve ready")
    }, 20_000)
    return { child, natsPort, exited, log: () => log }
  }

  test("serve - Ctrl-C (SIGINT to the process group) on the embedded server: no shutdown delay, NATS drained before the server stops, exit 0", async () => {
    const s = await terminalServe()
    process.kill(-s.child.pid!, "SIGINT")
    expect(await s.exited).toBe(0)
    expect(s.log()).toContain("SIGINT received: stopping (no shutdown delay)")
    expect(s.log()).not.toContain("the listener closes in")
    expect(s.log()).toContain("NATS connection drained")
    expect(s.log()).not.toMatch(/NATS disconnected|without drain/)
    await eventually(() => canListen(s.natsPort), 15_000)
  })

  test("serve - SIGTERM on the embedded server: no shutdown delay, NATS drained, exit 0", async () => {
    const s = await terminalServe()
    s.child.kill("SIGTERM")
    expect(await s.exited).toBe(0)
    expect(s.log()).toContain("SIGTERM received: stopping (no shutdown delay)")
    expect(s.log()).toContain("NATS connection drained")
    await eventually(() => canListen(s.natsPort), 15_000)
  })
})

describe("embedded nats-server failures", () => {
  let holder: Server
  let takenPort: number

  beforeAll(async () => {
    takenPort = await freePort()
    holder = createServer()
    await new Promise<void>((resolve) => holder.listen(takenPort, "127.0.0.1", () => resolve()))
  })

  afterAll(async () => {
    await new Promise<void>((resolve) => holder.close(() => resolve()))
  })

  const serveArgs = async (natsPort: number) => [
    "serve",
    "--nats-port",
    String(natsPort),
    "--data-dir",
    tempDir(),
    "--http-addr",
    `127.0.0.1:${await freePort()}`,
    "--console-addr",
    "127.0.0.1:0",
  ]

  test("serve - a taken port exits non-zero with one line saying what to do", async () => {
    const r = await runCli(await serveArgs(takenPort))
    expect(r.code).toBe(1)
    expect(r.stdout).toBe("")
    expect(r.stderr).toBe(
      `dagnats: port ${takenPort} is already in use: stop what listens there, pick another with --nats-port, or use that server with --nats-url nats://127.0.0.1:${takenPort}\n`,
    )
  })

  test("serve - a missing nats-server binary exits non-zero with one line saying what to do", async () => {
    const r = await runCli(await serveArgs(await freePort()), {
      env: { DAGNATS_NATS_SERVER_BIN: "/nonexistent/nats-server" },
    })
    expect(r.code).toBe(1)
    expect(r.stdout).toBe("")
    expect(r.stderr).toBe(
      "dagnats: nats-server not found (/nonexistent/nats-server): install it (apt-get install -y nats-server, or run make setup), set DAGNATS_NATS_SERVER_BIN, or use --nats-url\n",
    )
  })
})
