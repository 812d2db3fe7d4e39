// Commands beyond trigger management, grouped so main.ts stays a list of top-level commands.
import type { Command } from "effect/cli"
import { webhookCommand } from "./webhook.js"
import { runCommand, eventCommand, triggerRunCommands } from "./runs.js"
import { deliveryCommand } from "./delivery.js"
import { tailCommand } from "./tail.js"

type AnyCommand = Command.Command<any, any, any, any, any>

export const moreCommands: { readonly trigger: ReadonlyArray<AnyCommand>; readonly top: ReadonlyArray<AnyCommand> } = {
  trigger: triggerRunCommands,
  top: [
    ...(webhookCommand === undefined ? [] : [webhookCommand]),
    ...(runCommand === undefined ? [] : [runCommand]),
    ...(eventCommand === undefined ? [] : [eventCommand]),
    deliveryCommand,
    tailCommand,
  ],
}
