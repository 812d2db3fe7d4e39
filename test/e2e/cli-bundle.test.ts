// The bundled CLI (dist/bundle/, made by bin/bundle-cli.mjs in the build): bin/dagnats runs all of
// a full command from it instead of loading hundreds of module files, and it prints, byte for byte
// and with the same exit code, what dist/ as tsc built it prints. No NATS needed: help, usage
// errors and unreachable servers.
import { spawn } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { DAGNATS_BIN, runCli, type CliResult } from "../support/cli.js"

const ROOT = fileURLToPath(new URL("../..", import.meta.url))
const DIST_MAIN = join(ROOT, "dist", "cli", "main.js")

/** `node <script> args` as runCli runs bin/dagnats: NO_COLOR, empty stdin, output captured. */
const runNode = (script: string, args: ReadonlyArray<string>, extra: ReadonlyArray<string> = []) =>
  new Promise<CliResult>((resolve, reject) => {
    const child = spawn(process.execPath, [...extra, script, ...args], {
      env: { ...process.env, NO_COLOR: "1" },
      stdio: ["pipe", "pipe", "pipe"],
    })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()))
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()))
    child.on("error", reject)
    child.on("exit", (code) => resolve({ code, stdout, stderr }))
    child.stdin.end("")
  })

// Preloaded into bin/dagnats: records every JavaScript file Node loads as a module, ES or CommonJS.
const RECORDER = `
import { appendFileSync } from "node:fs"
import Module, { register } from "node:module"
const out = process.env.LOADED_OUT
register("data:text/javascript," + encodeURIComponent(\`
  import { appendFileSync } from "node:fs"
  export async function load(url, context, next) {
    if (url.startsWith("file:")) appendFileSync(\${JSON.stringify(out)}, url + "\\\\n")
    return next(url, context)
  }\`))
const compile = Module.prototype._compile
Module.prototype._compile = function (content, filename) {
  appendFileSync(out, "cjs:" + filename + "\\n")
  return compile.call(this, content, filename)
}
`

describe("cli bundle", () => {
  let dir = ""
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "dagnats-cli-bundle-"))
    writeFileSync(join(dir, "recorder.mjs"), RECORDER)
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  const loadedBy = async (args: ReadonlyArray<string>, name: string) => {
    const out = join(dir, `${name}.txt`)
    writeFileSync(out, "")
    const recorder = pathToFileURL(join(dir, "recorder.mjs")).href
    const child = spawn(process.execPath, ["--import", recorder, DAGNATS_BIN, ...args], {
      env: { ...process.env, NO_COLOR: "1", LOADED_OUT: out },
      stdio: ["ignore", "ignore", "pipe"],
    })
    let stderr = ""
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()))
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve))
    const files = readFileSync(out, "utf8")
      .split("\n")
      .filter((l) => l !== "" && !l.endsWith("/recorder.mjs"))
      .map((l) => l.replace(pathToFileURL(ROOT).href, "").replace(`cjs:${ROOT}`, "cjs:"))
    return { code, stderr, files }
  }

  it("cli bundle - a full command (--help, trigger get) loads no module file but bin/dagnats and its loader", async () => {
    const help = await loadedBy(["--help"], "help")
    expect({ code: help.code, files: help.files }, help.stderr).toStrictEqual({
      code: 0,
      files: ["bin/dagnats", "bin/bundle-loader.mjs"],
    })
    const get = await loadedBy(["trigger", "get", "t", "--nats-url", "nats://127.0.0.1:1"], "get")
    expect({ code: get.code, files: get.files }, get.stderr).toStrictEqual({
      code: 3,
      files: ["bin/dagnats", "bin/bundle-loader.mjs"],
    })
  })

  it("cli bundle - help, usage errors and unreachable servers print exactly what dist/ prints, with its exit code", async () => {
    const unreachable = ["--nats-url", "nats://127.0.0.1:1"]
    const lines: ReadonlyArray<ReadonlyArray<string>> = [
      ["--version"],
      [],
      ["help", "trigger", "create"],
      ["help", "trigger", "nosuch"],
      ["run", "list", "--help"],
      ["trigger", "gett"],
      ["trigger", "get", "bad name"],
      ["trigger", "create", "x", "--workflow", "w", "--webhook", "--debounce", "soon"],
      ["run", "list", "--status", "nosuch"],
      ["run", "start", "wf", "--input", "{"],
      ["event", "publish", "not.events", "{}"],
      ["trigger", "get", "t", ...unreachable],
      ["trigger", "list", ...unreachable],
      ["services", ...unreachable],
      ["webhook", "send", "t", "--scheme", "github", "--url", "http://127.0.0.1:1"],
      ["trigger", "get", "t", "-v"],
    ]
    for (const args of lines) {
      const [bundled, dist] = await Promise.all([runCli(args), runNode(DIST_MAIN, args)])
      expect({ args, ...bundled }).toStrictEqual({ args, ...dist })
    }
  }, 240_000)
})
