// Human and machine output: one JSON document with --json, otherwise aligned tables and short lines.
// Colour only on a TTY and never with NO_COLOR.
import { noColour, processEnv } from "../config/environment.js"

const useColour = (): boolean => process.stdout.isTTY === true && !noColour(processEnv())

const bold = (s: string) => (useColour() ? `\u001b[1m${s}\u001b[22m` : s)

export const printJson = (value: unknown): void => {
  process.stdout.write(JSON.stringify(value, null, 2) + "\n")
}

export const printLine = (line: string): void => {
  process.stdout.write(line + "\n")
}

/** An aligned table; the header is bold on a colour terminal. */
export const printTable = (headers: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>): void => {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)))
  const format = (cells: ReadonlyArray<string>) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd()
  printLine(bold(format(headers)))
  for (const r of rows) printLine(format(r))
}

/** `key: value` lines for one record, keys aligned. */
export const printRecord = (entries: ReadonlyArray<readonly [string, string]>): void => {
  const width = Math.max(...entries.map(([k]) => k.length))
  for (const [k, v] of entries) printLine(`${bold((k + ":").padEnd(width + 1))} ${v}`)
}
