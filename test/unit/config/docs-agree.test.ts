// Proves the operator docs say what the code does where that is cheap to check: the ack wait the docs
// name is the evaluator's default, and the Node versions named in README, docs/operations.md,
// package.json `engines` and the container image are one set.
import { readFileSync } from "node:fs"
import { describe, expect, test } from "vitest"
import { DEFAULT_TIMING } from "../../../src/config/evaluator-timing.js"

const read = (path: string) => readFileSync(new URL(`../../../${path}`, import.meta.url), "utf8")
const words = (text: string) => text.replace(/\s+/g, " ")

/** "20, 22 or 24" → [20, 22, 24]. */
const versionList = (text: string): Array<number> => text.split(/, | or /).map(Number)

describe("docs agree with the code", () => {
  test("docs - every ack wait docs/operations.md, architecture.md and README's settings table name is DAGNATS_ACK_WAIT's default (4 s)", () => {
    const seconds = DEFAULT_TIMING.ackWaitMs / 1000
    const named = ["docs/operations.md", "docs/architecture.md", "README.md"].flatMap((f) =>
      [...words(read(f)).matchAll(/ack wait\b[^.;|]*?(\d+)(?: s\b|-second|s`)/gi)].map((m) => `${f}: ${m[1]}`),
    )
    expect(named.filter((n) => n.startsWith("docs/operations.md")).length).toBeGreaterThanOrEqual(2)
    expect(named).toEqual(named.map((n) => n.replace(/\d+$/, String(seconds))))
    // README's settings table: the DAGNATS_ACK_WAIT row's default.
    expect(/\| `DAGNATS_ACK_WAIT` \| `([^`]+)` \|/.exec(read("README.md"))?.[1]).toBe(`${seconds}s`)
  })

  test("docs - the Node versions of README, docs/operations.md, package.json engines and the image's Node are 20, 22 and 24", () => {
    const readme = /with Node (\d+(?:, \d+)* or \d+)/.exec(words(read("README.md")))?.[1]
    const operations = /needs Node (\d+(?:, \d+)* or \d+)/.exec(words(read("docs/operations.md")))?.[1]
    const engines = (JSON.parse(read("package.json")) as { engines: { node: string } }).engines.node
    const engineMajors = engines.split("||").map((range) => {
      // 20 from 20.12 (crypto.hash), the others from their first release.
      const m = /^\s*\^(\d+)\.(\d+)\.0\s*$/.exec(range)
      if (m === null) throw new Error(`engines.node: ${range} is not a ^N.M.0 range`)
      return Number(m[1])
    })
    const image = Number(/^ARG NODE_IMAGE=node:(\d+)-/m.exec(read("deploy/Containerfile"))?.[1])
    expect({ readme: versionList(readme!), operations: versionList(operations!), engines: engineMajors }).toEqual({
      readme: [20, 22, 24],
      operations: [20, 22, 24],
      engines: [20, 22, 24],
    })
    expect(engineMajors).toContain(image)
  })
})
