// Bundles the compiled CLI (dist/cli/main.js, after `tsc -p tsconfig.build.json`) into one script,
// dist/bundle/dagnats.cjs, with a V8 code cache beside it; bin/dagnats runs it when it is newer
// than tsc's output. Why: Node loads ES modules one file at a time and compiles each from source on
// every start, and the ~350 files of effect, effect/cli and dagnats that a full command needs cost
// several times the CPU of the command itself. One script compiled from a code cache starts in a
// fraction of that. Lazy imports stay lazy (evaluated on first use), so `--version`, `trigger list`
// and `event publish` still run no effect code, and only `serve` runs the composition root. The code
// is tsc's output unchanged (no minifying, no transpiling). Lives in bin/ with the launcher it builds for.
import { spawnSync } from "node:child_process"
import { existsSync, readFileSync, rmSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { build } from "rolldown"
import { BUNDLE, CODE_CACHE, compileBundle } from "./bundle-loader.mjs"

const root = fileURLToPath(new URL("..", import.meta.url))
const version = JSON.parse(readFileSync(`${root}package.json`, "utf8")).version

// version.ts reads ../package.json next to its own file; the bundle sits elsewhere, so the version
// is read here, at build time, from the same package.json.
let versionInlined = false
const versionModule = {
  name: "dagnats-version",
  load(id) {
    if (id !== `${root}dist/version.js`) return undefined
    versionInlined = true
    return `export const VERSION = ${JSON.stringify(version)}\n`
  },
}

rmSync(`${root}dist/bundle`, { recursive: true, force: true })
await build({
  input: `${root}dist/cli/main.js`,
  platform: "node",
  logLevel: "warn",
  plugins: [versionModule],
  // effect reads import.meta?.env where a bundler for browsers provides it; in Node it is undefined.
  // import.meta.url becomes the bundle's own path: its one use left (version.ts is replaced above) is
  // createRequire(import.meta.url) for the lazily loaded CEL library, which takes a path as well as a
  // URL and then resolves packages from dist/bundle/ up to node_modules, as it does from dist/.
  transform: { define: { "import.meta.url": "__filename", "import.meta": "{}" } },
  // ES modules are strict; so is the whole script, as it would be unbundled.
  output: { file: BUNDLE, format: "cjs", codeSplitting: false, strict: true },
})
if (!versionInlined) {
  process.stderr.write("bundle-cli: dist/version.js was not bundled; where did the version move?\n")
  process.exit(1)
}

// The code cache holds what V8 compiled while running `dagnats --help` (the command tree, effect/cli
// and the effect runtime every full command uses). It is made by a child process because the CLI
// ends its process; V8 refuses it on another Node version, and the script then compiles from source.
const produce = `
import { writeFileSync } from "node:fs"
import { compileBundle } from ${JSON.stringify(new URL("./bundle-loader.mjs", import.meta.url).href)}
const script = compileBundle()
process.on("exit", () => writeFileSync(${JSON.stringify(CODE_CACHE)}, script.createCachedData()))
script.run()
`
const made = spawnSync(process.execPath, ["--input-type=module", "-e", produce, "dagnats", "--help"], {
  stdio: ["ignore", "ignore", "inherit"],
  env: { ...process.env, NO_COLOR: "1" },
})
if (made.status !== 0 || !existsSync(CODE_CACHE)) {
  process.stderr.write(`bundle-cli: making the code cache failed (exit ${made.status})\n`)
  process.exit(1)
}
if (compileBundle().rejected) {
  process.stderr.write("bundle-cli: V8 refused the code cache it just made\n")
  process.exit(1)
}
