// The dagnats CLI entry point: parse, run, and map every outcome to the exit codes of SPEC §8.
import { Cause, Effect, Exit, FileSystem, Layer, Logger, Path, References } from "effect"
import { CliOutput, Command } from "effect/cli"
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

// A usage error is one line on stderr naming the problem and where help is; stdout stays empty, so
// `--json` callers never get help text where they expect a JSON document.
const presenter: CliOutput.Presenter = {
  present: (event) =>
    event._tag === "InvalidInvocation"
      ? Effect.sync(() => {
          const help = `see \`${event.commandPath.join(" ")} --help\``
          for (const e of event.errors) process.stderr.write(`dagnats: ${e.message.replace(/\s*\n\s*/g, " ")}; ${help}\n`)
        })
      : CliOutput.defaultPresenter.present(event),
}

// The CLI reads no files through Effect and spawns nothing; the no-op services satisfy effect/cli.
const platform = Layer.mergeAll(
  FileSystem.layerNoop({}),
  Path.layer,
  NodeStdio.layer,
  NodeTerminal.layer,
  Layer.succeed(ChildProcessSpawner.ChildProcessSpawner, ChildProcessSpawner.make(() => Effect.die("dagnats spawns no processes through effect"))),
  Logger.layer([lineLogger]),
  CliOutput.layerPresenter(presenter),
)

const debug = /^(debug|trace)$/i.test(process.env["DAGNATS_LOG_LEVEL"] ?? "")

const exit: Exit.Exit<void, unknown> = await Command.run(app, { version: VERSION }).pipe(
  Effect.provide(platform),
  Effect.provideService(References.MinimumLogLevel, debug ? "Debug" : "Info"),
  (e) => Effect.runPromiseExit(e as Effect.Effect<void, unknown>),
)

// stdout and stderr are asynchronous when they are pipes: exit only once everything written has
// been handed to the OS, or `dagnats trigger list --json | jq` would get a truncated document.
const flushed = (stream: NodeJS.WriteStream) => new Promise<void>((resolve) => stream.write("", () => resolve()))
const exitWith = async (code: number): Promise<never> => {
  await Promise.all([flushed(process.stdout), flushed(process.stderr)])
  process.exit(code)
}

if (Exit.isSuccess(exit)) await exitWith(ExitCode.ok)
const failure = Exit.isFailure(exit) ? exit.cause.reasons.find((r) => r._tag === "Fail") : undefined
const error = failure !== undefined && failure._tag === "Fail" ? (failure.error as { _tag?: string; message?: string; code?: number }) : undefined
if (error instanceof CliExit) {
  process.stderr.write(`dagnats: ${error.message}\n`)
  await exitWith(error.code)
}
if (error !== undefined && typeof error._tag === "string") {
  // The presenter above already printed the one-line usage error.
  await exitWith(ExitCode.usage)
}
if (Exit.isFailure(exit)) process.stderr.write(`dagnats: unexpected failure: ${Cause.pretty(exit.cause)}\n`)
await exitWith(ExitCode.refused)
