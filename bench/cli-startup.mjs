// CLI start-up cost: CPU time (user + system) and wall time of whole `dagnats` invocations, one or
// more per command family, against `node -e 0` as the floor, with a real serve answering. Each child
// records its own process.cpuUsage() at exit through a preloaded module, so nothing but the child is
// counted. Run with `node bench/cli-startup.mjs` or `node bench/run.mjs cli-startup` after `make build`.
import { spawnSync } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import {
  DAGNATS_BIN,
  appendResult,
  dagnats,
  freePort,
  loadNow,
  markdownTable,
  median,
  startChild,
  startNats,
} from "./lib.mjs"
import { bundleIsFresh, compileBundle } from "../bin/bundle-loader.mjs"

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15)
/** The goal: no command costs more than this many times the CPU of `node -e 0`. */
const TARGET_RATIO = 3
const TRIGGERS = 20

/** Preloaded into every measured process: write its total CPU time (ms) to $CPU_OUT on exit. */
const PRELOAD = `
import { writeFileSync } from "node:fs"
process.on("exit", () => {
  const u = process.cpuUsage()
  writeFileSync(process.env.CPU_OUT, String((u.user + u.system) / 1000))
})
`

const measure = (dir, args, env) => {
  const out = join(dir, "cpu")
  rmSync(out, { force: true })
  const started = performance.now()
  const r = spawnSync(process.execPath, ["--import", pathToFileURL(join(dir, "preload.mjs")).href, ...args], {
    env: { ...process.env, ...env, CPU_OUT: out },
    encoding: "utf8",
  })
  const wallMs = performance.now() - started
  if (r.status !== 0) throw new Error(`${args.join(" ")} exited ${r.status}: ${r.stderr}`)
  return { cpuMs: Number(readFileSync(out, "utf8")), wallMs }
}

/** How bin/dagnats runs in this checkout: the bundle (with or without its code cache) or dist/ as tsc left it. */
const launchMode = () => {
  if (!bundleIsFresh()) return "dist/ as tsc built it (no fresh bundle)"
  return compileBundle().rejected
    ? "the bundle, compiled from source (V8 refused its code cache: another Node version built it)"
    : "the bundle, compiled from its V8 code cache"
}

export default async function bench() {
  const nats = await startNats()
  const dir = mkdtempSync(join(tmpdir(), "dagnats-bench-cli-"))
  writeFileSync(join(dir, "preload.mjs"), PRELOAD)
  const env = { NATS_URL: nats.url, NO_COLOR: "1" }
  const httpAddr = `127.0.0.1:${await freePort()}`
  const serve = await startChild([DAGNATS_BIN, "serve", "--nats-url", nats.url, "--http-addr", httpAddr], {
    ready: /dagnats serve ready/,
    name: "dagnats serve",
  })
  try {
    for (let i = 0; i < TRIGGERS; i++) {
      dagnats(["trigger", "create", `t${i}`, "--workflow", "wf", "--webhook", "--secret", "s"], env)
    }
    // One trigger per round (and the warm-up round) for `trigger delete` to remove.
    for (let r = 0; r <= ROUNDS; r++) dagnats(["trigger", "create", `gone${r}`, "--workflow", "wf", "--webhook"], env)
    const runId = JSON.parse(dagnats(["trigger", "fire", "t0", "--json"], env)).run_id
    dagnats(["event", "publish", "event.bench", "{}"], env)
    const d = (...args) => [DAGNATS_BIN, ...args]
    // `args` may depend on the round: commands that create or remove something get their own names.
    const cases = [
      { name: "node -e 0 (floor)", args: ["-e", "0"], floor: true },
      { name: "dagnats --version", args: d("--version") },
      { name: "dagnats --help", args: d("--help") },
      { name: "dagnats help trigger create", args: d("help", "trigger", "create") },
      { name: "dagnats run list --help", args: d("run", "list", "--help") },
      { name: "dagnats serve --help", args: d("serve", "--help") },
      {
        name: "dagnats trigger create NAME --webhook",
        args: (r) => d("trigger", "create", `new${r}`, "--workflow", "wf", "--webhook", "--secret", "s"),
      },
      { name: "dagnats trigger get t1", args: d("trigger", "get", "t1") },
      { name: `dagnats trigger list (${TRIGGERS}+ triggers)`, args: d("trigger", "list") },
      { name: "dagnats trigger list --json", args: d("trigger", "list", "--json") },
      { name: "dagnats trigger update t1 --tolerance 60s", args: d("trigger", "update", "t1", "--tolerance", "60s") },
      { name: "dagnats trigger delete NAME", args: (r) => d("trigger", "delete", `gone${r}`) },
      { name: "dagnats trigger disable t2", args: d("trigger", "disable", "t2") },
      { name: "dagnats trigger enable t2", args: d("trigger", "enable", "t2") },
      { name: "dagnats trigger fire t3", args: d("trigger", "fire", "t3") },
      { name: "dagnats trigger history t0", args: d("trigger", "history", "t0") },
      { name: "dagnats trigger test t1 --payload '{}'", args: d("trigger", "test", "t1", "--payload", "{}") },
      { name: "dagnats run start wf", args: d("run", "start", "wf") },
      { name: "dagnats run get ID", args: d("run", "get", runId) },
      { name: "dagnats run list", args: d("run", "list") },
      { name: "dagnats event publish event.bench '{}'", args: d("event", "publish", "event.bench", "{}") },
      {
        name: "dagnats event replay --trigger t0 --dry-run",
        args: d("event", "replay", "--trigger", "t0", "--dry-run", "--subject", "event.webhook.t0"),
      },
      { name: "dagnats event dead", args: d("event", "dead") },
      {
        name: "dagnats webhook send t4 --secret s",
        args: d("webhook", "send", "t4", "--secret", "s", "--url", `http://${httpAddr}`),
      },
      { name: "dagnats services", args: d("services") },
    ]
    const load = loadNow()
    const samples = cases.map(() => ({ cpu: [], wall: [] }))
    // Round-robin so drift in machine load hits every command alike; one warm-up round first.
    for (let round = 0; round <= ROUNDS; round++) {
      for (const [i, c] of cases.entries()) {
        const m = measure(dir, typeof c.args === "function" ? c.args(round) : c.args, env)
        if (round === 0) continue
        samples[i].cpu.push(m.cpuMs)
        samples[i].wall.push(m.wallMs)
      }
    }
    const floor = median(samples[0].cpu)
    const rows = cases.map((c, i) => {
      const cpu = median(samples[i].cpu)
      const ratio = cpu / floor
      return [
        c.name,
        cpu.toFixed(0),
        `${ratio.toFixed(2)}×`,
        median(samples[i].wall).toFixed(0),
        c.floor ? "" : ratio <= TARGET_RATIO ? `met (≤ ${TARGET_RATIO}×)` : `not met (≤ ${TARGET_RATIO}×)`,
      ]
    })
    for (const r of rows) console.error(r.join("  "))
    const body = [
      `Each command run ${ROUNDS} times round-robin (after one warm-up round) as a fresh \`node\` process; ` +
        "CPU = the process's own user + system time at exit (process.cpuUsage() from a preloaded module), " +
        "wall = spawn to exit as seen by the parent. Medians; the target is each command's CPU at most " +
        `${TARGET_RATIO}× that of \`node -e 0\` in the same run. bin/dagnats ran ${launchMode()}. ` +
        "`--version`, `trigger list` and `event publish` take the lean entry (no effect code runs); every " +
        "other command runs the full effect/cli command tree. `services` waits 1 s for answers (wall, not CPU). " +
        `One nats-server and one serve with ${TRIGGERS} triggers on the same machine ` +
        `(1-minute load average before the run: ${load}).`,
      "",
      markdownTable(["command", "CPU ms (median)", "vs node -e 0", "wall ms (median)", "target"], rows),
    ].join("\n")
    console.log(body)
    if (process.env.BENCH_APPEND !== "0") appendResult("CLI start-up", body)
  } finally {
    await serve.stop()
    await nats.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await bench()
