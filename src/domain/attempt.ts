// A throw as a value, for the modules the CLI's lean start loads (cli/ and the config/ and domain/
// files it imports): they cannot use effect's Result.try or Option.liftThrowable, since loading effect
// costs more than the whole fast command. Every throwing call they make (JSON.parse, a file or stdin
// read, fstat, decodeURIComponent, a reply shape stopping at its first wrong field) goes through this
// one function instead of a try block of its own.

/** What `f` returns, or what `onThrow` makes of what it threw (`onThrow` may throw it on). */
export const attempt = <A, B>(f: () => A, onThrow: (e: unknown) => B): A | B => {
  // The lean start's one try: the effect-free stand-in for Result.try.
  try {
    return f()
  } catch (e) {
    return onThrow(e)
  }
}
