// Placeholder until `dagnats run`, `event publish` and `trigger fire|history|test` land.
import type { Command } from "effect/cli"
type AnyCommand = Command.Command<any, any, any, any, any>
export const runCommand: AnyCommand | undefined = undefined
export const eventCommand: AnyCommand | undefined = undefined
export const triggerRunCommands: ReadonlyArray<AnyCommand> = []
