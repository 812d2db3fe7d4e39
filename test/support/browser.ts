// Debian's Chromium driven by playwright-core, one browser per test file: DAGNATS_CHROMIUM names the
// binary (the Makefile links .tools/bin/chromium), /usr/bin/chromium otherwise. The machine's network
// is closed, so every flag that would make Chromium reach out (QUIC, background networking, component
// updates, sync) is off; each launch gets a fresh profile in a temporary directory.
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll } from "vitest"
import { chromium, type BrowserContext } from "playwright-core"

const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
]

export interface TestBrowser {
  /** The file's browser context; each test opens its own pages in it. */
  readonly context: BrowserContext
}

/** Registers the file's beforeAll/afterAll; `context` is usable inside tests. */
export const testBrowser = (): TestBrowser => {
  let context: BrowserContext | undefined
  let profile: string | undefined
  beforeAll(async () => {
    profile = mkdtempSync(join(tmpdir(), "dagnats-chromium-"))
    context = await chromium.launchPersistentContext(profile, {
      executablePath: process.env["DAGNATS_CHROMIUM"] || "/usr/bin/chromium",
      args: FLAGS,
      headless: true,
      viewport: { width: 1200, height: 800 },
    })
  })
  afterAll(async () => {
    await context?.close()
    if (profile !== undefined) rmSync(profile, { recursive: true, force: true })
  })
  return {
    get context() {
      if (context === undefined) throw new Error("testBrowser: used before beforeAll launched it")
      return context
    },
  }
}
