// Guards the shape of src/windows/: NATS is reached only through src/nats/ (no file here imports
// nats.js), and the engine stays in parts of one job each, none over 300 lines.
import { readFileSync, readdirSync } from "node:fs"
import { join, resolve } from "node:path"
import { describe, expect, test } from "vitest"

const WINDOWS = resolve(import.meta.dirname, "../../../src/windows")
const files = readdirSync(WINDOWS).filter((f) => f.endsWith(".ts"))
const text = (f: string) => readFileSync(join(WINDOWS, f), "utf8")

describe("windows layout", () => {
  test("windows layout - no file of src/windows imports @nats-io (type-only imports included)", () => {
    const natsImports = files.filter(
      (f) => /from\s+["']@nats-io\//.test(text(f)) || /import\(\s*["']@nats-io\//.test(text(f)),
    )
    expect(files.length).toBeGreaterThan(0)
    expect(natsImports).toEqual([])
  })

  test("windows layout - no file of src/windows is over 300 lines", () => {
    const long = files.map((f) => [f, text(f).split("\n").length - 1] as const).filter(([, n]) => n > 300)
    expect(long).toEqual([])
  })
})
