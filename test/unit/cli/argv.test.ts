// Proves the start-up fast path takes only command lines it fully understands and leaves every
// other one (help, unknown flags, missing values) to the full parser.
import { describe, expect, test } from "vitest"
import { matchSharedOnly } from "../../../src/cli/lean/argv.js"

const list = ["trigger", "list"]

describe("fast path argv", () => {
  test("fast path - trigger list with --json and connection flags in either form, anywhere", () => {
    expect(matchSharedOnly(["trigger", "list"], list)).toStrictEqual({ json: false, connection: {} })
    expect(matchSharedOnly(["--json", "trigger", "list", "--nats-url", "nats://a:1", "--user=u", "--password", "p"], list)).toStrictEqual({
      json: true,
      connection: { natsUrl: "nats://a:1", user: "u", password: "p" },
    })
    expect(matchSharedOnly(["trigger", "--creds", "/c", "list", "--token=t"], list)).toStrictEqual({ json: false, connection: { creds: "/c", token: "t" } })
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
      ["trigger", "list", "--inbox-prefix", "_I"],
      ["list", "trigger"],
    ]) {
      expect({ argv, match: matchSharedOnly(argv, list) }).toStrictEqual({ argv, match: undefined })
    }
  })
})
