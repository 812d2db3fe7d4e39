// Proves `dagnats webhook send` signs and posts like a provider against a running serve, and maps outcomes to exit codes 0, 1, 2 and 3.
import { beforeAll, describe, expect, it } from "vitest"
import { e2eStack } from "../support/e2e-stack.js"
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { runCli } from "../support/cli.js"
import { freePort } from "../support/ports.js"
import { storedEvent, webhookTrigger, DELIVERY_ID } from "./ingest-support.js"

const stack = e2eStack()
/** Run the CLI against this file's serve and NATS (the trigger's scheme is looked up there); no ambient secret or URL. */
const cli = (args: ReadonlyArray<string>, env: Record<string, string | undefined> = {}) =>
  runCli(["webhook", "send", ...args], {
    env: { DAGNATS_WEBHOOK_SECRET: undefined, DAGNATS_URL: stack.serve.baseUrl, NATS_URL: stack.url, ...env },
  })

beforeAll(async () => {
  await webhookTrigger(stack.raw.nc, "hook", { secrets: ["cli-secret"] })
  await webhookTrigger(stack.raw.nc, "gh", { scheme: "github", secrets: ["gh-secret"] })
  await webhookTrigger(stack.raw.nc, "open", { verify: false })
  await webhookTrigger(stack.raw.nc, "slack", { scheme: "slack", secrets: ["slack-secret"] })
})

describe("webhook send", () => {
  it("webhook send - a signed body is accepted: exit 0, the status and the answer printed, the bytes stored as given", async () => {
    const data = '{ "deploy": "héllo ✓" }'
    const r = await cli(["hook", "--secret", "cli-secret", "--data", data])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/^202 Accepted$/m)
    const seq = Number(/"seq": (\d+)/.exec(r.stdout)?.[1])
    expect((await storedEvent(stack.raw.jsm, seq)).data.toString("utf8")).toBe(data)
  })

  it("webhook send - --json prints {status, body} with the parsed answer", async () => {
    const r = await cli(["hook", "--secret", "cli-secret", "--json"])
    expect(r.code, r.stderr).toBe(0)
    const out = JSON.parse(r.stdout)
    expect(out).toEqual({
      status: 202,
      body: {
        accepted: true,
        subject: "event.webhook.hook",
        stream: "EVENTS",
        seq: expect.any(Number),
        duplicate: false,
        delivery_id: DELIVERY_ID,
      },
    })
    expect((await storedEvent(stack.raw.jsm, out.body.seq)).data.toString("utf8")).toBe("{}")
  })

  it("webhook send - the wrong secret exits 1 and still prints the refusal", async () => {
    const r = await cli(["hook", "--secret", "nope", "--json"])
    expect(r.code).toBe(1)
    expect(JSON.parse(r.stdout)).toEqual({
      status: 401,
      body: { error: { code: "invalid_signature", message: "signature mismatch" }, delivery_id: DELIVERY_ID },
    })
  })

  it("webhook send - the secret comes from DAGNATS_WEBHOOK_SECRET when --secret is absent; with neither it sends unsigned", async () => {
    expect((await cli(["hook"], { DAGNATS_WEBHOOK_SECRET: "cli-secret" })).code).toBe(0)
    const unsigned = await cli(["hook", "--json"])
    expect(unsigned.code).toBe(1)
    expect(JSON.parse(unsigned.stdout).body.error.message).toBe("missing header")
    expect((await cli(["open"])).code).toBe(0)
  })

  it("webhook send - --scheme signs as that provider and --file sends a file's bytes", async () => {
    const dir = mkdtempSync(join(tmpdir(), "dagnats-cli-"))
    const file = join(dir, "push.json")
    writeFileSync(file, '{"ref":"refs/heads/main"}\n')
    const r = await cli(["gh", "--scheme", "github", "--secret", "gh-secret", "--file", file, "--json"])
    expect(r.code, r.stderr).toBe(0)
    const stored = await storedEvent(stack.raw.jsm, JSON.parse(r.stdout).body.seq)
    expect(stored.data.toString("utf8")).toBe('{"ref":"refs/heads/main"}\n')
    expect(stored.header("X-GitHub-Delivery")).toMatch(/^[0-9a-f-]{36}$/)
  })

  it("webhook send - --data @FILE sends the file's bytes and --data - sends stdin's, as curl --data-binary does", async () => {
    const dir = mkdtempSync(join(tmpdir(), "dagnats-cli-"))
    const file = join(dir, "body.json")
    writeFileSync(file, '{"from":"file"}\n')
    const fromFile = await cli(["hook", "--secret", "cli-secret", "--data", `@${file}`, "--json"])
    expect(fromFile.code, fromFile.stderr).toBe(0)
    const stored = await storedEvent(stack.raw.jsm, JSON.parse(fromFile.stdout).body.seq)
    expect(stored.data.toString("utf8")).toBe('{"from":"file"}\n')
    const fromStdin = await runCli(["webhook", "send", "hook", "--secret", "cli-secret", "--data", "-", "--json"], {
      env: { DAGNATS_WEBHOOK_SECRET: undefined, DAGNATS_URL: stack.serve.baseUrl, NATS_URL: stack.url },
      input: '{"from":"stdin"}',
    })
    expect(fromStdin.code, fromStdin.stderr).toBe(0)
    const piped = await storedEvent(stack.raw.jsm, JSON.parse(fromStdin.stdout).body.seq)
    expect(piped.data.toString("utf8")).toBe('{"from":"stdin"}')
    const missing = join(dir, "missing.json")
    expect(await cli(["hook", "--data", `@${missing}`])).toStrictEqual({
      code: 2,
      stdout: "",
      stderr: `dagnats: --data @${missing}: cannot read ${missing}: no such file\n`,
    })
  })

  it("webhook send - --content-type sends a slack form body as it is", async () => {
    const data = "command=%2Fdeploy&text=prod"
    const r = await cli([
      "slack",
      "--scheme",
      "slack",
      "--secret",
      "slack-secret",
      "--content-type",
      "application/x-www-form-urlencoded",
      "--data",
      data,
      "--json",
    ])
    expect(r.code, r.stderr).toBe(0)
    const stored = await storedEvent(stack.raw.jsm, JSON.parse(r.stdout).body.seq)
    expect(stored.data.toString("utf8")).toBe(data)
    expect(stored.header("Content-Type")).toBe("application/x-www-form-urlencoded")
  })

  it("webhook send - --url overrides DAGNATS_URL", async () => {
    const r = await cli(["hook", "--secret", "cli-secret", "--url", stack.serve.baseUrl], {
      DAGNATS_URL: "http://127.0.0.1:1",
    })
    expect(r.code, r.stderr).toBe(0)
  })

  it("webhook send - --data with --file is a usage error (exit 2)", async () => {
    const r = await cli(["hook", "--data", "{}", "--file", "x.json"])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain("--data and --file")
  })

  it("webhook send - an unknown scheme is a usage error (exit 2)", async () => {
    expect((await cli(["hook", "--scheme", "md5"])).code).toBe(2)
  })

  it("webhook send - serve not running exits 3 with a hint to run dagnats serve", async () => {
    const r = await cli(["hook", "--secret", "cli-secret", "--url", `http://127.0.0.1:${await freePort()}`])
    expect(r.code).toBe(3)
    expect(r.stderr).toContain("connection refused")
    expect(r.stderr).toContain("dagnats serve")
  })
})
