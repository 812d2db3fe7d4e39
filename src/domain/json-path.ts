// Dot paths into JSON payloads (`pull_request.head.ref`, `items.0.id`), as used by trigger
// filters and debounce/batch keys. Pure; a path is split once by `compilePath` and then read
// against many payloads.

/** At most this many tokens: deeper than any real webhook payload, and bounds the walk. */
export const MAX_PATH_TOKENS = 32
/** At most this many characters: keeps paths readable in trigger definitions and history. */
export const MAX_PATH_LENGTH = 256

type PathRead = { readonly found: true; readonly value: unknown } | { readonly found: false }

type PathReader = (value: unknown) => PathRead

const NOT_FOUND: PathRead = { found: false }

/** Canonical array indexes only: `0`, `7`, `12`, not `01`, `-1`, `1.0` or `+1`. */
const ARRAY_INDEX = /^(?:0|[1-9][0-9]*)$/

/** True when `path` is non-empty, has no empty tokens, ≤ 32 tokens and ≤ 256 characters. */
export const isValidPath = (path: string): boolean => {
  if (path.length === 0 || path.length > MAX_PATH_LENGTH) return false
  const tokens = path.split(".")
  return tokens.length <= MAX_PATH_TOKENS && tokens.every((token) => token.length > 0)
}

interface Step {
  readonly key: string
  /** The token as an array index, when it is a canonical non-negative integer. */
  readonly index: number | undefined
}

/**
 * Splits `path` once and returns a reader for it. A token reads an own property of an object
 * (a numeric token too: `{"0": …}`), or the element at that index of an array (only canonical
 * integer tokens; anything else on an array is not found). A missing key, an index out of range,
 * or a step into a primitive or null is `found: false`. An invalid path (see `isValidPath`)
 * never finds anything.
 */
export const compilePath = (path: string): PathReader => {
  if (!isValidPath(path)) return () => NOT_FOUND
  const steps: ReadonlyArray<Step> = path
    .split(".")
    .map((key) => ({ key, index: ARRAY_INDEX.test(key) ? Number(key) : undefined }))
  return (root) => {
    let current: unknown = root
    for (const step of steps) {
      if (Array.isArray(current)) {
        if (step.index === undefined || step.index >= current.length) return NOT_FOUND
        current = current[step.index]
      } else if (typeof current === "object" && current !== null) {
        // Own properties only: `constructor` or `__proto__` must not reach the prototype.
        if (!Object.hasOwn(current, step.key)) return NOT_FOUND
        current = (current as Record<string, unknown>)[step.key]
      } else {
        return NOT_FOUND
      }
    }
    return { found: true, value: current }
  }
}

/** Reads `path` from `value`; see `compilePath` for the rules. */
export const readPath = (value: unknown, path: string): PathRead => compilePath(path)(value)
