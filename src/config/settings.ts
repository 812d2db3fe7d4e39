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
 * balancer polling every second or two to take it out of rotation. Only a serve given a NATS URL may
 * sit behind one; the embedded server is for development, where Ctrl-C should stop at once (0).
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

/**
 * What to check when NATS refuses the credentials, naming the flags and variables that gave them:
 * the server is up, so starting serve or changing the URL would not help.
 */
export const credentialsHint = (s: ConnectionSettings): string => {
  if (s.creds !== undefined) return `NATS refused the credentials file ${s.creds}: check --creds / NATS_CREDS`
  if (s.token !== undefined) return "NATS refused the token: check --token / NATS_TOKEN"
  if (s.user !== undefined) {
    return `NATS refused user "${s.user}": check its password (--password / NATS_PASSWORD) and --user / NATS_USER`
  }
  return (
    "this NATS server requires credentials: give --user and --password (NATS_USER, NATS_PASSWORD), " +
    "--creds (NATS_CREDS) or --token (NATS_TOKEN)"
  )
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
  /** Read by console-settings.ts: empty is a value here (no console), not "not given". */
  readonly consoleAddr?: string | undefined
  readonly role?: string | undefined
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
  /**
   * DAGNATS_DELIVERIES: max age (0: no age limit) and max bytes; the oldest records go first. `record`
   * false (`DAGNATS_DELIVERIES=off`, a benchmarking and diagnostic setting) writes no records at all.
   */
  readonly deliveries: { readonly maxAge: Retention; readonly maxBytes: number; readonly record: boolean }
  /** OTLP trace export, from the standard OTEL_* variables. */
  readonly tracing: TraceSetting
  /** From SIGTERM to closing the listener; /readyz answers 503 meanwhile. Default 5 s, 0 when embedded. */
  readonly shutdownDelayMs: number
  readonly role: ServeRole
  /** Synchronous webhook requests one serve lets wait for their run's answer at once; beyond: 503. */
  readonly respondMaxWaiting: number
}

export type LogFormat = "text" | "json"

/** One kind of textual setting: its value when neither flag nor variable is given, how a text becomes a
 * value (undefined when it is not one), and what a valid text is, as the message says it. */
interface TextKind<A> {
  readonly fallback: A
  readonly parse: (text: string) => A | undefined
  readonly rule: string
  /** How much of a bad text the message repeats (default: all of it). */
  readonly shownAtMost?: number
}

const LOG_FORMAT: TextKind<LogFormat> = {
  fallback: "text",
  parse: (t) => (t === "text" || t === "json" ? t : undefined),
  rule: "must be text or json",
}

/**
 * What one serve does: `all` (the default), `ingest` (webhooks, the micro service and the console; no
 * evaluation, schedules or windows) or `evaluate` (all but webhooks: its listener serves only the
 * probes and /metrics). Split, each part scales on its own and HTTP keeps an event loop of its own.
 */
export type ServeRole = "all" | "ingest" | "evaluate"

const ROLE: TextKind<ServeRole> = {
  fallback: "all",
  parse: (t) => (t === "all" || t === "ingest" || t === "evaluate" ? t : undefined),
  rule: "must be all, ingest or evaluate",
}

/** Whether serve records deliveries: `on` (the default) or `off`, for benchmarks and diagnosis only. */
const RECORDING: TextKind<boolean> = {
  fallback: true,
  parse: (t) => (t === "on" ? true : t === "off" ? false : undefined),
  rule: "must be on or off",
}

/** A retention duration such as 30d or 12h; 0 (or "forever") keeps records without an age limit. */
const RETENTION: TextKind<Retention> = {
  fallback: DEFAULT_RETENTION,
  parse: (t) => {
    const ms = parseRetentionMs(t)
    return ms === undefined ? undefined : { ms, explicit: true }
  },
  rule: "must be a duration of at least 1h such as 30d, or 0 to keep forever",
}

/** A duration such as "5s" or "500ms" ("0" for none) up to `maxMs`. */
const durationUpTo = (fallback: number, maxMs: number): TextKind<number> => ({
  fallback,
  parse: (t) => {
    const ms = t === "0" ? 0 : t.length <= 32 ? parseDurationMs(t) : undefined
    return ms !== undefined && ms <= maxMs ? ms : undefined
  },
  rule: `must be a duration from 0 to ${maxMs / 1000}s, such as 5s or 500ms`,
  shownAtMost: 32,
})

/**
 * Reads settings from their flag, else their variable, else their default. A bad value is reported under the
 * name the operator used (flag or variable); the first bad one is kept (`error`), and reading goes on with
 * the default, so a list of reads needs one check at its end.
 */
const settingsReader = (env: Env) => {
  let error: string | undefined
  const bad = <A>(message: string, fallback: A): A => {
    error ??= message
    return fallback
  }
  return {
    text: <A>(kind: TextKind<A>, flagName: string, flag: string | undefined, envName: string): A => {
      const fromFlag = nonEmpty(flag)
      const given = fromFlag ?? nonEmpty(env[envName])
      if (given === undefined) return kind.fallback
      const value = kind.parse(given)
      if (value !== undefined) return value
      const shown = given.slice(0, kind.shownAtMost ?? given.length)
      return bad(`${fromFlag !== undefined ? flagName : envName}: ${kind.rule} (got "${shown}")`, kind.fallback)
    },
    /** A whole number from `min` to `max`. */
    int: (flagName: string, flag: number | undefined, envName: string, fallback: number, min: number, max: number) => {
      const rule = `must be a whole number from ${min} to ${max}`
      if (flag !== undefined)
        return Number.isInteger(flag) && flag >= min && flag <= max
          ? flag
          : bad(`${flagName}: ${rule} (got ${flag})`, fallback)
      const e = nonEmpty(env[envName])
      if (e === undefined) return fallback
      const n = /^\d+$/.test(e) ? Number(e) : Number.NaN
      return n >= min && n <= max ? n : bad(`${envName}: ${rule} (got "${e}")`, fallback)
    },
    error: () => error,
  }
}

/** Parse `host:port` (IPv6 in brackets); the port must be given. */
export const parseHostPort = (addr: string): { host: string; port: number } | undefined => {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(addr)
  if (m === null) return undefined
  const port = Number(m[3])
  if (port > 65535) return undefined
  return { host: m[1] ?? (m[2] === "" ? "0.0.0.0" : m[2]!), port }
}

const HOST_PORT: TextKind<{ host: string; port: number }> = {
  fallback: parseHostPort(DEFAULT_HTTP_ADDR)!,
  parse: parseHostPort,
  rule: "must be host:port, such as 127.0.0.1:8080",
}

/** Deliveries answer "what happened to my webhook?" about the last days; a week by default. */
const DEFAULT_DELIVERIES_MAX_AGE: Retention = { ms: 7 * 86_400_000, explicit: false }
/** 1 GiB holds about a million deliveries of typical size (a record is about 1 KB). */
const DEFAULT_DELIVERIES_MAX_BYTES = 1_073_741_824

/** The serve settings this module owns, or the message naming the one that is wrong. */
export const serveBaseSettings = (flags: ServeFlags, env: Env): ServeBaseSettings | string => {
  const inboxError = inboxPrefixError(flags, env)
  if (inboxError !== undefined) return inboxError
  const read = settingsReader(env)
  const hostPort = read.text(HOST_PORT, "--http-addr", flags.httpAddr, "DAGNATS_HTTP_ADDR")
  const natsPort = read.int("--nats-port", flags.natsPort, "DAGNATS_NATS_PORT", DEFAULT_NATS_PORT, 1, 65535)
  const maxBody = read.int(
    "--max-body",
    flags.maxBody,
    "DAGNATS_MAX_BODY_BYTES",
    DEFAULT_MAX_BODY_BYTES,
    1,
    64 * 1_048_576,
  )
  const replicas = read.int("--replicas", flags.replicas, "DAGNATS_REPLICAS", 1, 1, 5)
  const logFormat = read.text(LOG_FORMAT, "--log-format", flags.logFormat, "DAGNATS_LOG_FORMAT")
  const role = read.text(ROLE, "--role", flags.role, "DAGNATS_ROLE")
  const runRetention = read.text(RETENTION, "--run-retention", flags.runRetention, "DAGNATS_RUN_RETENTION")
  const historyRetention = read.text(
    RETENTION,
    "--history-retention",
    flags.historyRetention,
    "DAGNATS_HISTORY_RETENTION",
  )
  const natsUrl = requestedNatsUrl(flags, env)
  const deliveriesMaxAge = read.text(
    { ...RETENTION, fallback: DEFAULT_DELIVERIES_MAX_AGE },
    "DAGNATS_DELIVERIES_MAX_AGE",
    undefined,
    "DAGNATS_DELIVERIES_MAX_AGE",
  )
  const deliveriesMaxBytes = read.int(
    "DAGNATS_DELIVERIES_MAX_BYTES",
    undefined,
    "DAGNATS_DELIVERIES_MAX_BYTES",
    DEFAULT_DELIVERIES_MAX_BYTES,
    1_048_576,
    Number.MAX_SAFE_INTEGER,
  )
  const recordDeliveries = read.text(RECORDING, "DAGNATS_DELIVERIES", undefined, "DAGNATS_DELIVERIES")
  const shutdownDelayMs = read.text(
    durationUpTo(natsUrl === undefined ? 0 : DEFAULT_SHUTDOWN_DELAY_MS, MAX_SHUTDOWN_DELAY_MS),
    "--shutdown-delay",
    flags.shutdownDelay,
    "DAGNATS_SHUTDOWN_DELAY",
  )
  const respondMaxWaiting = read.int(
    "DAGNATS_RESPOND_MAX_WAITING",
    undefined,
    "DAGNATS_RESPOND_MAX_WAITING",
    1_000,
    1,
    1_000_000,
  )
  const error = read.error()
  if (error !== undefined) return error
  return {
    role,
    respondMaxWaiting,
    natsUrl,
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
    deliveries: { maxAge: deliveriesMaxAge, maxBytes: deliveriesMaxBytes, record: recordDeliveries },
    tracing: traceSetting(env, VERSION),
    shutdownDelayMs,
  }
}
