// Proves SPEC §2 configuration: for every setting a flag wins over the environment, the environment over the default, and a bad value is reported naming where it came from.
import { homedir } from "node:os"
import { join } from "node:path"
import { describe, expect, test } from "vitest"
import {
  DEFAULT_NATS_URL,
  connectionSettings,
  defaultDataDir,
  parseHostPort,
  requestedNatsUrl,
} from "../../../src/config/settings.js"
import { serveSettings, type ServeSettings } from "../../../src/config/serve-settings.js"

const cli = { name: "dagnats cli", reconnect: false }

/** serveSettings that must succeed. */
const settings = (...args: Parameters<typeof serveSettings>): ServeSettings => {
  const s = serveSettings(...args)
  if (typeof s === "string") throw new Error(`unexpected: ${s}`)
  return s
}

describe("NATS connection", () => {
  test("settings - the NATS URL comes from --nats-url, then NATS_URL, else none (serve embeds)", () => {
    expect(requestedNatsUrl({ natsUrl: "nats://flag:1" }, { NATS_URL: "nats://env:2" })).toBe("nats://flag:1")
    expect(requestedNatsUrl({}, { NATS_URL: "nats://env:2" })).toBe("nats://env:2")
    expect(requestedNatsUrl({}, {})).toBeUndefined()
    expect(DEFAULT_NATS_URL).toBe("nats://127.0.0.1:4222")
  })

  test("settings - an empty flag or variable counts as not given", () => {
    expect(requestedNatsUrl({ natsUrl: "" }, { NATS_URL: "nats://env:2" })).toBe("nats://env:2")
    expect(requestedNatsUrl({}, { NATS_URL: "" })).toBeUndefined()
  })

  test("settings - a comma separated server list becomes one entry per server", () => {
    expect(connectionSettings({}, {}, "nats://a:1, nats://b:2,,", cli).servers).toEqual(["nats://a:1", "nats://b:2"])
  })

  test("settings - credentials, user, password and token: flag over environment", () => {
    const env = { NATS_CREDS: "/env.creds", NATS_USER: "env-user", NATS_PASSWORD: "env-pass", NATS_TOKEN: "env-token" }
    const flags = { creds: "/flag.creds", user: "flag-user", password: "flag-pass", token: "flag-token" }
    expect(connectionSettings(flags, env, "nats://x:1", cli)).toEqual({
      servers: ["nats://x:1"],
      creds: "/flag.creds",
      user: "flag-user",
      password: "flag-pass",
      token: "flag-token",
      inboxPrefix: "_INBOX_flag-user",
      name: "dagnats cli",
      reconnect: false,
    })
  })

  test("settings - credentials, user, password and token: environment over none", () => {
    const env = { NATS_CREDS: "/env.creds", NATS_USER: "env-user", NATS_PASSWORD: "env-pass", NATS_TOKEN: "env-token" }
    expect(connectionSettings({}, env, "nats://x:1", cli)).toMatchObject({
      creds: "/env.creds",
      user: "env-user",
      password: "env-pass",
      token: "env-token",
    })
  })

  test("settings - credentials, user, password and token default to none", () => {
    const s = connectionSettings({}, {}, "nats://x:1", { name: "dagnats serve", reconnect: true })
    expect(s).toEqual({
      servers: ["nats://x:1"],
      creds: undefined,
      user: undefined,
      password: undefined,
      token: undefined,
      inboxPrefix: "_INBOX",
      name: "dagnats serve",
      reconnect: true,
    })
  })

  test("settings - each connection setting is resolved on its own (flag for one, env for another)", () => {
    const s = connectionSettings(
      { user: "flag-user" },
      { NATS_PASSWORD: "env-pass", NATS_USER: "env-user" },
      "nats://x:1",
      cli,
    )
    expect(s.user).toBe("flag-user")
    expect(s.password).toBe("env-pass")
  })
})

describe("serve", () => {
  const HOME_DATA = join(homedir(), ".local", "share", "dagnats")

  test("settings - serve defaults: embedded NATS on 4222, HTTP 127.0.0.1:8080, 1 MiB bodies, 1 replica, no shutdown delay", () => {
    expect(settings({}, {})).toEqual({
      natsUrl: undefined,
      httpHost: "127.0.0.1",
      httpPort: 8080,
      dataDir: HOME_DATA,
      natsPort: 4222,
      natsServerBin: "nats-server",
      maxBodyBytes: 1_048_576,
      replicas: 1,
      webhookSecret: undefined,
      debug: false,
      logFormat: "text",
      runRetention: { ms: 30 * 86_400_000, explicit: false },
      historyRetention: { ms: 30 * 86_400_000, explicit: false },
      deliveries: { maxAge: { ms: 7 * 86_400_000, explicit: false }, maxBytes: 1_073_741_824, record: true },
      tracing: { _tag: "Off", warnings: [] },
      shutdownDelayMs: 0,
      respondMaxWaiting: 1_000,
      role: "all",
      evaluatorOff: false,
      webhooksOff: false,
      evaluatorTiming: { ackWaitMs: 4_000, retryDelayMs: 500 },
      evaluatorTimingWarning: undefined,
      httpTimeouts: { headersMs: 10_000, requestMs: 30_000, keepAliveMs: 65_000, checkIntervalMs: 1_000 },
      httpTimeoutWarnings: [],
      console: { host: "127.0.0.1", port: 8081, token: undefined },
    })
  })

  test("settings - serve: every flag wins over its environment variable", () => {
    const env = {
      NATS_URL: "nats://env:1",
      DAGNATS_HTTP_ADDR: "10.0.0.1:9000",
      DAGNATS_DATA_DIR: "/env/data",
      DAGNATS_NATS_PORT: "5000",
      DAGNATS_MAX_BODY_BYTES: "2048",
      DAGNATS_REPLICAS: "3",
    }
    const flags = {
      natsUrl: "nats://flag:2",
      httpAddr: "0.0.0.0:9100",
      dataDir: "/flag/data",
      natsPort: 5100,
      maxBody: 4096,
      replicas: 5,
      role: "ingest",
    }
    expect(settings(flags, { ...env, DAGNATS_ROLE: "evaluate" })).toMatchObject({
      role: "ingest",
      natsUrl: "nats://flag:2",
      httpHost: "0.0.0.0",
      httpPort: 9100,
      dataDir: "/flag/data",
      natsPort: 5100,
      maxBodyBytes: 4096,
      replicas: 5,
    })
  })

  test("settings - serve: every environment variable wins over its default", () => {
    const env = {
      NATS_URL: "nats://env:1",
      DAGNATS_HTTP_ADDR: "10.0.0.1:9000",
      DAGNATS_DATA_DIR: "/env/data",
      DAGNATS_NATS_PORT: "5000",
      DAGNATS_MAX_BODY_BYTES: "2048",
      DAGNATS_REPLICAS: "3",
      DAGNATS_WEBHOOK_SECRET: "env-secret",
      DAGNATS_NATS_SERVER_BIN: "/opt/nats/nats-server",
      DAGNATS_LOG_LEVEL: "debug",
      DAGNATS_SHUTDOWN_DELAY: "2s",
      DAGNATS_DELIVERIES_MAX_AGE: "2d",
      DAGNATS_DELIVERIES_MAX_BYTES: "10485760",
      DAGNATS_DELIVERIES: "off",
      DAGNATS_CONSOLE_ADDR: "10.0.0.1:9001",
      DAGNATS_CONSOLE_TOKEN: "env-console-token-0123",
      DAGNATS_ROLE: "evaluate",
    }
    expect(settings({}, env)).toEqual({
      natsUrl: "nats://env:1",
      httpHost: "10.0.0.1",
      httpPort: 9000,
      dataDir: "/env/data",
      natsPort: 5000,
      natsServerBin: "/opt/nats/nats-server",
      maxBodyBytes: 2048,
      replicas: 3,
      webhookSecret: "env-secret",
      debug: true,
      logFormat: "text",
      runRetention: { ms: 30 * 86_400_000, explicit: false },
      historyRetention: { ms: 30 * 86_400_000, explicit: false },
      deliveries: { maxAge: { ms: 2 * 86_400_000, explicit: true }, maxBytes: 10_485_760, record: false },
      tracing: { _tag: "Off", warnings: [] },
      shutdownDelayMs: 2_000,
      respondMaxWaiting: 1_000,
      role: "evaluate",
      evaluatorOff: false,
      webhooksOff: true,
      evaluatorTiming: { ackWaitMs: 4_000, retryDelayMs: 500 },
      evaluatorTimingWarning: undefined,
      httpTimeouts: { headersMs: 10_000, requestMs: 30_000, keepAliveMs: 65_000, checkIntervalMs: 1_000 },
      httpTimeoutWarnings: [],
      console: { host: "10.0.0.1", port: 9001, token: "env-console-token-0123" },
    })
  })

  test("settings - shutdown delay: --shutdown-delay wins over DAGNATS_SHUTDOWN_DELAY; 0 and durations up to 60s; a bad value names its source", () => {
    expect(settings({ shutdownDelay: "500ms" }, { DAGNATS_SHUTDOWN_DELAY: "9s" }).shutdownDelayMs).toBe(500)
    expect(settings({}, { DAGNATS_SHUTDOWN_DELAY: "0" }).shutdownDelayMs).toBe(0)
    expect(settings({}, { DAGNATS_SHUTDOWN_DELAY: "1m" }).shutdownDelayMs).toBe(60_000)
    expect(serveSettings({ shutdownDelay: "2m" }, {})).toBe(
      '--shutdown-delay: must be a duration from 0 to 60s, such as 5s or 500ms (got "2m")',
    )
    expect(serveSettings({}, { DAGNATS_SHUTDOWN_DELAY: "soon" })).toBe(
      'DAGNATS_SHUTDOWN_DELAY: must be a duration from 0 to 60s, such as 5s or 500ms (got "soon")',
    )
  })

  test("settings - shutdown delay default: 5s with a NATS URL (a load balancer may be in front), 0 on the embedded server; a given delay applies to both", () => {
    expect(settings({}, {}).shutdownDelayMs).toBe(0)
    expect(settings({ natsUrl: "nats://n:4222" }, {}).shutdownDelayMs).toBe(5_000)
    expect(settings({}, { NATS_URL: "nats://n:4222" }).shutdownDelayMs).toBe(5_000)
    expect(settings({ shutdownDelay: "2s" }, {}).shutdownDelayMs).toBe(2_000)
    expect(settings({}, { NATS_URL: "nats://n:4222", DAGNATS_SHUTDOWN_DELAY: "0" }).shutdownDelayMs).toBe(0)
  })

  test("settings - DAGNATS_DELIVERIES_MAX_AGE and DAGNATS_DELIVERIES_MAX_BYTES: a bad value names its variable", () => {
    expect(serveSettings({}, { DAGNATS_DELIVERIES_MAX_AGE: "soon" })).toBe(
      'DAGNATS_DELIVERIES_MAX_AGE: must be a duration of at least 1h such as 30d, or 0 to keep forever (got "soon")',
    )
    expect(serveSettings({}, { DAGNATS_DELIVERIES_MAX_BYTES: "1000" })).toBe(
      `DAGNATS_DELIVERIES_MAX_BYTES: must be a whole number from 1048576 to ${Number.MAX_SAFE_INTEGER} (got "1000")`,
    )
  })

  test("settings - DAGNATS_DELIVERIES=off stops recording deliveries, on (the default) records them, anything else names the variable", () => {
    expect(settings({}, {}).deliveries.record).toBe(true)
    expect(settings({}, { DAGNATS_DELIVERIES: "on" }).deliveries.record).toBe(true)
    expect(settings({}, { DAGNATS_DELIVERIES: "off" }).deliveries.record).toBe(false)
    expect(serveSettings({}, { DAGNATS_DELIVERIES: "no" })).toBe('DAGNATS_DELIVERIES: must be on or off (got "no")')
  })

  test("settings - DAGNATS_EVALUATOR=off (any case) turns the evaluator off as --role ingest does; anything else leaves it on", () => {
    const off = settings({}, { DAGNATS_EVALUATOR: "OFF" })
    expect([off.role, off.evaluatorOff, off.webhooksOff]).toStrictEqual(["ingest", true, false])
    const on = settings({}, { DAGNATS_EVALUATOR: "on" })
    expect([on.role, on.evaluatorOff, on.webhooksOff]).toStrictEqual(["all", false, false])
  })

  test("settings - role: --role wins over DAGNATS_ROLE, default all; ingest turns evaluation off, evaluate turns webhooks off", () => {
    const parts = (s: ServeSettings) => [s.role, s.evaluatorOff, s.webhooksOff]
    expect(parts(settings({}, {}))).toStrictEqual(["all", false, false])
    expect(parts(settings({ role: "ingest" }, { DAGNATS_ROLE: "evaluate" }))).toStrictEqual(["ingest", true, false])
    expect(parts(settings({}, { DAGNATS_ROLE: "evaluate" }))).toStrictEqual(["evaluate", false, true])
    expect(parts(settings({ role: "all" }, {}))).toStrictEqual(["all", false, false])
  })

  test("settings - a bad role names its source; --role evaluate with DAGNATS_EVALUATOR=off is refused naming both", () => {
    expect(serveSettings({ role: "worker" }, {})).toBe('--role: must be all, ingest or evaluate (got "worker")')
    expect(serveSettings({}, { DAGNATS_ROLE: "Ingest" })).toBe(
      'DAGNATS_ROLE: must be all, ingest or evaluate (got "Ingest")',
    )
    expect(serveSettings({ role: "evaluate" }, { DAGNATS_EVALUATOR: "off" })).toBe(
      "--role evaluate: contradicts DAGNATS_EVALUATOR=off (a serve that neither ingests nor evaluates); unset one",
    )
  })

  test("settings - a bad evaluator timing or HTTP timeout variable keeps the default and carries the warning", () => {
    const s = settings({}, { DAGNATS_ACK_WAIT: "500ms", DAGNATS_HTTP_REQUEST_TIMEOUT_MS: "soon" })
    expect(s.evaluatorTiming).toStrictEqual({ ackWaitMs: 4_000, retryDelayMs: 500 })
    expect(s.evaluatorTimingWarning).toBe(
      'DAGNATS_ACK_WAIT: must be a duration from 1000ms to 300s, such as "4s" (got "500ms"); using the defaults',
    )
    expect(s.httpTimeouts.requestMs).toBe(30_000)
    expect(s.httpTimeoutWarnings).toStrictEqual([
      'DAGNATS_HTTP_REQUEST_TIMEOUT_MS: must be whole milliseconds from 100 to 3600000 (got "soon"); using 30000',
    ])
  })

  test("settings - the data dir defaults to $XDG_DATA_HOME/dagnats, else ~/.local/share/dagnats", () => {
    expect(defaultDataDir({ XDG_DATA_HOME: "/xdg" })).toBe("/xdg/dagnats")
    expect(defaultDataDir({})).toBe(HOME_DATA)
    expect(defaultDataDir({ XDG_DATA_HOME: "" })).toBe(HOME_DATA)
    expect(settings({}, { XDG_DATA_HOME: "/xdg" }).dataDir).toBe("/xdg/dagnats")
    expect(settings({}, { XDG_DATA_HOME: "/xdg", DAGNATS_DATA_DIR: "/env/data" }).dataDir).toBe("/env/data")
  })

  test("settings - an empty environment variable falls back to the default", () => {
    expect(settings({}, { DAGNATS_NATS_PORT: "", DAGNATS_HTTP_ADDR: "", DAGNATS_WEBHOOK_SECRET: "" })).toMatchObject({
      natsPort: 4222,
      httpPort: 8080,
      webhookSecret: undefined,
    })
  })

  test("settings - a bad flag value is reported under the flag's name", () => {
    expect(serveSettings({ natsPort: 0 }, {})).toBe("--nats-port: must be a whole number from 1 to 65535 (got 0)")
    expect(serveSettings({ natsPort: 65536 }, {})).toBe(
      "--nats-port: must be a whole number from 1 to 65535 (got 65536)",
    )
    expect(serveSettings({ maxBody: 0 }, {})).toBe("--max-body: must be a whole number from 1 to 67108864 (got 0)")
    expect(serveSettings({ replicas: 6 }, {})).toBe("--replicas: must be a whole number from 1 to 5 (got 6)")
    expect(serveSettings({ httpAddr: "8080" }, {})).toBe(
      '--http-addr: must be host:port, such as 127.0.0.1:8080 (got "8080")',
    )
  })

  test("settings - a bad environment value is reported under the variable's name", () => {
    expect(serveSettings({}, { DAGNATS_NATS_PORT: "abc" })).toBe(
      'DAGNATS_NATS_PORT: must be a whole number from 1 to 65535 (got "abc")',
    )
    expect(serveSettings({}, { DAGNATS_NATS_PORT: "0x10" })).toBe(
      'DAGNATS_NATS_PORT: must be a whole number from 1 to 65535 (got "0x10")',
    )
    expect(serveSettings({}, { DAGNATS_MAX_BODY_BYTES: "1.5" })).toBe(
      'DAGNATS_MAX_BODY_BYTES: must be a whole number from 1 to 67108864 (got "1.5")',
    )
    expect(serveSettings({}, { DAGNATS_REPLICAS: "0" })).toBe(
      'DAGNATS_REPLICAS: must be a whole number from 1 to 5 (got "0")',
    )
    expect(serveSettings({}, { DAGNATS_HTTP_ADDR: "localhost" })).toBe(
      'DAGNATS_HTTP_ADDR: must be host:port, such as 127.0.0.1:8080 (got "localhost")',
    )
  })

  test("settings - a good flag hides a bad environment value", () => {
    expect(settings({ natsPort: 4333 }, { DAGNATS_NATS_PORT: "abc" }).natsPort).toBe(4333)
    expect(settings({ httpAddr: "127.0.0.1:1" }, { DAGNATS_HTTP_ADDR: "nope" }).httpPort).toBe(1)
  })
})

describe("host:port", () => {
  test("settings - host:port forms: IPv4, name, bracketed IPv6, empty host", () => {
    expect(parseHostPort("127.0.0.1:8080")).toEqual({ host: "127.0.0.1", port: 8080 })
    expect(parseHostPort("localhost:1")).toEqual({ host: "localhost", port: 1 })
    expect(parseHostPort("[::1]:8080")).toEqual({ host: "::1", port: 8080 })
    expect(parseHostPort(":8080")).toEqual({ host: "0.0.0.0", port: 8080 })
  })

  test("settings - an address without a port or with a port above 65535 is refused", () => {
    for (const addr of ["localhost", "127.0.0.1:", "127.0.0.1:65536", "::1:8080", "host:port", "host:123456"]) {
      expect(parseHostPort(addr)).toBeUndefined()
    }
  })
})
