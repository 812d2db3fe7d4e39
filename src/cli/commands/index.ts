// Commands added by later slices: runs, events and webhook sending. Grouped here so main.ts stays
// a list of top-level commands.
import type { Command } from "effect/cli"

type AnyCommand = Command.Command<any, any, any, any, any>

export const moreCommands: { readonly trigger: ReadonlyArray<AnyCommand>; readonly top: ReadonlyArray<AnyCommand> } = {
  trigger: [],
  top: [],
}
