// Loading the bundled CLI (dist/bundle/dagnats.cjs, made by bin/bundle-cli.mjs) with its V8 code
// cache: the script is compiled from the cache where V8 accepts it (same Node version) and from
// source otherwise. Nothing is written here: the cache is made once, at build time.
import { readFileSync, statSync } from "node:fs"
import { createRequire } from "node:module"
import { dirname } from "node:path"
import { fileURLToPath } from "node:url"
import { Script } from "node:vm"

export const BUNDLE = fileURLToPath(new URL("../dist/bundle/dagnats.cjs", import.meta.url))
export const CODE_CACHE = `${BUNDLE}.cache`
/** What tsc builds; the bundle is made from it. */
export const ENTRY = fileURLToPath(new URL("../dist/cli/main.js", import.meta.url))

const modifiedMs = (path) => statSync(path, { throwIfNoEntry: false })?.mtimeMs

/** `bundle` exists and was written no earlier than `entry`, the file it was made from (tsc rewrites
 * every file of dist/ on each build, so an older bundle holds older code). */
export const isFresh = (bundle, entry) => {
  const made = modifiedMs(bundle)
  const source = modifiedMs(entry)
  return made !== undefined && source !== undefined && made >= source
}

/** The bundle was made after tsc last wrote dist/ (so it holds the same code). */
export const bundleIsFresh = () => isFresh(BUNDLE, ENTRY)

const readCache = () => {
  try {
    return readFileSync(CODE_CACHE)
  } catch {
    return undefined
  }
}

/** The bundle compiled as a CommonJS module body; `run()` evaluates it once. */
export const compileBundle = () => {
  const source = readFileSync(BUNDLE, "utf8")
  const wrapper = `(function (exports, require, module, __filename, __dirname) {${source}\n})`
  const script = new Script(wrapper, { filename: BUNDLE, cachedData: readCache() })
  return {
    rejected: script.cachedDataRejected !== false,
    createCachedData: () => script.createCachedData(),
    run: () => {
      const module = { exports: {} }
      script.runInThisContext()(module.exports, createRequire(BUNDLE), module, BUNDLE, dirname(BUNDLE))
    },
  }
}
