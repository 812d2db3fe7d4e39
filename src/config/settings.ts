// Resolving settings: flags win over environment, environment over defaults, for every setting alike.
// Pure: callers pass the parsed flags and the environment, so every rule is unit-testable.
import { homedir } from "node:os"
import { join } from "node:path"
import { DEFAULT_RETENTION, parseRetentionMs, type Retention } from "../domain/retention.js"
import { traceSetting, type TraceSetting } from "./otel-env.js"
import { VERSION } from "../version.js"
import { parseDurationMs } from "../domain/duration.js"
import { debugLevel, type Env } from "./environment.js"

/** How to reach NATS: servers and credentials from flags, the environment or a context file. */
export interface ConnectionSettings {
  readonly servers: ReadonlyArray<string>
  readonly creds?: string | undefined
  readonly user?: string | undefined
  readonly password?: string | undefined
  readonly token?: string | undefined
  /** Every reply and JetStream delivery arrives under this prefix; a permission boundary between users. */
  readonly inboxPrefix: string
  /** Client name shown by `nats server report connections`. */
  readonly name: string
  /** serve reconnects forever; one-shot CLI commands fail fast. */
  readonly reconnect: boolean
}

export type { Env } from "./environment.js"

export interface ConnectionFlags {
  readonly natsUrl?: string | undefined
  readonly creds?: string | undefined
  readonly user?: string | undefined
  readonly password?: string | undefined
  readonly token?: string | undefined
  readonly inboxPrefix?: string | undefined
}

export const DEFAULT_NATS_URL = "nats://127.0.0.1:4222"
const DEFAULT_HTTP_ADDR = "127.0.0.1:8080"
const DEFAULT_MAX_BODY_BYTES = 1_048_576
const DEFAULT_NATS_PORT = 4222
/**
 * How long a stopping serve answers /readyz 503 before its listener closes: long enough for a load
 * balancer polling every second or two to take it out of rotation.
 */
const DEFAULT_SHUTDOWN_DELAY_MS = 5_000
/** The delay is bounded so a SIGTERM always ends in a stop a supervisor can wait for. */
const MAX_SHUTDOWN_DELAY_MS = 60_000

const nonEmpty = (s: string | undefined): string | undefined => (s === undefined || s === "" ? undefined : s)
const pick = (flag: string | undefined, env: string | undefined) => nonEmpty(flag) ?? nonEmpty(env)

/** The NATS URL the operator asked for, or undefined (serve then embeds its own server). */
export const requestedNatsUrl = (flags: ConnectionFlags, env: Env): string | undefined =>
  pick(flags.natsUrl, env["NATS_URL"])

// Replies (KV reads carrying trigger secrets among them) arrive on the client's inboxes, so each NATS user
// gets inboxes of its own that the shipped nats.conf lets no other user subscribe to. The default is
// derived from the user name so the shipped users need no extra flag; creds, token and anonymous
// connections keep nats.js' `_INBOX`.
const DEFAULT_INBOX_PREFIX = "_INBOX"

/** `_INBOX_<user>`, with every character a subject token cannot hold replaced by `_`. */
export const inboxPrefixForUser = (user: string | undefined): string =>
  user === undefined ? DEFAULT_INBOX_PREFIX : `${DEFAULT_INBOX_PREFIX}_${user.replace(/[^A-Za-z0-9_-]/g, "_")}`

const inboxPrefix = (flags: ConnectionFlags, env: Env): { readonly value: string; readonly source: string } => {
  const flag = nonEmpty(flags.inboxPrefix)
  if (flag !== undefined) return { value: flag, source: "--inbox-prefix" }
  const e = nonEmpty(env["NATS_INBOX_PREFIX"])
  if (e !== undefined) return { value: e, source: "NATS_INBOX_PREFIX" }
  return { value: inboxPrefixForUser(pick(flags.user, env["NATS_USER"])), source: "user" }
}

/** A message naming the setting when the inbox prefix is no valid subject without wildcards, else undefined. */
export const inboxPrefixError = (flags: ConnectionFlags, env: Env): string | undefined => {
  const { value, source } = inboxPrefix(flags, env)
  const tokens = value.split(".")
  const valid = tokens.every((t) => t !== "" && !/[\s*>]/.test(t)) && value.length <= 256
  if (valid) return undefined
  return `${source}: must be a NATS subject without wildcards or spaces, such as _INBOX_cli (got "${value}")`
}

export const connectionSettings = (
  flags: ConnectionFlags,
  env: Env,
  servers: string,
  options: { readonly name: string; readonly reconnect: boolean },
): ConnectionSettings => ({
  servers: servers
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== ""),
  creds: pick(flags.creds, env["NATS_CREDS"]),
  user: pick(flags.user, env["NATS_USER"]),
  password: pick(flags.password, env["NATS_PASSWORD"]),
  token: pick(flags.token, env["NATS_TOKEN"]),
  inboxPrefix: inboxPrefix(flags, env).value,
  name: options.name,
  reconnect: options.reconnect,
})

export const defaultDataDir = (env: Env): string =>
  join(nonEmpty(env["XDG_DATA_HOME"]) ?? join(homedir(), ".local", "share"), "dagnats")

export interface ServeFlags extends ConnectionFlags {
  readonly httpAddr?: string | undefined
  readonly dataDir?: string | undefined
  readonly natsPort?: number | undefined
  readonly maxBody?: number | undefined
  readonly replicas?: number | undefined
  readonly logFormat?: string | undefined
  readonly runRetention?: string | undefined
  readonly historyRetention?: string | undefined
  readonly shutdownDelay?: string | undefined
}

/** The serve settings resolved here; serve-settings.ts adds the ones that need effect to decode. */
export interface ServeBaseSettings {
  readonly natsUrl: string | undefined
  readonly httpHost: string
  readonly httpPort: number
  readonly dataDir: string
  readonly natsPort: number
  readonly natsServerBin: string
  readonly maxBodyBytes: number
  readonly replicas: number
  readonly webhookSecret: string | undefined
  readonly debug: boolean
  readonly logFormat: LogFormat
  /** Max age of run records and of trigger history; 0 keeps them forever. `explicit`: the operator set it. */
  readonly runRetention: Retention
  readonly historyRetention: Retention
  /** OTLP trace export, from the standard OTEL_* variables. */
  readonly tracing: TraceSetting
  /** From SIGTERM to closing the listener; /readyz answers 503 meanwhile. */
  readonly shutdownDelayMs: number
}

export type LogFormat = "text" | "json"

const logFormatSetting = (flag: string | undefined, env: Env): LogFormat | string => {
  const given = pick(flag, env["DAGNATS_LOG_FORMAT"])
  if (given === undefined) return "text"
  if (given === "text" || given === "json") return given
  const source = nonEmpty(flag) !== undefined ? "--log-format" : "DAGNATS_LOG_FORMAT"
  return `${source}: must be text or json (got "${given}")`
}

/** A retention duration such as 30d or 12h; 0 (or "forever") keeps records without an age limit. */
const retentionSetting = (
  flagName: string,
  flag: string | undefined,
  envName: string,
  env: Env,
): Retention | string => {
  const given = pick(flag, env[envName])
  if (given === undefined) return DEFAULT_RETENTION
  const ms = parseRetentionMs(given)
  if (ms === undefined) {
    const source = nonEmpty(flag) !== undefined ? flagName : envName
    return `${source}: must be a duration of at least 1h such as 30d, or 0 to keep forever (got "${given}")`
  }
  return { ms, explicit: true }
}

/** A whole-number setting; a bad value is reported under the name the operator used (flag or variable). */
const intSetting = (
  flagName: string,
  flag: number | undefined,
  envName: string,
  env: Env,
  fallback: number,
  min: number,
  max: number,
): number | string => {
  const rule = `must be a whole number from ${min} to ${max}`
  if (flag !== undefined)
    return Number.isInteger(flag) && flag >= min && flag <= max ? flag : `${flagName}: ${rule} (got ${flag})`
  const e = nonEmpty(env[envName])
  if (e === undefined) return fallback
  const n = /^\d+$/.test(e) ? Number(e) : Number.NaN
  return n >= min && n <= max ? n : `${envName}: ${rule} (got "${e}")`
}

/** A duration setting such as "5s" or "500ms" ("0" for none), from the flag or else the variable. */
const durationSetting = (
  flagName: string,
  flag: string | undefined,
  envName: string,
  env: Env,
  fallback: number,
  maxMs: number,
): number | string => {
  const fromFlag = nonEmpty(flag)
  const text = fromFlag ?? nonEmpty(env[envName])
  if (text === undefined) return fallback
  const ms = text === "0" ? 0 : text.length <= 32 ? parseDurationMs(text) : undefined
  if (ms !== undefined && ms <= maxMs) return ms
  const source = fromFlag !== undefined ? flagName : envName
  return `${source}: must be a duration from 0 to ${maxMs / 1000}s, such as 5s or 500ms (got "${text.slice(0, 32)}")`
}

/** Parse `host:port` (IPv6 in brackets); the port must be given. */
export const parseHostPort = (addr: string): { host: string; port: number } | undefined => {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(addr)
  if (m === null) return undefined
  const port = Number(m[3])
  if (port > 65535) return undefined
  return { host: m[1] ?? (m[2] === "" ? "0.0.0.0" : m[2]!), port }
}

/** The serve settings this module owns, or the message naming the one that is wrong. */
export const serveBaseSettings = (flags: ServeFlags, env: Env): ServeBaseSettings | string => {
  const inboxError = inboxPrefixError(flags, env)
  if (inboxError !== undefined) return inboxError
  const addrFlag = nonEmpty(flags.httpAddr)
  const addr = addrFlag ?? nonEmpty(env["DAGNATS_HTTP_ADDR"]) ?? DEFAULT_HTTP_ADDR
  const hostPort = parseHostPort(addr)
  if (hostPort === undefined) {
    return `${addrFlag !== undefined ? "--http-addr" : "DAGNATS_HTTP_ADDR"}: must be host:port, such as 127.0.0.1:8080 (got "${addr}")`
  }
  const natsPort = intSetting("--nats-port", flags.natsPort, "DAGNATS_NATS_PORT", env, DEFAULT_NATS_PORT, 1, 65535)
  if (typeof natsPort === "string") return natsPort
  const maxBody = intSetting(
    "--max-body",
    flags.maxBody,
    "DAGNATS_MAX_BODY_BYTES",
    env,
    DEFAULT_MAX_BODY_BYTES,
    1,
    64 * 1_048_576,
  )
  if (typeof maxBody === "string") return maxBody
  const replicas = intSetting("--replicas", flags.replicas, "DAGNATS_REPLICAS", env, 1, 1, 5)
  if (typeof replicas === "string") return replicas
  const logFormat = logFormatSetting(flags.logFormat, env)
  if (logFormat !== "text" && logFormat !== "json") return logFormat
  const runRetention = retentionSetting("--run-retention", flags.runRetention, "DAGNATS_RUN_RETENTION", env)
  if (typeof runRetention === "string") return runRetention
  const historyRetention = retentionSetting(
    "--history-retention",
    flags.historyRetention,
    "DAGNATS_HISTORY_RETENTION",
    env,
  )
  if (typeof historyRetention === "string") return historyRetention
  const shutdownDelayMs = durationSetting(
    "--shutdown-delay",
    flags.shutdownDelay,
    "DAGNATS_SHUTDOWN_DELAY",
    env,
    DEFAULT_SHUTDOWN_DELAY_MS,
    MAX_SHUTDOWN_DELAY_MS,
  )
  if (typeof shutdownDelayMs === "string") return shutdownDelayMs
  return {
    natsUrl: requestedNatsUrl(flags, env),
    httpHost: hostPort.host,
    httpPort: hostPort.port,
    dataDir: pick(flags.dataDir, env["DAGNATS_DATA_DIR"]) ?? defaultDataDir(env),
    natsPort,
    natsServerBin: nonEmpty(env["DAGNATS_NATS_SERVER_BIN"]) ?? "nats-server",
    maxBodyBytes: maxBody,
    replicas,
    webhookSecret: nonEmpty(env["DAGNATS_WEBHOOK_SECRET"]),
    debug: debugLevel(env),
    logFormat,
    runRetention,
    historyRetention,
    tracing: traceSetting(env, VERSION),
    shutdownDelayMs,
  }
}
