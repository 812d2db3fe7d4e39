// The CLI as an operator meets it against a running serve: closed pipes, the `run list` hint,
// stdin payloads, JSON arguments from @FILE and stdin, flag names in refusals, per-scheme secrets,
// webhook send's scheme lookup, --log-level for serve, and serve's exit code when NATS cannot be reached.
import { beforeAll, describe, expect, it } from "vitest"
import { e2eStack } from "../support/e2e-stack.js"
import { spawn } from "node:child_process"
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { DAGNATS_BIN, runCli, runJson } from "../support/cli.js"
import { freePort } from "../support/ports.js"
import { eventually } from "../support/poll.js"
import { storedEvent } from "./ingest-support.js"

const stack = e2eStack({ serve: { args: ["--log-level", "debug"] } })
const STANDARD_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
const env = () => ({ NATS_URL: stack.url, DAGNATS_URL: stack.serve.baseUrl, DAGNATS_WEBHOOK_SECRET: undefined })
const cli = (args: ReadonlyArray<string>, input?: string) =>
  runCli(args, { env: env(), ...(input !== undefined ? { input } : {}) })
const lastSeq = async () => (await stack.raw.jsm.streams.info("EVENTS")).state.last_seq

/** Run the CLI with its stdout closed before it writes anything, as `| true` or `| head` do. */
const withClosedStdout = (args: ReadonlyArray<string>) =>
  new Promise<{ code: number | null; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [DAGNATS_BIN, ...args], {
      env: { ...process.env, ...env() },
      stdio: ["ignore", "pipe", "pipe"],
    })
    child.stdout.destroy()
    let stderr = ""
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()))
    child.on("exit", (code) => resolve({ code, stderr }))
  })

beforeAll(async () => {
  await runJson(["trigger", "create", "many", "--workflow", "many-wf", "--subject", "event.many"], { env: env() })
  for (let i = 0; i < 3; i++) await runJson(["trigger", "fire", "many", "--input", `{"i":${i}}`], { env: env() })
})

describe("cli against serve", () => {
  it("cli - output into a closed pipe ends quietly with exit 0 (run list, trigger list, run list --json)", async () => {
    for (const args of [
      ["run", "list"],
      ["trigger", "list"],
      ["run", "list", "--json"],
    ]) {
      expect({ args, ...(await withClosedStdout(args)) }).toStrictEqual({ args, code: 0, stderr: "" })
    }
  })

  it("cli - the lean entry and the full command tree print the same (trigger list, event publish errors)", async () => {
    // --log-level is unknown to the lean entry, so it sends the same command line through effect/cli.
    const lines = [
      ["trigger", "list"],
      ["trigger", "list", "--json"],
      ["event", "publish", "other.x", "{}"],
      ["event", "publish", "event.x", "[1"],
    ]
    for (const args of lines) {
      const lean = await cli(args)
      const full = await cli([...args, "--log-level", "info"])
      const seen = (r: typeof lean) => ({ args, code: r.code, stdout: r.stdout, stderr: r.stderr })
      expect(seen(lean)).toStrictEqual(seen(full))
    }
  })

  it("cli - run list with more runs than the limit hints on stderr; --json keeps exactly the limit, no hint", async () => {
    const human = await cli(["run", "list", "--limit", "2"])
    expect(human.code, human.stderr).toBe(0)
    expect(human.stdout.trim().split("\n")).toHaveLength(3)
    expect(human.stderr).toBe("showing the newest 2; more exist: use --limit N (up to 1000), e.g. --limit 10\n")
    const json = await cli(["run", "list", "--limit", "2", "--json"])
    const runs = JSON.parse(json.stdout).runs.length
    expect({ code: json.code, runs, stderr: json.stderr }).toStrictEqual({ code: 0, runs: 2, stderr: "" })
    const all = await cli(["run", "list", "--limit", "3"])
    const rows = all.stdout.trim().split("\n").length
    expect({ code: all.code, rows, stderr: all.stderr }).toStrictEqual({ code: 0, rows: 4, stderr: "" })
  })

  it("cli - event publish --file - publishes stdin as given", async () => {
    const r = await cli(["event", "publish", "event.stdin", "--file", "-", "--json"], '{"from":"stdin"}\n')
    expect(r.code, r.stderr).toBe(0)
    expect((await storedEvent(stack.raw.jsm, JSON.parse(r.stdout).seq)).data.toString("utf8")).toBe(
      '{"from":"stdin"}\n',
    )
  })

  it("cli - event publish with piped stdin but no payload or --file - is refused (2), not published as {}", async () => {
    const before = await lastSeq()
    const r = await cli(["event", "publish", "event.stdin"], '{"lost":true}')
    expect({ code: r.code, stdout: r.stdout }).toStrictEqual({ code: 2, stdout: "" })
    expect(r.stderr).toContain("use --file -")
    expect(await lastSeq()).toBe(before)
  })

  it("cli - JSON arguments take @FILE and - (stdin): trigger test --payload, run start and trigger fire --input, event publish", async () => {
    const dir = mkdtempSync(join(tmpdir(), "dagnats-json-args-"))
    const file = join(dir, "p.json")
    writeFileSync(file, '{"from":"file"}\n')
    const outcome = async (args: ReadonlyArray<string>, input?: string) => {
      const r = await cli(args, input)
      return { args, code: r.code, stdout: r.stdout, stderr: r.stderr }
    }
    for (const [args, input] of [
      [["trigger", "test", "many", "--payload", `@${file}`], undefined],
      [["trigger", "test", "many", "--payload", "-"], '{"from":"stdin"}'],
    ] as const) {
      const stdout = "matched\n  pass  subject           event.many\n"
      expect(await outcome(args, input)).toStrictEqual({ args, code: 0, stdout, stderr: "" })
    }
    const inputOf = async (args: ReadonlyArray<string>, input?: string) => {
      const r = await cli([...args, "--json"], input)
      expect(r.code, r.stderr).toBe(0)
      return (await runJson(["run", "get", JSON.parse(r.stdout).run_id], { env: env() })).input
    }
    expect(await inputOf(["run", "start", "wf", "--input", `@${file}`])).toStrictEqual({ from: "file" })
    expect(await inputOf(["trigger", "fire", "many", "--input", "-"], '{"from":"stdin"}')).toStrictEqual({
      from: "stdin",
    })
    const published = await cli(["event", "publish", "event.from-file", `@${file}`, "--json"])
    expect(published.code, published.stderr).toBe(0)
    expect((await storedEvent(stack.raw.jsm, JSON.parse(published.stdout).seq)).data.toString("utf8")).toBe(
      '{"from":"file"}\n',
    )
  })

  it("cli - a JSON argument's missing or invalid file is a usage error (2) naming the flag and the file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "dagnats-json-args-"))
    const bad = join(dir, "bad.json")
    writeFileSync(bad, "{not json")
    const missing = join(dir, "missing.json")
    const cases: ReadonlyArray<readonly [ReadonlyArray<string>, string]> = [
      [
        ["trigger", "test", "many", "--payload", `@${missing}`],
        `--payload @${missing}: cannot read ${missing}: no such file`,
      ],
      [["run", "start", "wf", "--input", `@${bad}`], `--input @${bad}: must be valid JSON`],
      [["trigger", "fire", "many", "--input", `@${dir}`], `--input @${dir}: cannot read ${dir}: is a directory`],
      [["event", "publish", "event.x", `@${bad}`], `@${bad}: must be valid JSON`],
    ]
    for (const [args, message] of cases) {
      const r = await cli(args)
      expect({ args, code: r.code, stdout: r.stdout, stderr: r.stderr }).toStrictEqual({
        args,
        code: 2,
        stdout: "",
        stderr: `dagnats: ${message}\n`,
      })
    }
  })

  it("cli - trigger create refusals name flags, not fields (--debounce, --batch-size, --secret)", async () => {
    const cases: ReadonlyArray<readonly [ReadonlyArray<string>, string]> = [
      [
        ["--subject", "event.x", "--debounce", "5x"],
        '--debounce: must be a duration such as 500ms, 5s, 1m or 2h (got "5x")',
      ],
      [
        ["--subject", "event.x", "--debounce", "5s", "--debounce-timeout", "1s"],
        "--debounce-timeout: must be at least the period (5s)",
      ],
      [
        ["--subject", "event.x", "--batch-size", "5000", "--batch-timeout", "1s"],
        "--batch-size: must be a whole number from 1 to 1000",
      ],
      [["--webhook", "--secret", "x".repeat(1025)], "--secret #1: each secret must be 1-1024 characters"],
    ]
    for (const [flags, message] of cases) {
      const r = await cli(["trigger", "create", "named", "--workflow", "w", ...flags])
      expect({ flags, code: r.code, stderr: r.stderr }).toStrictEqual({
        flags,
        code: 2,
        stderr: `dagnats: ${message}\n`,
      })
    }
  })

  it("cli - a standard secret that is not whsec_ + base64 is refused at create (2) and by the service at update (1)", async () => {
    const standard = ["--workflow", "w", "--webhook", "--scheme", "standard"]
    const bad = await cli(["trigger", "create", "svix-bad", ...standard, "--secret", "whsec_not base64!"])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain("--secret #1: standard secret must be base64 after its whsec_ prefix")
    expect((await cli(["trigger", "get", "svix-bad"])).code).toBe(1)

    const plain = await cli([
      "trigger",
      "create",
      "svix-upd",
      "--workflow",
      "w",
      "--webhook",
      "--secret",
      "plain-secret",
    ])
    expect(plain.code).toBe(0)
    const switched = await cli(["trigger", "update", "svix-upd", "--scheme", "standard"])
    expect(switched.code).toBe(1)
    expect(switched.stderr).toContain("--secret #1: standard secret must be base64 after its whsec_ prefix")
  })

  it("cli - webhook send signs with the trigger's own scheme (standard) when --scheme is not given", async () => {
    const create = ["trigger", "create", "svix", "--workflow", "billing", "--webhook", "--scheme", "standard"]
    expect((await cli([...create, "--secret", STANDARD_SECRET])).code).toBe(0)
    const r = await cli(["webhook", "send", "svix", "--secret", STANDARD_SECRET, "--data", '{"type":"paid"}', "--json"])
    expect(r.code, r.stderr).toBe(0)
    const stored = await storedEvent(stack.raw.jsm, JSON.parse(r.stdout).body.seq)
    expect(stored.header("webhook-id")).toMatch(/^msg_/)
  })

  it("cli - webhook send's 401 missing header names the header the trigger's scheme expects", async () => {
    const unsigned = await cli(["webhook", "send", "svix"])
    expect(unsigned.code).toBe(1)
    expect(unsigned.stderr).toContain(
      "trigger svix (scheme standard) expects the header webhook-signature or svix-signature; this request was unsigned",
    )
    const wrong = await cli(["webhook", "send", "svix", "--scheme", "github", "--secret", "s"])
    expect(wrong.code).toBe(1)
    expect(wrong.stderr).toContain("this request was signed as github: drop --scheme")
  })

  it("cli - README's GitHub trigger: a ping delivery is stored but starts no run, a push starts one", async () => {
    const create = [
      "trigger",
      "create",
      "gh",
      "--workflow",
      "ci",
      "--webhook",
      "--scheme",
      "github",
      "--secret",
      "gh-s",
    ]
    expect((await cli([...create, "--filter-header", "X-GitHub-Event=push"])).code).toBe(0)
    const send = (event: string, data: string) =>
      cli([
        "webhook",
        "send",
        "gh",
        "--secret",
        "gh-s",
        "--header",
        `X-GitHub-Event=${event}`,
        "--data",
        data,
        "--json",
      ])
    const ping = await send("ping", '{"zen":"hi"}')
    const push = await send("push", '{"ref":"main"}')
    expect([ping.code, push.code]).toStrictEqual([0, 0])
    const fires = await eventually(async () => {
      const h = await runJson(["trigger", "history", "gh"], { env: env() })
      expect(h.fires).toHaveLength(2)
      return h.fires
    })
    expect(fires.map((f: any) => [f.event.seq, f.outcome])).toStrictEqual([
      [JSON.parse(push.stdout).body.seq, "fired"],
      [JSON.parse(ping.stdout).body.seq, "skipped"],
    ])
  })

  it("cli - serve --log-level debug logs each refused webhook's reason", async () => {
    await cli(["webhook", "send", "svix"])
    const line = /DEBUG webhook svix: 401 invalid_signature \(standard: missing header\)/
    await eventually(() => expect(stack.serve.log()).toMatch(line))
  })

  it("cli - serve exits 3 when the NATS server cannot be reached", async () => {
    const nowhere = `nats://127.0.0.1:${await freePort()}`
    const r = await runCli(["serve", "--nats-url", nowhere, "--http-addr", `127.0.0.1:${await freePort()}`])
    expect(r.code).toBe(3)
    expect(r.stderr).toContain("cannot connect to NATS")
  })
})
