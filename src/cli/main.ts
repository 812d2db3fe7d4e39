// The dagnats CLI entry point. Kept lean: --version, `trigger list` and `event publish` (run in
// loops by scripts) start without effect/cli, whose import alone costs more CPU than the whole fast
// path; every other command line loads the full command tree of app.ts on demand. No top-level
// await: bin/bundle-cli.mjs bundles this module, lazy imports included, into one CommonJS script.
import { endQuietlyOnClosedPipe } from "./pipes.js"
import { VERSION } from "../version.js"
import type { NatsConnection } from "../nats/core-api.js"
import { matchCommand, matchSharedOnly } from "./lean/argv.js"

endQuietlyOnClosedPipe()

// stdout and stderr are asynchronous when they are pipes: exit only once everything written has
// been handed to the OS, or `dagnats trigger list --json | jq` would get a truncated document.
const flushed = (stream: NodeJS.WriteStream) => new Promise<void>((resolve) => stream.write("", () => resolve()))
const exitWith = async (code: number): Promise<never> => {
  await Promise.all([flushed(process.stdout), flushed(process.stderr)])
  process.exit(code)
}

/** Run the command line `argv` (without `node dagnats`); resolve with the exit code. */
const main = async (argv: ReadonlyArray<string>): Promise<number> => {
  if (argv.length === 1 && (argv[0] === "--version" || argv[0] === "-v")) {
    process.stdout.write(`dagnats v${VERSION}\n`)
    return 0
  }
  const fastTriggerList = matchSharedOnly(argv, ["trigger", "list"])
  if (fastTriggerList !== undefined) {
    const { runFast } = await import("./lean/run-fast.js")
    return runFast(
      fastTriggerList,
      () => undefined,
      async (nc) => {
        const { listTriggers, printTriggers } = await import("./lean/trigger-list.js")
        printTriggers(await listTriggers(nc), fastTriggerList.json)
      },
    )
  }
  const fastPublish = matchCommand(argv, {
    command: ["event", "publish"],
    positionals: { min: 1, max: 2 },
    valueFlags: { "--file": "file", "--id": "id" },
  })
  if (fastPublish !== undefined) {
    const { runFast } = await import("./lean/run-fast.js")
    const { publishEvent, publishPayload } = await import("./lean/publish.js")
    const [subject, json] = fastPublish.positionals
    const input = { subject: subject!, json, file: fastPublish.values["file"], id: fastPublish.values["id"] }
    const publish = (nc: NatsConnection, text: string) => publishEvent(nc, input, text, fastPublish.json)
    return runFast(fastPublish, () => publishPayload(input), publish)
  }
  const { runApp } = await import("./app.js")
  return runApp(argv)
}

void main(process.argv.slice(2)).then(exitWith)
