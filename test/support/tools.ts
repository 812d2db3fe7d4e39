// The external tools tests run against, as `make setup` installs them under .tools/bin: the
// nats-server the suite runs on, the newest and oldest supported servers, and the nats CLI.
// A missing tool fails the test with a message naming it and how to get it, never a skip.
import { accessSync, constants } from "node:fs"
import { delimiter, join } from "node:path"
import { fileURLToPath } from "node:url"

const TOOLS_BIN = fileURLToPath(new URL("../../.tools/bin/", import.meta.url))

const executable = (path: string): boolean => {
  try {
    accessSync(path, constants.X_OK)
    return true
  } catch {
    return false
  }
}

const onPath = (name: string): string | undefined =>
  (process.env["PATH"] ?? "")
    .split(delimiter)
    .map((d) => join(d, name))
    .find(executable)

/** Resolve a binary: a path must be executable; a bare name must be on PATH. Throws naming the tool. */
export const requireTool = (what: string, bin: string, hint: string): string => {
  const found = bin.includes("/") ? (executable(bin) ? bin : undefined) : onPath(bin)
  if (found === undefined) throw new Error(`${what} not found (${bin}): ${hint}`)
  return found
}

const SETUP_HINT = "run `make setup` (it needs go for the tools under .tools/bin)"

/** The nats-server this run of the suite is on (the matrix sets DAGNATS_NATS_SERVER_BIN). */
export const natsServerBin = (): string =>
  requireTool(
    "nats-server",
    process.env["DAGNATS_NATS_SERVER_BIN"] ?? "nats-server",
    `${SETUP_HINT}, or set DAGNATS_NATS_SERVER_BIN`,
  )

/** The newest server we test on (2.15.x): replicated KV revision checks are safe on it. */
export const latestNatsServerBin = (): string =>
  requireTool(
    "nats-server 2.15",
    process.env["DAGNATS_NATS_SERVER_LATEST"] ?? join(TOOLS_BIN, "nats-server-2.15"),
    SETUP_HINT,
  )

/** The oldest server we support (Debian's 2.9.10): too old for replicated buckets. */
export const oldestNatsServerBin = (): string =>
  requireTool(
    "nats-server 2.9",
    process.env["DAGNATS_NATS_SERVER_OLDEST"] ?? join(TOOLS_BIN, "nats-server-2.9"),
    SETUP_HINT,
  )

/** The real NATS CLI (v0.5.0). */
export const natsCliBin = (): string =>
  requireTool("nats CLI", process.env["DAGNATS_NATS_CLI"] ?? join(TOOLS_BIN, "nats"), SETUP_HINT)
