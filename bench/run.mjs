// `make bench`: runs every benchmark in turn (or only those named: `node bench/run.mjs ingest`),
// each appending its table to BENCHMARKS.md. Add a benchmark as bench/NAME.mjs with a default export.
import { existsSync } from "node:fs"
import { join } from "node:path"
import { ROOT } from "./lib.mjs"

const ALL = [
  "ingest",
  "pipeline",
  "pipeline-cluster",
  "sync-webhooks",
  "windows",
  "evaluator",
  "expressions",
  "sources",
  "cli-startup",
  "run-list",
  "schedules",
]

if (!existsSync(join(ROOT, "dist", "cli", "main.js"))) {
  console.error("bench: dist/ is missing; run `make build` first")
  process.exit(2)
}
const wanted = process.argv.slice(2)
const unknown = wanted.filter((n) => !ALL.includes(n))
if (unknown.length > 0) {
  console.error(`bench: unknown benchmark ${unknown.join(", ")}; choose from ${ALL.join(", ")}`)
  process.exit(2)
}
for (const name of wanted.length > 0 ? wanted : ALL) {
  const { default: bench } = await import(`./${name}.mjs`)
  await bench()
}
