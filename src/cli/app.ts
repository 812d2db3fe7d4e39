// The full CLI: the effect/cli command tree, its built-in flags, and every outcome mapped to an
// exit code by toExitCode (0 ok, 1 refused, 2 usage, 3 cannot reach). main.ts loads this for every command
// the start-up fast path does not serve.
import { Effect, Exit, FileSystem, Layer, Logger, Path, References } from "effect"
import { Argument, CliConfig, CliOutput, Command, Flag, GlobalFlag } from "effect/cli"
import { ChildProcessSpawner } from "effect/process"
import * as NodeStdio from "@effect/platform-node-shared/NodeStdio"
import * as NodeTerminal from "@effect/platform-node-shared/NodeTerminal"
import { VERSION } from "../version.js"
import { root } from "./shared.js"
import { trigger } from "./commands/trigger.js"
import { services } from "./commands/services.js"
import { serve } from "./commands/serve.js"
import { moreCommands } from "./commands/index.js"
import { ExitCode, toExitCode, usageError } from "./exit.js"
import { rootExamples, triggerExamples } from "./examples.js"
import { lineLogger } from "../app/log.js"
import { debugLevel, processEnv } from "../config/environment.js"

// `dagnats help trigger create` is `dagnats trigger create --help`, as in gh and kubectl.
const help = Command.make(
  "help",
  { command: Argument.String("command").pipe(Argument.withDescription("the command to explain"), Argument.variadic()) },
  ({ command }) => {
    const unknown = unknownCommand(app, command)
    return unknown === undefined ? runArgs([...command, "--help"]) : Effect.fail(usageError(unknown))
  },
).pipe(Command.withDescription("show help for a command: dagnats help trigger create"))

/** Why `path` names no command under `top`, or undefined when it does. */
const unknownCommand = (top: Command.Command.Any, path: ReadonlyArray<string>): string | undefined => {
  let at = top
  for (const [i, word] of path.entries()) {
    const next = at.subcommands.flatMap((g) => g.commands).find((c) => c.name === word)
    if (next === undefined) {
      const known = at.subcommands.flatMap((g) => g.commands.map((c) => c.name)).join(", ")
      const where = ["dagnats", ...path.slice(0, i)].join(" ")
      return `help: unknown command "${path.slice(0, i + 1).join(" ")}"${known === "" ? "" : `; ${where} has ${known}`}`
    }
    at = next
  }
  return undefined
}

const app: Command.Command.Any = root.pipe(
  Command.withExamples(rootExamples),
  Command.withSubcommands([
    serve,
    trigger(moreCommands.trigger).pipe(Command.withExamples(triggerExamples)),
    services,
    ...moreCommands.top,
    help,
  ]),
)

// --version without the `-v` alias: after a subcommand `-v` is an unknown flag (a usage error)
// instead of quietly printing the version. Not in the list: --wizard, whose prompts build command
// lines the flag rules then refuse.
const version = GlobalFlag.Action({
  flag: Flag.Boolean("version").pipe(Flag.withDescription("Show version information"), Flag.withDefault(false)),
  run: GlobalFlag.Version.run,
})
const builtIns = [GlobalFlag.Help, version, GlobalFlag.Completions, GlobalFlag.LogLevel] as const

const runArgs = (argv: ReadonlyArray<string>): Effect.Effect<void, unknown, never> =>
  Command.runWith(app, { version: VERSION })(argv) as Effect.Effect<void, unknown, never>

// A usage error is one line on stderr naming the problem and where help is; stdout stays empty, so
// `--json` callers never get help text where they expect a JSON document.
const presenter: CliOutput.Presenter = {
  present: (event) =>
    event._tag === "InvalidInvocation"
      ? Effect.sync(() => {
          const help = `see \`${event.commandPath.join(" ")} --help\``
          for (const e of event.errors) {
            process.stderr.write(`dagnats: ${e.message.replace(/\s*\n\s*/g, " ")}; ${help}\n`)
          }
        })
      : CliOutput.defaultPresenter.present(event),
}

// The CLI reads no files through Effect and spawns nothing; the no-op services satisfy effect/cli.
const platform = Layer.mergeAll(
  FileSystem.layerNoop({}),
  Path.layer,
  NodeStdio.layer,
  NodeTerminal.layer,
  Layer.succeed(
    ChildProcessSpawner.ChildProcessSpawner,
    ChildProcessSpawner.make(() => Effect.die("dagnats spawns no processes through effect")),
  ),
  Logger.layer([lineLogger]),
  CliOutput.layerPresenter(presenter),
  CliConfig.layer({ builtIns }),
)

const debug = debugLevel(processEnv())

/** Run the command line `argv` (without `node dagnats`); resolve with the exit code. */
export const runApp = async (argv: ReadonlyArray<string>): Promise<number> => {
  // Bare `dagnats` shows help and succeeds, as `gh` and `kubectl` do.
  const exit = await runArgs(argv.length === 0 ? ["--help"] : argv).pipe(
    Effect.provide(platform),
    Effect.provideService(References.MinimumLogLevel, debug ? "Debug" : "Info"),
    Effect.runPromiseExit,
  )
  if (Exit.isSuccess(exit)) return ExitCode.ok
  const { code, line } = toExitCode(exit.cause)
  if (line !== undefined) process.stderr.write(`${line}\n`)
  return code
}
