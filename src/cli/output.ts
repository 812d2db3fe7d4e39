// Human and machine output: one JSON document with --json, otherwise aligned tables and short lines.
// Colour only on a TTY and never with NO_COLOR. What is printed comes largely from the service, which
// the CLI does not trust: human output shows control characters as visible escapes (safeText), on a
// terminal and in a log alike, and JSON output escapes the few that JSON.stringify leaves raw.
import { noColour, processEnv } from "../config/environment.js"
import { inertJson, safeText } from "./terminal-text.js"

const useColour = (): boolean => process.stdout.isTTY === true && !noColour(processEnv())

const bold = (s: string) => (useColour() ? `\u001b[1m${s}\u001b[22m` : s)

export const printJson = (value: unknown): void => {
  process.stdout.write(inertJson(JSON.stringify(value, null, 2)) + "\n")
}

/** One line; a line break inside it is shown as `\n`, so one call is always one line. */
export const printLine = (line: string): void => {
  process.stdout.write(safeText(line) + "\n")
}

/** Text of several lines (a webhook's response body), each line made safe on its own. */
export const printLines = (text: string): void => {
  for (const line of text.split(/\r?\n/)) printLine(line)
}

/** An aligned table; the header is bold on a colour terminal. */
export const printTable = (headers: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>): void => {
  const safeRows = rows.map((r) => r.map(safeText))
  const widths = headers.map((h, i) => Math.max(h.length, ...safeRows.map((r) => (r[i] ?? "").length)))
  const format = (cells: ReadonlyArray<string>) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd()
  process.stdout.write(bold(format(headers)) + "\n")
  for (const r of safeRows) process.stdout.write(format(r) + "\n")
}

/** `key: value` lines for one record, keys aligned. */
export const printRecord = (entries: ReadonlyArray<readonly [string, string]>): void => {
  const width = Math.max(...entries.map(([k]) => k.length))
  for (const [k, v] of entries) process.stdout.write(`${bold((k + ":").padEnd(width + 1))} ${safeText(v)}\n`)
}

/** A warning about what the service said, on stderr. */
export const printWarning = (message: string): void => {
  process.stderr.write(`dagnats: warning: ${safeText(message)}\n`)
}
