// How long the HTTP listener waits for slow or stalled clients before cutting them off, so a sender
// that never finishes cannot hold a connection forever.
// Defaults suit webhook senders; DAGNATS_HTTP_HEADERS_TIMEOUT_MS and
// DAGNATS_HTTP_REQUEST_TIMEOUT_MS override them (tests use about 1 s).
import { Schema } from "effect"
import type { Env } from "./settings.js"

export interface HttpTimeouts {
  /** From the first byte of a request until its headers are complete. */
  readonly headersMs: number
  /** From the first byte of a request until its body is complete. */
  readonly requestMs: number
  /** How long an idle keep-alive connection stays open. */
  readonly keepAliveMs: number
  /** How often Node checks the two timeouts above; a stalled client is cut off up to this late. */
  readonly checkIntervalMs: number
}

/** Providers send a whole webhook in well under a second; 10 s leaves room for slow networks. */
const DEFAULT_HEADERS_MS = 10_000
/** A 1 MiB body at a slow 40 KB/s fits in 30 s. */
const DEFAULT_REQUEST_MS = 30_000
/**
 * Longer than the 60 s idle timeout of common proxies and load balancers (nginx, AWS ALB): the
 * proxy must close an idle upstream connection first, or it may reuse one we just closed (502).
 */
const KEEP_ALIVE_MS = 65_000
/** Node's default check interval is 30 s, far too coarse for a 10 s headers timeout. */
const MAX_CHECK_INTERVAL_MS = 1_000

const Millis = Schema.FiniteFromString.pipe(
  Schema.check(Schema.isInt(), Schema.isBetween({ minimum: 100, maximum: 3_600_000 })),
)
const decodeMillis = Schema.decodeUnknownOption(Millis)

const setting = (env: Env, name: string, fallback: number, warnings: Array<string>): number => {
  const raw = env[name]
  if (raw === undefined || raw === "") return fallback
  const decoded = decodeMillis(raw)
  if (decoded._tag === "Some") return decoded.value
  warnings.push(
    `${name}: must be whole milliseconds from 100 to 3600000 (got "${raw.slice(0, 32)}"); using ${fallback}`,
  )
  return fallback
}

export const httpTimeouts = (
  env: Env,
): { readonly timeouts: HttpTimeouts; readonly warnings: ReadonlyArray<string> } => {
  const warnings: Array<string> = []
  const requestMs = setting(env, "DAGNATS_HTTP_REQUEST_TIMEOUT_MS", DEFAULT_REQUEST_MS, warnings)
  // Node refuses a headers timeout longer than the request timeout; the headers are part of it.
  const headersMs = Math.min(setting(env, "DAGNATS_HTTP_HEADERS_TIMEOUT_MS", DEFAULT_HEADERS_MS, warnings), requestMs)
  return {
    timeouts: {
      headersMs,
      requestMs,
      keepAliveMs: KEEP_ALIVE_MS,
      // A quarter of the shortest timeout keeps the cut-off within 25% of what was configured.
      checkIntervalMs: Math.min(MAX_CHECK_INTERVAL_MS, Math.max(25, Math.floor(headersMs / 4))),
    },
    warnings,
  }
}
