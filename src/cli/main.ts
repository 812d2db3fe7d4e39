// The dagnats CLI entry point: parse, run, and map every outcome to the exit codes of SPEC §8.
import { Cause, Effect, Exit, FileSystem, Layer, Logger, Path, References } from "effect"
import { Command } from "effect/cli"
import { ChildProcessSpawner } from "effect/process"
import * as NodeStdio from "@effect/platform-node-shared/NodeStdio"
import * as NodeTerminal from "@effect/platform-node-shared/NodeTerminal"
import { VERSION } from "../version.js"
import { root } from "./shared.js"
import { trigger } from "./commands/trigger.js"
import { services } from "./commands/services.js"
import { serve } from "./commands/serve.js"
import { moreCommands } from "./commands/index.js"
import { CliExit, ExitCode } from "./exit.js"
import { lineLogger } from "../serve/log.js"

const app = root.pipe(Command.withSubcommands([serve, trigger(moreCommands.trigger), services, ...moreCommands.top]))

// The CLI reads no files through Effect and spawns nothing; the no-op services satisfy effect/cli.
const platform = Layer.mergeAll(
  FileSystem.layerNoop({}),
  Path.layer,
  NodeStdio.layer,
  NodeTerminal.layer,
  Layer.succeed(ChildProcessSpawner.ChildProcessSpawner, ChildProcessSpawner.make(() => Effect.die("dagnats spawns no processes through effect"))),
  Logger.layer([lineLogger]),
)

const debug = /^(debug|trace)$/i.test(process.env["DAGNATS_LOG_LEVEL"] ?? "")

const exit: Exit.Exit<void, unknown> = await Command.run(app, { version: VERSION }).pipe(
  Effect.provide(platform),
  Effect.provideService(References.MinimumLogLevel, debug ? "Debug" : "Info"),
  (e) => Effect.runPromiseExit(e as Effect.Effect<void, unknown>),
)

if (Exit.isSuccess(exit)) process.exit(ExitCode.ok)
const failure = exit.cause.reasons.find((r) => r._tag === "Fail")
const error = failure !== undefined && failure._tag === "Fail" ? (failure.error as { _tag?: string; message?: string; code?: number }) : undefined
if (error instanceof CliExit) {
  process.stderr.write(`dagnats: ${error.message}\n`)
  process.exit(error.code)
}
if (error !== undefined && typeof error._tag === "string") {
  // effect/cli already printed the parse error with the command's help.
  process.exit(ExitCode.usage)
}
process.stderr.write(`dagnats: unexpected failure: ${Cause.pretty(exit.cause)}\n`)
process.exit(ExitCode.refused)
