// CLI start-up cost: CPU time (user + system) and wall time of whole `dagnats` invocations, against
// `node -e 0` as the floor, with a real serve answering. Each child records its own
// process.cpuUsage() at exit through a preloaded module, so nothing but the child is counted.
// Run with `node bench/cli-startup.mjs` or `node bench/run.mjs cli-startup` after `make build`.
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

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15)
const TARGET_CPU_MS = 150
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
    dagnats(["trigger", "fire", "t0"], env)
    const cases = [
      { name: "node -e 0 (floor)", args: ["-e", "0"] },
      { name: "dagnats --version", args: [DAGNATS_BIN, "--version"], target: true },
      { name: `dagnats trigger list (${TRIGGERS} triggers)`, args: [DAGNATS_BIN, "trigger", "list"], target: true },
      { name: "dagnats trigger list --json", args: [DAGNATS_BIN, "trigger", "list", "--json"], target: true },
      { name: "dagnats event publish event.bench '{}'", args: [DAGNATS_BIN, "event", "publish", "event.bench", "{}"] },
      { name: "dagnats trigger get t1", args: [DAGNATS_BIN, "trigger", "get", "t1"] },
      { name: "dagnats run list", args: [DAGNATS_BIN, "run", "list"] },
      { name: "dagnats --help", args: [DAGNATS_BIN, "--help"] },
    ]
    const load = loadNow()
    const samples = cases.map(() => ({ cpu: [], wall: [] }))
    // Round-robin so drift in machine load hits every command alike; one warm-up round first.
    for (let round = 0; round <= ROUNDS; round++) {
      for (const [i, c] of cases.entries()) {
        const m = measure(dir, c.args, env)
        if (round === 0) continue
        samples[i].cpu.push(m.cpuMs)
        samples[i].wall.push(m.wallMs)
      }
    }
    const floor = median(samples[0].cpu)
    const rows = cases.map((c, i) => {
      const cpu = median(samples[i].cpu)
      return [
        c.name,
        cpu.toFixed(0),
        `${(cpu / floor).toFixed(2)}×`,
        median(samples[i].wall).toFixed(0),
        c.target ? (cpu < TARGET_CPU_MS ? `met (< ${TARGET_CPU_MS} ms)` : `not met (< ${TARGET_CPU_MS} ms)`) : "",
      ]
    })
    for (const r of rows) console.error(r.join("  "))
    const body = [
      `Each command run ${ROUNDS} times round-robin (after one warm-up round) as a fresh \`node\` process; ` +
        "CPU = the process's own user + system time at exit (process.cpuUsage() from a preloaded module), " +
        "wall = spawn to exit as seen by the parent. Medians. `--version`, `trigger list` and `event publish` " +
        "take the lean entry (no effect/cli); `trigger get`, `run list` and `--help` load the full command tree. " +
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
