// The CLI's own surface, no NATS needed: bare `dagnats`, the help subcommand, examples in --help,
// --version, and the effect/cli built-ins that must not leak (-v after a subcommand, --wizard).
import { describe, expect, it } from "vitest"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { runCli } from "../support/cli.js"

describe("cli help and built-in flags", () => {
  it("cli - bare dagnats prints the help with its subcommands on stdout and exits 0", async () => {
    const r = await runCli([])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/SUBCOMMANDS[\s\S]*\n {2}trigger {2,}manage triggers/)
    expect(r.stdout).toMatch(/\n {2}help {2,}show help for a command/)
    expect(r.stderr).toBe("")
  })

  it("cli - dagnats help trigger create is trigger create --help: exit 0, its flags and examples", async () => {
    const viaHelp = await runCli(["help", "trigger", "create"])
    const viaFlag = await runCli(["trigger", "create", "--help"])
    expect(viaHelp.code, viaHelp.stderr).toBe(0)
    expect(viaHelp.stdout).toBe(viaFlag.stdout)
    expect(viaHelp.stdout).toContain("--workflow")
    expect(viaHelp.stdout).toMatch(
      /EXAMPLES[\s\S]*dagnats trigger create svix --workflow billing --webhook --scheme standard/,
    )
  })

  it("cli - dagnats help names an unknown command and exits 2 with nothing on stdout", async () => {
    const r = await runCli(["help", "trigger", "nosuch"])
    expect({ code: r.code, stdout: r.stdout }).toStrictEqual({ code: 2, stdout: "" })
    expect(r.stderr).toContain('unknown command "trigger nosuch"; dagnats trigger has create, list')
  })

  it("cli - the main commands show EXAMPLES in --help", async () => {
    for (const path of [[], ["serve"], ["trigger"], ["run", "list"], ["event", "publish"], ["webhook", "send"]]) {
      const r = await runCli([...path, "--help"])
      expect({ path, code: r.code, examples: r.stdout.includes("EXAMPLES") }).toStrictEqual({
        path,
        code: 0,
        examples: true,
      })
    }
  })

  it("cli - --version prints the package version and exits 0", async () => {
    const r = await runCli(["--version"])
    expect({ code: r.code, stdout: r.stdout }).toStrictEqual({ code: 0, stdout: "dagnats v0.1.0\n" })
    // Through the full command tree (--log-level is not the lean entry's) the answer is the same.
    const full = await runCli(["--version", "--log-level", "info"])
    expect({ code: full.code, stdout: full.stdout }).toStrictEqual({ code: 0, stdout: "dagnats v0.1.0\n" })
  })

  it("cli - -v after a subcommand is an unknown flag (exit 2): webhook send prints no version and sends nothing", async () => {
    let requests = 0
    const server = createServer((_req, res) => {
      requests++
      res.writeHead(202).end("{}")
    })
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r))
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
      const r = await runCli(["webhook", "send", "hook", "--url", url, "-v"])
      expect({ code: r.code, stdout: r.stdout, requests }).toStrictEqual({ code: 2, stdout: "", requests: 0 })
      expect(r.stderr).toContain("-v")
    } finally {
      server.close()
    }
  })

  it("cli - --wizard is not offered: a usage error (exit 2), absent from the help", async () => {
    const r = await runCli(["trigger", "create", "--wizard"])
    expect({ code: r.code, stdout: r.stdout }).toStrictEqual({ code: 2, stdout: "" })
    expect((await runCli(["--help"])).stdout).not.toContain("--wizard")
  })
})
