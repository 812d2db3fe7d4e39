// Builds dist/ once before any test file runs, so end-to-end tests drive the current bin/dagnats.
import { execFileSync } from "node:child_process"

export default function setup(): void {
  execFileSync("npx", ["tsc", "-p", "tsconfig.build.json"], { stdio: "inherit" })
}
