// Adapts Node's IncomingHttpHeaders (or any plain header record) to the HeaderLookup the schemes read.
import type { HeaderLookup } from "./types.js"

/**
 * A case-insensitive lookup over `headers`. An array value yields its first element; names that
 * differ only in case resolve to the first one in insertion order. Node already lowercases
 * incoming names, so in the server this is a plain read; tests and `sign` output use any case.
 */
export const headerLookupFrom = (
  headers: Readonly<Record<string, string | ReadonlyArray<string> | undefined>>,
): HeaderLookup => {
  const byLowercaseName = new Map<string, string>()
  for (const [name, value] of Object.entries(headers)) {
    const first = typeof value === "string" ? value : value?.[0]
    const key = name.toLowerCase()
    if (first !== undefined && !byLowercaseName.has(key)) byLowercaseName.set(key, first)
  }
  return (lowercaseName) => byLowercaseName.get(lowercaseName.toLowerCase())
}
