// Recognising the few command lines the start-up fast path serves without effect/cli. Anything
// this does not fully understand (help, unknown or misspelt flags, missing values) returns
// undefined and goes to the full parser, so errors and help look the same on either path.
import type { ConnectionFlags } from "../../config/settings.js"

export interface SharedOnly {
  readonly json: boolean
  readonly connection: ConnectionFlags
}

const valueFlags: Readonly<Record<string, keyof ConnectionFlags>> = {
  "--nats-url": "natsUrl",
  "--creds": "creds",
  "--user": "user",
  "--password": "password",
  "--token": "token",
}

/** `argv` is exactly `command` plus the shared flags (--json and the NATS connection flags). */
export const matchSharedOnly = (argv: ReadonlyArray<string>, command: ReadonlyArray<string>): SharedOnly | undefined => {
  const words: Array<string> = []
  const connection: Record<string, string> = {}
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
    const key = valueFlags[name]
    if (key !== undefined) {
      const inline = name !== token
      const value = inline ? token.slice(eq + 1) : argv[++i]
      if (value === undefined || (!inline && value.startsWith("-")) || key in connection) return undefined
      connection[key] = value
      continue
    }
    if (token.startsWith("-")) return undefined
    words.push(token)
  }
  if (words.length !== command.length || words.some((w, i) => w !== command[i])) return undefined
  return { json, connection }
}
