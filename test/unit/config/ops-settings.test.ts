// Proves the operations settings of serve: log format and retention resolve flag > env > default,
// and a bad value is refused with a message naming the flag or variable the operator used; and what
// to check when NATS refuses the credentials, for each way of giving them.
import { describe, expect, test } from "vitest"
import { serveSettings, type ServeSettings } from "../../../src/config/serve-settings.js"
import { formatRetention, parseRetentionMs } from "../../../src/domain/retention.js"
import { connectionSettings, credentialsHint } from "../../../src/config/settings.js"

const ok = (...args: Parameters<typeof serveSettings>): ServeSettings => {
  const s = serveSettings(...args)
  if (typeof s === "string") throw new Error(s)
  return s
}
const DAY = 86_400_000

describe("ops settings", () => {
  test("ops settings - log format defaults to text; DAGNATS_LOG_FORMAT=json and --log-format json select json", () => {
    expect(ok({}, {}).logFormat).toBe("text")
    expect(ok({}, { DAGNATS_LOG_FORMAT: "json" }).logFormat).toBe("json")
    expect(ok({ logFormat: "text" }, { DAGNATS_LOG_FORMAT: "json" }).logFormat).toBe("text")
  })

  test("ops settings - an unknown log format names the flag or the variable", () => {
    expect(serveSettings({ logFormat: "xml" }, {})).toBe('--log-format: must be text or json (got "xml")')
    expect(serveSettings({}, { DAGNATS_LOG_FORMAT: "JSON1" })).toBe(
      'DAGNATS_LOG_FORMAT: must be text or json (got "JSON1")',
    )
  })

  test("ops settings - run and history retention default to 30 days, not marked as set by the operator", () => {
    const s = ok({}, {})
    expect(s.runRetention).toEqual({ ms: 30 * DAY, explicit: false })
    expect(s.historyRetention).toEqual({ ms: 30 * DAY, explicit: false })
  })

  test("ops settings - retention from flag over env; 0 and forever keep records without an age limit", () => {
    expect(ok({ runRetention: "7d" }, { DAGNATS_RUN_RETENTION: "90d" }).runRetention).toEqual({
      ms: 7 * DAY,
      explicit: true,
    })
    expect(ok({}, { DAGNATS_RUN_RETENTION: "90d" }).runRetention).toEqual({ ms: 90 * DAY, explicit: true })
    expect(ok({}, { DAGNATS_HISTORY_RETENTION: "12h" }).historyRetention).toEqual({
      ms: 12 * 3_600_000,
      explicit: true,
    })
    expect(ok({}, { DAGNATS_RUN_RETENTION: "0" }).runRetention).toEqual({ ms: 0, explicit: true })
    expect(ok({ historyRetention: "forever" }, {}).historyRetention).toEqual({ ms: 0, explicit: true })
  })

  test("ops settings - a retention that is not a duration, or under an hour, is refused naming its source", () => {
    expect(serveSettings({ runRetention: "30" }, {})).toBe(
      '--run-retention: must be a duration of at least 1h such as 30d, or 0 to keep forever (got "30")',
    )
    expect(serveSettings({}, { DAGNATS_HISTORY_RETENTION: "59m" })).toBe(
      'DAGNATS_HISTORY_RETENTION: must be a duration of at least 1h such as 30d, or 0 to keep forever (got "59m")',
    )
  })
})

describe("retention", () => {
  test("retention - parseRetentionMs takes durations of an hour or more, 0 and forever; formatRetention reads them back", () => {
    expect(parseRetentionMs("30d")).toBe(30 * DAY)
    expect(parseRetentionMs("1h")).toBe(3_600_000)
    expect(parseRetentionMs("59m")).toBeUndefined()
    expect(parseRetentionMs("0")).toBe(0)
    expect(parseRetentionMs("forever")).toBe(0)
    expect(parseRetentionMs("30")).toBeUndefined()
    expect([formatRetention(30 * DAY), formatRetention(36 * 3_600_000), formatRetention(0)]).toEqual([
      "30d",
      "36h",
      "forever",
    ])
  })

  test("ops settings - a refused connection's hint names what gave the credentials: creds file, token, user, or none given", () => {
    const hint = (flags: Record<string, string>, env: Record<string, string> = {}) =>
      credentialsHint(connectionSettings(flags, env, "nats://x:1", { name: "t", reconnect: false }))
    expect(hint({ creds: "/etc/u.creds" })).toBe(
      "NATS refused the credentials file /etc/u.creds: check --creds / NATS_CREDS",
    )
    expect(hint({}, { NATS_TOKEN: "t" })).toBe("NATS refused the token: check --token / NATS_TOKEN")
    expect(hint({}, { NATS_USER: "ops", NATS_PASSWORD: "p" })).toBe(
      'NATS refused user "ops": check its password (--password / NATS_PASSWORD) and --user / NATS_USER',
    )
    expect(hint({})).toBe(
      "this NATS server requires credentials: give --user and --password (NATS_USER, NATS_PASSWORD), " +
        "--creds (NATS_CREDS) or --token (NATS_TOKEN)",
    )
  })
})
