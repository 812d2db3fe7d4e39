// Recognising the few command lines the start-up fast path serves without effect/cli. Anything
// this does not fully understand (help, unknown or misspelt flags, missing values) returns
// undefined and goes to the full parser, so errors and help look the same on either path.
import type { ConnectionFlags } from "../../config/settings.js"

export interface SharedOnly {
  readonly json: boolean
  readonly connection: ConnectionFlags
}

interface Matched extends SharedOnly {
  /** Words after the command path, in order. */
  readonly positionals: ReadonlyArray<string>
  /** The command's own value flags that were given, by the key they were declared under. */
  readonly values: Readonly<Record<string, string>>
}

interface Shape {
  readonly command: ReadonlyArray<string>
  /** How many positional words may follow the command path. */
  readonly positionals?: { readonly min: number; readonly max: number }
  /** The command's own flags that take one value: `--file` → `file`. */
  readonly valueFlags?: Readonly<Record<string, string>>
}

const connectionFlags: Readonly<Record<string, keyof ConnectionFlags>> = {
  "--nats-url": "natsUrl",
  "--creds": "creds",
  "--user": "user",
  "--password": "password",
  "--token": "token",
  "--inbox-prefix": "inboxPrefix",
}

/** `argv` is exactly `shape`: its command path, positionals and value flags, plus the shared flags. */
export const matchCommand = (argv: ReadonlyArray<string>, shape: Shape): Matched | undefined => {
  const words: Array<string> = []
  const connection: Record<string, string> = {}
  const values: Record<string, string> = {}
  let json = false
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]!
    if (token === "--json") {
      if (json) return undefined
      json = true
      continue
    }
    const eq = token.indexOf("=")
    const name = token.startsWith("--") && eq > 0 ? token.slice(0, eq) : token
    const shared = connectionFlags[name]
    const own = shape.valueFlags?.[name]
    const target = shared !== undefined ? connection : own !== undefined ? values : undefined
    const key = shared ?? own
    if (target !== undefined && key !== undefined) {
      const inline = name !== token
      const value = inline ? token.slice(eq + 1) : argv[++i]
      if (value === undefined || (!inline && value.startsWith("-") && value !== "-") || key in target) return undefined
      target[key] = value
      continue
    }
    if (token.startsWith("-")) return undefined
    words.push(token)
  }
  const { command } = shape
  const { min, max } = shape.positionals ?? { min: 0, max: 0 }
  if (words.length < command.length + min || words.length > command.length + max) return undefined
  if (command.some((w, i) => words[i] !== w)) return undefined
  return { json, connection, positionals: words.slice(command.length), values }
}

/** `argv` is exactly `command` plus the shared flags (--json and the NATS connection flags). */
export const matchSharedOnly = (
  argv: ReadonlyArray<string>,
  command: ReadonlyArray<string>,
): SharedOnly | undefined => {
  const m = matchCommand(argv, { command })
  return m === undefined ? undefined : { json: m.json, connection: m.connection }
}
