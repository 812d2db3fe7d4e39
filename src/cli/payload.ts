// Where a command's payload comes from: an argument, `--file F`, or `--file -` (stdin). A payload
// piped in without `--file -` is refused rather than silently replaced by `{}`; stdin is never
// read unasked, so `dagnats event publish S` inside a `while read` loop cannot swallow the loop's input.
// A JSON argument (`--payload`, `--input`, the payload of `event publish`) may itself name its
// source as curl's `-d` does: `@FILE` reads the file, `-` (or `@-`) reads stdin. Neither can be
// JSON text, so no JSON argument changes meaning.
import { fstatSync, readFileSync } from "node:fs"
import { isatty } from "node:tty"
import { MAX_JSON_DEPTH, jsonTextDepthWithin } from "../domain/json-limits.js"
import { attempt } from "../domain/attempt.js"

export type PayloadSource =
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
    // fstat throws when fd 0 is closed: nothing can be piped in then.
    return attempt(
      () => {
        const stat = fstatSync(0)
        return !(stat.isFIFO() || stat.isFile() || stat.isSocket())
      },
      () => true,
    )
  },
  readStdin: () => readFileSync(0, "utf8"),
  readFile: (path) => readFileSync(path, "utf8"),
}

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e))

const reason = (e: unknown): string => {
  const code = (e as { code?: unknown }).code
  return code === "ENOENT" ? "no such file" : code === "EISDIR" ? "is a directory" : message(e)
}

/**
 * The text `read` gives, named `from`, or the message `why` makes of what it threw: every read of a
 * file or stdin goes through here.
 */
const readText = (read: () => string, from: string, why: (e: unknown) => string): PayloadSource =>
  attempt(
    (): PayloadSource => ({ ok: true, text: read(), from }),
    (e): PayloadSource => ({ ok: false, message: why(e) }),
  )

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
    return readText(
      () => io.readStdin(),
      `${fileFlag} -`,
      (e) => `${fileFlag} -: cannot read stdin: ${message(e)}`,
    )
  }
  if (file !== undefined) {
    return readText(
      () => io.readFile(file),
      `${fileFlag} ${file}`,
      (e) => `${fileFlag}: cannot read ${file}: ${reason(e)}`,
    )
  }
  if (argument !== undefined) return argumentText(argument, undefined, io)
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

/** Where an argument's text is: the argument itself, a file (`@FILE`) or stdin (`-`, `@-`). */
export type ArgumentSource =
  | { readonly kind: "text"; readonly text: string }
  | { readonly kind: "file"; readonly path: string }
  | { readonly kind: "stdin" }

export const argumentSource = (value: string): ArgumentSource =>
  value === "-" || value === "@-"
    ? { kind: "stdin" }
    : value.startsWith("@") && value.length > 1
      ? { kind: "file", path: value.slice(1) }
      : { kind: "text", text: value }

/**
 * The text of a JSON argument `value`: itself, or read from `@FILE` or stdin. `flag` names it in
 * messages (`--payload`, or `--payload @p.json` for a file); without one (the payload argument of
 * `event publish`) it is `payload`, or the `@FILE` as given.
 */
export const argumentText = (
  value: string,
  flag: string | undefined,
  io: Pick<PayloadIo, "readStdin" | "readFile"> = defaultPayloadIo,
): PayloadSource => {
  const source = argumentSource(value)
  if (source.kind === "text") return { ok: true, text: source.text, from: flag ?? "payload" }
  const from = flag === undefined ? value : `${flag} ${value}`
  const what = source.kind === "stdin" ? "stdin" : source.path
  return readText(
    () => (source.kind === "stdin" ? io.readStdin() : io.readFile(source.path)),
    from,
    (e) => `${from}: cannot read ${what}: ${reason(e)}`,
  )
}

/**
 * The JSON value `text` holds, or undefined when it is not JSON (JSON.parse never gives undefined).
 * The lean start's JSON reading, payloads and service replies alike; everything that may load
 * effect uses domain/json.ts's parseJson instead.
 */
export const jsonValue = (text: string): unknown =>
  attempt(
    (): unknown => JSON.parse(text),
    () => undefined,
  )

/**
 * `text` parsed as JSON, or why not, named by `from`. The depth is checked first: the request would
 * be serialized again, which overflows the stack on JSON nested thousands deep, and the service
 * refuses more than MAX_JSON_DEPTH levels anyway.
 */
export const parseJsonText = (
  text: string,
  from: string,
): { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly message: string } => {
  if (!jsonTextDepthWithin(new TextEncoder().encode(text))) {
    return { ok: false, message: `${from}: must not nest deeper than ${MAX_JSON_DEPTH} levels` }
  }
  const value = jsonValue(text)
  return value === undefined ? { ok: false, message: `${from}: must be valid JSON` } : { ok: true, value }
}
