// A JSON flag of the effect/cli commands (`--payload`, `--input`, …): JSON text, `@FILE` or `-` (stdin).
import { Effect } from "effect"
import { argumentText, parseJsonText } from "../payload.js"
import { usageError } from "../exit.js"

/** A JSON flag's value: JSON text, `@FILE` or `-` (stdin); a usage error names the flag and the file. */
export const parseJsonFlag = (flag: string, value: string) => {
  const source = argumentText(value, flag)
  const parsed = source.ok ? parseJsonText(source.text, source.from) : source
  return parsed.ok ? Effect.succeed(parsed.value) : Effect.fail(usageError(parsed.message))
}
