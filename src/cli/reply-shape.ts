// Decoding a service reply into the shape a command expects, and naming the first field that is
// not: the CLI treats replies as untrusted input. Written without effect's Schema on purpose:
// loading effect costs ~250 ms, more than the whole start-up of the fast path (`trigger list`),
// which must decode its replies too. Fields the CLI does not know are kept and ignored, so a newer
// serve that adds fields still works; a missing field or one of another type is refused.
import { safeText } from "./terminal-text.js"
import { attempt } from "../domain/attempt.js"

/** Where in the reply a value is: `triggers[3].name`; empty for the reply itself. */
type Path = string

/** The first place a reply differs from its shape. */
export class ShapeMismatch extends Error {
  constructor(
    readonly path: Path,
    readonly problem: string,
  ) {
    super(path === "" ? problem : `${path}: ${problem}`)
  }
}

/** Checks `value` found at `path` and returns it typed, or throws a ShapeMismatch. */
export type Shape<T> = (value: unknown, path: Path) => T
export type Decoded<S> = S extends Shape<infer T> ? T : never

/** What a value is, for a message: never the value itself unless it is short. */
const describe = (value: unknown): string => {
  if (value === undefined) return "nothing"
  if (value === null) return "null"
  if (Array.isArray(value)) return "an array"
  if (typeof value === "string") {
    const shown = value.length > 40 ? `${value.slice(0, 39)}…` : value
    return `the string "${safeText(shown)}"`
  }
  if (typeof value === "object") return "an object"
  return `${typeof value === "number" ? "the number" : "the boolean"} ${String(value)}`
}

const fail = (path: Path, expected: string, value: unknown): never => {
  throw new ShapeMismatch(path, `expected ${expected}, got ${describe(value)}`)
}

const primitive =
  <T>(expected: string, is: (v: unknown) => v is T): Shape<T> =>
  (value, path) =>
    is(value) ? value : fail(path, expected, value)

export const string: Shape<string> = primitive("a string", (v): v is string => typeof v === "string")
export const boolean: Shape<boolean> = primitive("true or false", (v): v is boolean => typeof v === "boolean")
export const number: Shape<number> = primitive(
  "a number",
  (v): v is number => typeof v === "number" && Number.isFinite(v),
)
/** A count or sequence: a whole number from 0. */
export const count: Shape<number> = primitive(
  "a whole number",
  (v): v is number => typeof v === "number" && Number.isSafeInteger(v) && v >= 0,
)
export const unknown: Shape<unknown> = (value) => value

export const literal =
  <L extends string | boolean>(expected: L): Shape<L> =>
  (value, path) =>
    value === expected ? (value as L) : fail(path, JSON.stringify(expected), value)

export const nullable =
  <T>(shape: Shape<T>): Shape<T | null> =>
  (value, path) =>
    value === null ? null : shape(value, path)

/** An array of at most `max` items (a reply never holds more than the request asked for). */
export const array =
  <T>(item: Shape<T>, max = Number.POSITIVE_INFINITY): Shape<ReadonlyArray<T>> =>
  (value, path) => {
    if (!Array.isArray(value)) return fail(path, "an array", value)
    if (value.length > max) throw new ShapeMismatch(path, `expected at most ${max} items, got ${value.length}`)
    return value.map((v, i) => item(v, `${path}[${i}]`))
  }

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v)

type Fields = Readonly<Record<string, Shape<unknown>>>
type Struct<R extends Fields, O extends Fields> = { readonly [K in keyof R]: Decoded<R[K]> } & {
  readonly [K in keyof O]?: Decoded<O[K]>
}

/**
 * An object with the `required` fields and, when present, the `optional` ones (a field that is
 * present must have its shape; null is not absent). Other fields pass through unchecked.
 */
export const struct =
  <R extends Fields, O extends Fields = {}>(required: R, optional?: O): Shape<Struct<R, O>> =>
  (value, path) => {
    if (!isObject(value)) return fail(path, "an object", value)
    const at = (key: string) => (path === "" ? key : `${path}.${key}`)
    for (const [key, shape] of Object.entries(required)) {
      if (!Object.hasOwn(value, key)) throw new ShapeMismatch(at(key), "missing")
      shape(value[key], at(key))
    }
    for (const [key, shape] of Object.entries(optional ?? {})) {
      if (Object.hasOwn(value, key)) shape(value[key], at(key))
    }
    return value as Struct<R, O>
  }

/** The first of `shapes` that fits; when none does, `expected` names the forms accepted. */
export const oneOf =
  <T>(expected: string, ...shapes: ReadonlyArray<Shape<T>>): Shape<T> =>
  (value, path) => {
    for (const shape of shapes) {
      const fits = tryShape(shape, value)
      if (fits !== undefined) return fits
    }
    return fail(path, expected, value)
  }

/**
 * `value` as `shape`, or the ShapeMismatch saying where it does not fit; any other throw is a bug and
 * stays one. Every decode that must go on past a mismatch goes through here: shapes throw to stop at
 * the first wrong field.
 */
export const fitShape = <T>(shape: Shape<T>, value: unknown): T | ShapeMismatch =>
  attempt(
    () => shape(value, ""),
    (e) => {
      if (e instanceof ShapeMismatch) return e
      throw e
    },
  )

/** `value` as `shape`, or undefined when it does not fit (a row the CLI shows as unknown). */
export const tryShape = <T>(shape: Shape<T>, value: unknown): T | undefined => {
  const fits = fitShape(shape, value)
  return fits instanceof ShapeMismatch ? undefined : fits
}
