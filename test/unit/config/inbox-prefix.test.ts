// Proves the inbox prefix setting: `_INBOX_<user>` by default so the shipped nats.conf users need no flag,
// --inbox-prefix over NATS_INBOX_PREFIX over the default, and a prefix no client could subscribe to is refused.
import { describe, expect, test } from "vitest"
import { connectionSettings, inboxPrefixError, inboxPrefixForUser } from "../../../src/config/settings.js"
import { serveSettings } from "../../../src/config/serve-settings.js"

const cli = { name: "dagnats cli", reconnect: false }
const prefix = (flags: Parameters<typeof connectionSettings>[0], env: Record<string, string>) =>
  connectionSettings(flags, env, "nats://x:1", cli).inboxPrefix

describe("inbox prefix", () => {
  test("inbox prefix - the shipped users get _INBOX_dagnats, _INBOX_cli and _INBOX_publisher from --user", () => {
    expect(prefix({ user: "dagnats" }, {})).toBe("_INBOX_dagnats")
    expect(prefix({ user: "cli" }, {})).toBe("_INBOX_cli")
    expect(prefix({}, { NATS_USER: "publisher" })).toBe("_INBOX_publisher")
  })

  test("inbox prefix - without a user name (creds, token, anonymous) it is nats.js' _INBOX", () => {
    expect(prefix({}, {})).toBe("_INBOX")
    expect(prefix({ token: "t" }, {})).toBe("_INBOX")
    expect(prefix({ creds: "/x.creds" }, {})).toBe("_INBOX")
  })

  test("inbox prefix - characters a subject token cannot hold in the user name become _", () => {
    expect(inboxPrefixForUser("ops.alice smith")).toBe("_INBOX_ops_alice_smith")
    expect(inboxPrefixForUser("a*>b")).toBe("_INBOX_a__b")
  })

  test("inbox prefix - --inbox-prefix wins over NATS_INBOX_PREFIX, which wins over the user's default", () => {
    expect(prefix({ user: "cli", inboxPrefix: "_I.flag" }, { NATS_INBOX_PREFIX: "_I.env" })).toBe("_I.flag")
    expect(prefix({ user: "cli" }, { NATS_INBOX_PREFIX: "_I.env" })).toBe("_I.env")
    expect(prefix({ user: "cli", inboxPrefix: "" }, { NATS_INBOX_PREFIX: "" })).toBe("_INBOX_cli")
  })

  test("inbox prefix - a wildcard, a space or an empty token is refused naming where it came from", () => {
    expect(inboxPrefixError({ inboxPrefix: "_INBOX.>" }, {})).toBe(
      '--inbox-prefix: must be a NATS subject without wildcards or spaces, such as _INBOX_cli (got "_INBOX.>")',
    )
    expect(inboxPrefixError({}, { NATS_INBOX_PREFIX: "a b" })).toMatch(/^NATS_INBOX_PREFIX: .*\(got "a b"\)$/)
    expect(inboxPrefixError({}, { NATS_INBOX_PREFIX: "a..b" })).toMatch(/^NATS_INBOX_PREFIX: /)
    expect(inboxPrefixError({ inboxPrefix: "_INBOX_ops.team" }, {})).toBeUndefined()
    expect(inboxPrefixError({ user: "cli" }, {})).toBeUndefined()
  })

  test("inbox prefix - serve refuses a bad prefix before connecting", () => {
    expect(serveSettings({ inboxPrefix: "*" }, {})).toBe(
      '--inbox-prefix: must be a NATS subject without wildcards or spaces, such as _INBOX_cli (got "*")',
    )
  })
})
