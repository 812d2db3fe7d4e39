// Placeholder until `dagnats webhook send` lands.
import type { Command } from "effect/cli"
export const webhookCommand: Command.Command<any, any, any, any, any> | undefined = undefined
