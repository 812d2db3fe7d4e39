// Guards the one-way dependency direction between the folders of src/ (docs/architecture.md has the
// map): an import from a folder may only reach a folder of a lower rank, so no two folders import
// each other; a folder with an index.ts is reached from other folders only through it. The graph is
// read from the relative import/export lines, type-only imports included.
import { existsSync, readFileSync, readdirSync } from "node:fs"
import { dirname, join, relative, resolve } from "node:path"
import { describe, expect, test } from "vitest"

const SRC = resolve(import.meta.dirname, "../../src")

/** Lower ranks never import higher ones; a folder may import any folder of a lower rank. */
const RANK: Readonly<Record<string, number>> = {
  domain: 0,
  version: 0,
  protocol: 1,
  config: 2,
  runtime: 2,
  nats: 3,
  metrics: 3,
  telemetry: 3,
  micro: 3,
  triggers: 4,
  runs: 4,
  dead: 4,
  history: 5,
  windows: 6,
  deliveries: 6,
  respond: 6,
  engine: 6,
  schedules: 7,
  evaluator: 7,
  ingest: 7,
  outcomes: 7,
  // Reads the operator's streams through the evaluator; the service's trigger endpoints gate on it.
  sources: 7.5,
  replay: 8,
  service: 8,
  console: 8,
  app: 9,
  cli: 10,
}

const IMPORT = /(?:import|export)\s+(?:type\s+)?[^"';]*?from\s+["'](\.[^"']+)["']|import\(\s*["'](\.[^"']+)["']\s*\)/g

const sources = (dir: string): ReadonlyArray<string> =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
  )

const folderOf = (file: string): string =>
  relative(SRC, file)
    .split("/")[0]!
    .replace(/\.[jt]s$/, "")

interface Edge {
  readonly from: string
  readonly to: string
  readonly target: string
  /** The file and the import that make the edge, for the failure message. */
  readonly why: string
}

/** Every import from one folder of src into another. */
const crossImports = (): ReadonlyArray<Edge> =>
  sources(SRC).flatMap((file) =>
    [...readFileSync(file, "utf8").matchAll(IMPORT)]
      .map((m) => ({ file, spec: (m[1] ?? m[2])! }))
      .map(({ file, spec }) => {
        const target = resolve(dirname(file), spec)
        return { from: folderOf(file), to: folderOf(target), target, why: `${relative(SRC, file)} imports ${spec}` }
      })
      .filter((e) => e.from !== e.to),
  )

/** Folder → folder edges, each with one import that makes it. */
const folderEdges = (imports: ReadonlyArray<Edge>): ReadonlyMap<string, ReadonlyMap<string, string>> => {
  const edges = new Map<string, Map<string, string>>()
  for (const e of imports) edges.set(e.from, (edges.get(e.from) ?? new Map<string, string>()).set(e.to, e.why))
  return edges
}

describe("architecture", () => {
  const imports = crossImports()
  const edges = folderEdges(imports)
  const folders = new Set(sources(SRC).map(folderOf))

  test("architecture - every folder of src has a rank", () => {
    expect([...folders].filter((f) => RANK[f] === undefined)).toEqual([])
  })

  test("architecture - no folder imports a folder of the same or a higher rank", () => {
    const against = [...edges].flatMap(([from, out]) =>
      [...out].filter(([to]) => (RANK[to] ?? Infinity) >= (RANK[from] ?? -Infinity)).map(([, why]) => why),
    )
    expect(against).toEqual([])
  })

  test("architecture - a folder with an index.ts is imported from other folders only through it", () => {
    const sealed = (folder: string) => existsSync(join(SRC, folder, "index.ts"))
    const around = imports.filter((e) => sealed(e.to) && e.target !== join(SRC, e.to, "index.js"))
    expect(around.map((e) => e.why)).toEqual([])
  })

  test("architecture - the folder graph has no cycle", () => {
    const state = new Map<string, "open" | "done">()
    const cycles: Array<string> = []
    const visit = (folder: string, path: ReadonlyArray<string>): void => {
      if (state.get(folder) === "done") return
      if (state.get(folder) === "open") return void cycles.push([...path, folder].join(" → "))
      state.set(folder, "open")
      for (const to of edges.get(folder)?.keys() ?? []) visit(to, [...path, folder])
      state.set(folder, "done")
    }
    for (const folder of folders) visit(folder, [])
    expect(cycles).toEqual([])
  })
})

// File level: two files of one folder that import each other are as hard to change as two folders that do.
describe("architecture - files", () => {
  /** Each file of src → the files of src it imports (".js" specifiers name the ".ts" sources). */
  const fileEdges = (): ReadonlyMap<string, ReadonlyArray<string>> =>
    new Map(
      sources(SRC).map((file) => [
        relative(SRC, file),
        [...readFileSync(file, "utf8").matchAll(IMPORT)].map((m) =>
          relative(SRC, resolve(dirname(file), (m[1] ?? m[2])!).replace(/\.js$/, ".ts")),
        ),
      ]),
    )

  test("architecture - no file of src imports itself through any chain of imports", () => {
    const edges = fileEdges()
    const state = new Map<string, "open" | "done">()
    const cycles: Array<string> = []
    const visit = (file: string, path: ReadonlyArray<string>): void => {
      if (state.get(file) === "done") return
      if (state.get(file) === "open") return void cycles.push([...path.slice(path.indexOf(file)), file].join(" → "))
      state.set(file, "open")
      for (const to of edges.get(file) ?? []) visit(to, [...path, file])
      state.set(file, "done")
    }
    for (const file of edges.keys()) visit(file, [])
    expect(edges.get("cli/shared.ts")).toContain("cli/client.ts")
    expect(cycles).toEqual([])
  })
})

describe("architecture - the NATS door", () => {
  const NATS_JS =
    /(?:import|export)\s+(?:type\s+)?[^"';]*?from\s+["'](@nats-io\/[^"']+)["']|import\(\s*["'](@nats-io\/[^"']+)["']\s*\)/g

  test("architecture - no file of src outside src/nats imports nats.js (@nats-io/*), type-only imports included", () => {
    const outside = sources(SRC)
      .filter((file) => folderOf(file) !== "nats")
      .flatMap((file) =>
        [...readFileSync(file, "utf8").matchAll(NATS_JS)].map((m) => `${relative(SRC, file)} imports ${m[1] ?? m[2]}`),
      )
    // The rule is live: src/nats itself does import nats.js.
    expect(sources(join(SRC, "nats")).some((f) => /from\s+["']@nats-io\//.test(readFileSync(f, "utf8")))).toBe(true)
    expect(outside).toStrictEqual([])
  })
})

// The CLI's fast path (src/cli/lean/) starts in a fraction of effect's own load time: nothing it
// loads may import effect, through any chain of value imports (type-only ones are erased).
describe("architecture - the CLI's lean start", () => {
  const VALUE_IMPORT =
    /(?:import|export)\s+(?!type\s)(?:[^"';]*?from\s+)?["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g

  test("architecture - no module the lean start loads imports effect, through any chain of value imports", () => {
    const seen = new Set<string>()
    const reached: Array<string> = []
    const visit = (file: string, path: ReadonlyArray<string>): void => {
      if (seen.has(file)) return
      seen.add(file)
      for (const m of readFileSync(file, "utf8").matchAll(VALUE_IMPORT)) {
        const spec = (m[1] ?? m[2])!
        if (spec.startsWith(".")) visit(resolve(dirname(file), spec).replace(/\.js$/, ".ts"), [...path, file])
        else if (spec === "effect" || spec.startsWith("effect/") || spec.startsWith("@effect/"))
          reached.push([...path, file].map((f) => relative(SRC, f)).join(" → ") + ` imports ${spec}`)
      }
    }
    for (const file of sources(join(SRC, "cli/lean"))) visit(file, [])
    // The rule is live: the walk reaches the lean start's shared modules.
    expect(seen.has(join(SRC, "cli/payload.ts"))).toBe(true)
    expect(reached).toStrictEqual([])
  })
})

// Failures are typed errors (Effect.tryPromise + catchIf, recoverWhen, parseJson, domain/attempt.ts),
// not try blocks: the few left are each where nothing else will do, and say why in a comment above.
describe("architecture - try blocks", () => {
  const TRY = /\btry\s*\{/g
  const blocks = () =>
    sources(SRC).flatMap((file) => {
      const lines = readFileSync(file, "utf8").split("\n")
      return lines.flatMap((line, i) =>
        [...line.matchAll(TRY)].map(() => ({
          file: relative(SRC, file),
          line: i + 1,
          above: lines.slice(Math.max(0, i - 2), i),
        })),
      )
    })

  test("architecture - src holds at most 15 try blocks", () => {
    const all = blocks()
    expect(all.length).toBeGreaterThan(0)
    expect(all.length).toBeLessThanOrEqual(15)
  })

  // src/console is the console's own (its page script is plain browser JavaScript); the rest say why.
  test("architecture - every try block outside src/console has a comment just above it saying why", () => {
    const unexplained = blocks()
      .filter((b) => !b.file.startsWith("console/"))
      .filter((b) => !b.above.some((l) => /^\s*\/\//.test(l)))
      .map((b) => `${b.file}:${b.line}`)
    expect(unexplained).toStrictEqual([])
  })
})

describe("architecture - named exports", () => {
  test("architecture - no file of src re-exports a module as a namespace (export * as)", () => {
    const namespaces = sources(SRC).flatMap((file) =>
      [...readFileSync(file, "utf8").matchAll(/^\s*export\s+\*\s+as\s+(\w+)/gm)].map(
        (m) => `${relative(SRC, file)} exports * as ${m[1]}`,
      ),
    )
    expect(namespaces).toStrictEqual([])
  })
})

describe("architecture - tests mirror src", () => {
  const UNIT = resolve(import.meta.dirname)
  const folders = (dir: string): ReadonlyArray<string> =>
    readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .flatMap((e) => [join(dir, e.name), ...folders(join(dir, e.name))])

  test("architecture - every folder of test/unit is the path of a folder of src (test/unit/domain/signatures ↔ src/domain/signatures)", () => {
    const unmatched = folders(UNIT)
      .map((d) => relative(UNIT, d))
      .filter((d) => !existsSync(join(SRC, d)))
    expect(folders(UNIT).length).toBeGreaterThan(5)
    expect(unmatched).toStrictEqual([])
  })
})
