// bin/dagnats runs the bundle only when it is at least as new as the tsc output it was made from,
// so a bare `tsc` rebuild after a change runs dist/ instead of the stale bundle.
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterEach, describe, expect, it } from "vitest"
// @ts-expect-error: a plain .mjs module of bin/, without type declarations
import { isFresh } from "../../../bin/bundle-loader.mjs"

const fresh = isFresh as (bundle: string, entry: string) => boolean

describe("bundle freshness", () => {
  const dirs: Array<string> = []
  const files = (bundleAt: number | undefined, entryAt: number | undefined) => {
    const dir = mkdtempSync(join(tmpdir(), "dagnats-bundle-"))
    dirs.push(dir)
    const bundle = join(dir, "dagnats.cjs")
    const entry = join(dir, "main.js")
    for (const [path, at] of [
      [bundle, bundleAt],
      [entry, entryAt],
    ] as const) {
      if (at === undefined) continue
      writeFileSync(path, "")
      utimesSync(path, at, at)
    }
    return { bundle, entry }
  }
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
  })

  it("a bundle written after dist/ is used", () => {
    const { bundle, entry } = files(2_000, 1_000)
    expect(fresh(bundle, entry)).toBe(true)
  })

  it("a bundle written in the same instant as dist/ is used (copies that share one timestamp)", () => {
    const { bundle, entry } = files(1_000, 1_000)
    expect(fresh(bundle, entry)).toBe(true)
  })

  it("a bundle older than dist/ (tsc ran again since) is not used", () => {
    const { bundle, entry } = files(1_000, 2_000)
    expect(fresh(bundle, entry)).toBe(false)
  })

  it("no bundle, or no dist/, means no bundle", () => {
    const none = files(undefined, 1_000)
    expect(fresh(none.bundle, none.entry)).toBe(false)
    const noEntry = files(1_000, undefined)
    expect(fresh(noEntry.bundle, noEntry.entry)).toBe(false)
  })
})
