// Proves the start-up fast path takes only command lines it fully understands and leaves every
// other one (help, unknown flags, missing values) to the full parser.
import { describe, expect, test } from "vitest"
import { matchCommand, matchSharedOnly } from "../../../../src/cli/lean/argv.js"

const list = ["trigger", "list"]

describe("fast path argv", () => {
  test("fast path - trigger list with --json and connection flags in either form, anywhere", () => {
    expect(matchSharedOnly(["trigger", "list"], list)).toStrictEqual({ json: false, connection: {} })
    const argv = ["--json", "trigger", "list", "--nats-url", "nats://a:1", "--user=u", "--password", "p"]
    expect(matchSharedOnly(argv, list)).toStrictEqual({
      json: true,
      connection: { natsUrl: "nats://a:1", user: "u", password: "p" },
    })
    expect(matchSharedOnly(["trigger", "--creds", "/c", "list", "--token=t"], list)).toStrictEqual({
      json: false,
      connection: { creds: "/c", token: "t" },
    })
    expect(matchSharedOnly(["trigger", "list", "--inbox-prefix", "_INBOX_cli"], list)).toStrictEqual({
      json: false,
      connection: { inboxPrefix: "_INBOX_cli" },
    })
  })

  test("fast path - anything else goes to the full parser", () => {
    for (const argv of [
      [],
      ["trigger"],
      ["trigger", "list", "extra"],
      ["trigger", "get"],
      ["trigger", "list", "--help"],
      ["trigger", "list", "-h"],
      ["trigger", "list", "--log-level", "debug"],
      ["trigger", "list", "--json", "--json"],
      ["trigger", "list", "--json=false"],
      ["trigger", "list", "--nats-url"],
      ["trigger", "list", "--nats-url", "--json"],
      ["trigger", "list", "--user", "a", "--user", "b"],
      ["trigger", "list", "--inbox", "_I"],
      ["list", "trigger"],
    ]) {
      expect({ argv, match: matchSharedOnly(argv, list) }).toStrictEqual({ argv, match: undefined })
    }
  })
})

const publish = {
  command: ["event", "publish"],
  positionals: { min: 1, max: 2 },
  valueFlags: { "--file": "file", "--id": "id" },
}

describe("fast path argv: event publish", () => {
  test("fast path - event publish SUBJECT [JSON] with --file (- included), --id and shared flags", () => {
    expect(matchCommand(["event", "publish", "event.x", '{"a":1}', "--id", "d1", "--json"], publish)).toStrictEqual({
      json: true,
      connection: {},
      positionals: ["event.x", '{"a":1}'],
      values: { id: "d1" },
    })
    expect(
      matchCommand(["event", "publish", "event.x", "--file", "-", "--nats-url=nats://h:1"], publish),
    ).toStrictEqual({
      json: false,
      connection: { natsUrl: "nats://h:1" },
      positionals: ["event.x"],
      values: { file: "-" },
    })
  })

  test("fast path - publish lines the fast path does not own go to the full parser", () => {
    for (const argv of [
      ["event", "publish"],
      ["event", "publish", "event.x", "{}", "extra"],
      ["event", "publish", "event.x", "-1"],
      ["event", "publish", "event.x", "--id"],
      ["event", "publish", "event.x", "--file", "a", "--file", "b"],
      ["event", "publish", "event.x", "--data", "{}"],
      ["event", "replay", "event.x"],
    ]) {
      expect({ argv, match: matchCommand(argv, publish) }).toStrictEqual({ argv, match: undefined })
    }
  })
})
