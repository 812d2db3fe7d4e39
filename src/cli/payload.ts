// Where a command's payload comes from: an argument, `--file F`, or `--file -` (stdin). A payload
// piped in without `--file -` is refused rather than silently replaced by `{}`; stdin is never
// read unasked, so `dagnats event publish S` inside a `while read` loop cannot swallow the loop's input.
import { fstatSync, readFileSync } from "node:fs"
import { isatty } from "node:tty"

type PayloadSource =
  { readonly ok: true; readonly text: string; readonly from: string } | { readonly ok: false; readonly message: string }

export interface PayloadIo {
  /** True when nothing can have been piped or redirected in: a terminal, /dev/null, or no stdin. */
  readonly stdinIsEmptyByNature: () => boolean
  readonly readStdin: () => string
  readonly readFile: (path: string) => string
}

const defaultPayloadIo: PayloadIo = {
  stdinIsEmptyByNature: () => {
    if (isatty(0)) return true
    try {
      const stat = fstatSync(0)
      return !(stat.isFIFO() || stat.isFile() || stat.isSocket())
    } catch {
      return true
    }
  },
  readStdin: () => readFileSync(0, "utf8"),
  readFile: (path) => readFileSync(path, "utf8"),
}

/**
 * The payload text: `argument` (named `argName` in messages) or `--file` (`-` is stdin); neither
 * means `fallback` on a terminal (or /dev/null) and a usage error when stdin is a pipe or a file.
 */
export const payloadText = (
  argument: string | undefined,
  file: string | undefined,
  options: { readonly argName: string; readonly fileFlag: string; readonly fallback: string },
  io: PayloadIo = defaultPayloadIo,
): PayloadSource => {
  const { argName, fileFlag, fallback } = options
  if (argument !== undefined && file !== undefined) {
    return { ok: false, message: `give the payload as ${argName} or with ${fileFlag}, not both` }
  }
  if (file === "-") {
    try {
      return { ok: true, text: io.readStdin(), from: `${fileFlag} -` }
    } catch (e) {
      return { ok: false, message: `${fileFlag} -: cannot read stdin: ${e instanceof Error ? e.message : String(e)}` }
    }
  }
  if (file !== undefined) {
    try {
      return { ok: true, text: io.readFile(file), from: fileFlag }
    } catch (e) {
      const missing = (e as { code?: unknown }).code === "ENOENT"
      const reason = missing ? "no such file" : e instanceof Error ? e.message : String(e)
      return { ok: false, message: `${fileFlag}: cannot read ${file}: ${reason}` }
    }
  }
  if (argument !== undefined) return { ok: true, text: argument, from: "payload" }
  if (!io.stdinIsEmptyByNature()) {
    return {
      ok: false,
      message:
        `no payload given, but stdin is a pipe or a file: to send what it holds use ${fileFlag} -; ` +
        `otherwise give the payload as ${argName} ('${fallback}' for an empty one)`,
    }
  }
  return { ok: true, text: fallback, from: "payload" }
}
