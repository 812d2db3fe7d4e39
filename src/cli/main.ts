// The dagnats CLI entry point. Kept lean: the common read-only commands and --version start without
// effect/cli (whose import alone costs more CPU than the whole fast path), everything else loads
// the full command tree of app.ts on demand.
import { endQuietlyOnClosedPipe } from "./pipes.js"
import { VERSION } from "../version.js"
import { matchSharedOnly } from "./lean/argv.js"

endQuietlyOnClosedPipe()
const argv = process.argv.slice(2)

// stdout and stderr are asynchronous when they are pipes: exit only once everything written has
// been handed to the OS, or `dagnats trigger list --json | jq` would get a truncated document.
const flushed = (stream: NodeJS.WriteStream) => new Promise<void>((resolve) => stream.write("", () => resolve()))
export const exitWith = async (code: number): Promise<never> => {
  await Promise.all([flushed(process.stdout), flushed(process.stderr)])
  process.exit(code)
}

const fastTriggerList = matchSharedOnly(argv, ["trigger", "list"])

if (argv.length === 1 && (argv[0] === "--version" || argv[0] === "-v")) {
  process.stdout.write(`dagnats v${VERSION}\n`)
  await exitWith(0)
} else if (fastTriggerList !== undefined) {
  const { runFast } = await import("./lean/run-fast.js")
  await exitWith(await runFast(fastTriggerList, async (nc) => {
    const { listTriggers, printTriggers } = await import("./lean/trigger-list.js")
    printTriggers(await listTriggers(nc), fastTriggerList.json)
  }))
} else {
  const { runApp } = await import("./app.js")
  await exitWith(await runApp(argv))
}
