// Builds dist/ and its bundle once before any test file runs, so end-to-end tests drive the current
// bin/dagnats exactly as `make build` leaves it.
// Every project that drives serve lists this setup; vitest runs them all in one main process, so a
// flag in its environment keeps a run with several projects to one build. The build is synchronous,
// so no other setup runs while it writes dist/.
import { execFileSync } from "node:child_process"

const BUILT = "DAGNATS_TEST_DIST_BUILT"

export default function setup(): void {
  if (process.env[BUILT] === "1") return
  execFileSync("npx", ["tsc", "-p", "tsconfig.build.json"], { stdio: "inherit" })
  execFileSync(process.execPath, ["bin/bundle-cli.mjs"], { stdio: "inherit" })
  process.env[BUILT] = "1"
}
