// Proves every rule of the trigger model (SPEC §4): what is accepted, what is rejected with which exact "field: rule" message, the defaults, and the secret-free read view.
import { describe, expect, test } from "vitest"
import { Effect } from "effect"
import { parseDefinition } from "../../../src/triggers/store.js"
import { toView, type StoredTrigger } from "../../../src/domain/trigger.js"

const webhook = { name: "gh", workflow: "build", type: "webhook" } as const
const event = { name: "deploys", workflow: "deploy", type: "event", subject: "event.deploy.*" } as const

/** The definition as stored (defaults applied), or a failure with the message a user would see. */
const parse = (input: unknown) => Effect.runSync(Effect.result(parseDefinition(input)))

const accepted = (input: unknown): Record<string, unknown> => {
  const r = parse(input)
  if (r._tag === "Failure") throw new Error(`rejected: ${r.failure.message}`)
  return r.success as Record<string, unknown>
}

const rejection = (input: unknown): string => {
  const r = parse(input)
  if (r._tag === "Success") throw new Error(`accepted: ${JSON.stringify(r.success)}`)
  expect(r.failure._tag).toBe("InvalidInput")
  return r.failure.message
}

const NAME_RULE = "must be 1-64 characters of A-Z, a-z, 0-9, _ or -"
const DOT_PATH_RULE = "must be a dot path such as pull_request.head.ref"

describe("names", () => {
  test("trigger model - names of 1 to 64 letters, digits, _ and - are accepted", () => {
    for (const name of ["a", "A-z_09", "x".repeat(64), "-", "_lead", "123"]) {
      expect(accepted({ ...webhook, name })["name"]).toBe(name)
    }
  })

  test("trigger model - an empty, too long or punctuated name is rejected naming the field", () => {
    for (const name of ["", "x".repeat(65), "a.b", "a b", "a*", "a>", "é", "a/b"]) {
      expect(rejection({ ...webhook, name })).toBe(`name: ${NAME_RULE}`)
    }
  })

  test("trigger model - a name that is not a string is rejected", () => {
    expect(rejection({ ...webhook, name: 5 })).toBe("name: Expected string")
  })

  test("trigger model - the name is required", () => {
    const { name: _n, ...noName } = webhook
    expect(rejection(noName)).toBe("name: required")
  })

  test("trigger model - the workflow follows the same character rules and is required", () => {
    expect(accepted({ ...webhook, workflow: "w".repeat(64) })["workflow"]).toBe("w".repeat(64))
    expect(rejection({ ...webhook, workflow: "my workflow" })).toBe(`workflow: ${NAME_RULE}`)
    expect(rejection({ ...webhook, workflow: "w".repeat(65) })).toBe(`workflow: ${NAME_RULE}`)
    expect(rejection({ ...webhook, workflow: "" })).toBe(`workflow: ${NAME_RULE}`)
    const { workflow: _w, ...noWorkflow } = webhook
    expect(rejection(noWorkflow)).toBe("workflow: required")
  })
})

describe("type", () => {
  test("trigger model - type must be webhook, event or schedule", () => {
    expect(rejection({ ...webhook, type: "cron" })).toBe('type: Expected "webhook" | "event" | "schedule"')
    const { type: _t, ...noType } = webhook
    expect(rejection(noType)).toBe("type: required")
  })

  test("trigger model - a definition that is not an object is rejected", () => {
    expect(rejection("webhook")).toBe("Expected object")
    expect(rejection(null)).toBe("Expected object")
    expect(rejection([])).toBe("Expected object")
  })
})

describe("webhook fields", () => {
  test("trigger model - 0, 1 or 2 secrets are accepted", () => {
    expect(accepted({ ...webhook, secrets: [] })["secrets"]).toEqual([])
    expect(accepted({ ...webhook, secrets: ["s1"] })["secrets"]).toEqual(["s1"])
    expect(accepted({ ...webhook, secrets: ["s1", "s2"] })["secrets"]).toEqual(["s1", "s2"])
    expect(accepted({ ...webhook, secrets: ["x".repeat(1024)] })["secrets"]).toEqual(["x".repeat(1024)])
  })

  test("trigger model - a third secret is rejected", () => {
    expect(rejection({ ...webhook, secrets: ["a", "b", "c"] })).toBe(
      "secrets: at most 2 secrets (current and next, for rotation)",
    )
  })

  test("trigger model - an empty or over-long secret is rejected by position", () => {
    expect(rejection({ ...webhook, secrets: [""] })).toBe("secrets[0]: each secret must be 1-1024 characters")
    expect(rejection({ ...webhook, secrets: ["ok", "x".repeat(1025)] })).toBe(
      "secrets[1]: each secret must be 1-1024 characters",
    )
  })

  test("trigger model - every documented scheme is accepted", () => {
    for (const scheme of ["hmac-sha256", "github", "stripe", "slack", "standard", "shopify", "gitlab"]) {
      expect(accepted({ ...webhook, scheme })["scheme"]).toBe(scheme)
    }
  })

  test("trigger model - an unknown scheme is rejected listing the schemes", () => {
    expect(rejection({ ...webhook, scheme: "md5" })).toBe(
      'scheme: Expected "hmac-sha256" | "github" | "stripe" | "slack" | "standard" | "shopify" | "gitlab"',
    )
  })

  test("trigger model - verify is a boolean and false only when given", () => {
    expect(accepted({ ...webhook, verify: false })["verify"]).toBe(false)
    expect(accepted(webhook)["verify"]).toBe(true)
    expect(rejection({ ...webhook, verify: "no" })).toBe("verify: Expected boolean")
  })

  test("trigger model - tolerance is a positive duration of at most 1h", () => {
    expect(accepted({ ...webhook, tolerance: "300s" })["tolerance"]).toBe("300s")
    expect(accepted({ ...webhook, tolerance: "1h" })["tolerance"]).toBe("1h")
    expect(rejection({ ...webhook, tolerance: "61m" })).toBe("tolerance: must be at most 1h")
    expect(rejection({ ...webhook, tolerance: "0s" })).toBe("tolerance: must be greater than 0")
    expect(rejection({ ...webhook, tolerance: "5 minutes" })).toBe(
      'tolerance: must be a duration such as 500ms, 5s, 1m or 2h (got "5 minutes")',
    )
  })

  test("trigger model - a webhook trigger with a subject is rejected", () => {
    expect(rejection({ ...webhook, subject: "event.x" })).toBe(
      "subject: not allowed for webhook triggers, which listen on event.webhook.{name}; use an event trigger for a subject",
    )
  })
})

describe("event triggers", () => {
  test("trigger model - an event trigger without a subject is rejected", () => {
    const { subject: _s, ...noSubject } = event
    expect(rejection(noSubject)).toBe("subject: required for event triggers")
  })

  test("trigger model - subject patterns inside event.> are accepted", () => {
    for (const subject of [
      "event.x",
      "event.deploy.*",
      "event.>",
      "event.*.prod",
      "event.git.>",
      "event.webhook.github",
    ]) {
      expect(accepted({ ...event, subject })["subject"]).toBe(subject)
    }
  })

  test("trigger model - a subject outside event.> is rejected", () => {
    for (const subject of ["foo.x", "event", "history.>", ">", "*.x", "events.x"]) {
      expect(rejection({ ...event, subject })).toBe(
        "subject: must be inside event.> (for example event.deploy.* or event.webhook.github)",
      )
    }
  })

  test("trigger model - a subject that is not a valid pattern is rejected", () => {
    for (const subject of [
      "",
      "event..x",
      "event.>.x",
      "event.a*",
      "event.a b",
      "event.",
      "event.a\u0000b",
      "event.a\u007f",
      `event.${"x".repeat(251)}`,
    ]) {
      expect(rejection({ ...event, subject })).toBe(
        "subject: must be a NATS subject pattern of at most 256 characters (tokens separated by '.', '*' for one token, '>' last)",
      )
    }
  })

  test("trigger model - a subject of exactly 256 characters is accepted; a duration over 32 characters is rejected", () => {
    const subject = `event.${"x".repeat(250)}`
    expect(subject.length).toBe(256)
    expect(accepted({ ...event, subject })["subject"]).toBe(subject)
    expect(rejection({ ...event, debounce: { period: `${"0".repeat(40)}1s` } })).toBe(
      "debounce.period: must be a duration of at most 32 characters, such as 500ms, 5s or 1m",
    )
  })

  test("trigger model - each webhook-only field on an event trigger is rejected by name", () => {
    expect(rejection({ ...event, secrets: ["s"] })).toBe("secrets: only allowed for webhook triggers")
    expect(rejection({ ...event, scheme: "github" })).toBe("scheme: only allowed for webhook triggers")
    expect(rejection({ ...event, verify: true })).toBe("verify: only allowed for webhook triggers")
    expect(rejection({ ...event, tolerance: "5m" })).toBe("tolerance: only allowed for webhook triggers")
    expect(rejection({ ...event, secrets: ["s"], verify: false })).toBe(
      "secrets: only allowed for webhook triggers; verify: only allowed for webhook triggers",
    )
  })
})

describe("filters", () => {
  test("trigger model - field and header filters are accepted as given", () => {
    const filters = [
      { field: "pull_request.head.ref", value: "main" },
      { field: "items.0.id", value: "42" },
      { header: "X-GitHub-Event", value: "push" },
    ]
    expect(accepted({ ...webhook, filters })["filters"]).toEqual(filters)
  })

  test("trigger model - a field filter with a bad dot path names the field of that filter", () => {
    for (const field of ["", "a..b", ".a", "a."]) {
      expect(rejection({ ...event, filters: [{ field, value: "x" }] })).toBe(`filters[0].field: ${DOT_PATH_RULE}`)
    }
  })

  test("trigger model - a header filter with a bad header name names the header of that filter", () => {
    expect(
      rejection({
        ...webhook,
        filters: [
          { field: "a", value: "1" },
          { header: "X Bad", value: "x" },
        ],
      }),
    ).toBe("filters[1].header: must be an HTTP header name")
  })

  test("trigger model - a filter that is neither form is rejected with both forms", () => {
    const forms = "filters[0]: must be {field, value} or {header, value}"
    expect(rejection({ ...event, filters: [{ path: "a", value: "x" }] })).toBe(forms)
    expect(rejection({ ...event, filters: [{ field: "a", header: "b", value: "x" }] })).toBe(forms)
    expect(rejection({ ...event, filters: ["a=b"] })).toBe(forms)
  })

  test("trigger model - a filter without a value is rejected", () => {
    expect(rejection({ ...event, filters: [{ field: "a" }] })).toBe("filters[0].value: required")
  })

  test("trigger model - 32 filters are accepted and 33 rejected", () => {
    const filters = (n: number) => Array.from({ length: n }, (_, i) => ({ field: `f${i}`, value: String(i) }))
    expect(accepted({ ...event, filters: filters(32) })["filters"]).toHaveLength(32)
    expect(rejection({ ...event, filters: filters(33) })).toBe("filters: at most 32 filters")
  })
})

describe("debounce", () => {
  test("trigger model - debounce with period, timeout and key is accepted as given", () => {
    const debounce = { period: "500ms", timeout: "1m", key: "repository.id" }
    expect(accepted({ ...event, debounce })["debounce"]).toEqual(debounce)
    expect(accepted({ ...event, debounce: { period: "7d" } })["debounce"]).toEqual({ period: "7d" })
    expect(accepted({ ...event, debounce: { period: "5s", timeout: "5s" } })["debounce"]).toEqual({
      period: "5s",
      timeout: "5s",
    })
    expect(accepted({ ...event, debounce: { period: "1h30m" } })["debounce"]).toEqual({ period: "1h30m" })
  })

  test("trigger model - a debounce timeout shorter than the period is rejected", () => {
    expect(rejection({ ...event, debounce: { period: "5s", timeout: "1s" } })).toBe(
      "debounce.timeout: must be at least the period (5s)",
    )
  })

  test("trigger model - debounce period and timeout above 7d are rejected", () => {
    expect(rejection({ ...event, debounce: { period: "8d" } })).toBe("debounce.period: must be at most 7d")
    expect(rejection({ ...event, debounce: { period: "1s", timeout: "169h" } })).toBe(
      "debounce.timeout: must be at most 7d",
    )
  })

  test("trigger model - a debounce period that is not a duration is rejected", () => {
    expect(rejection({ ...event, debounce: { period: "5x" } })).toBe(
      'debounce.period: must be a duration such as 500ms, 5s, 1m or 2h (got "5x")',
    )
    expect(rejection({ ...event, debounce: { period: "5" } })).toBe(
      'debounce.period: must be a duration such as 500ms, 5s, 1m or 2h (got "5")',
    )
    expect(rejection({ ...event, debounce: { period: "0ms" } })).toBe("debounce.period: must be greater than 0")
  })

  test("trigger model - debounce needs a period and a valid key path", () => {
    expect(rejection({ ...event, debounce: {} })).toBe("debounce.period: required")
    expect(rejection({ ...event, debounce: { period: "1s", key: "a..b" } })).toBe(`debounce.key: ${DOT_PATH_RULE}`)
  })
})

describe("batch", () => {
  test("trigger model - batch sizes 1 and 1000 and a 1h timeout are accepted", () => {
    expect(accepted({ ...event, batch: { max_size: 1, timeout: "1s" } })["batch"]).toEqual({
      max_size: 1,
      timeout: "1s",
    })
    expect(accepted({ ...event, batch: { max_size: 1000, timeout: "1h", key: "tenant" } })["batch"]).toEqual({
      max_size: 1000,
      timeout: "1h",
      key: "tenant",
    })
  })

  test("trigger model - batch sizes 0, 1001 and 1.5 are rejected", () => {
    for (const max_size of [0, 1001, 1.5, -1]) {
      expect(rejection({ ...event, batch: { max_size, timeout: "1s" } })).toBe(
        "batch.max_size: must be a whole number from 1 to 1000",
      )
    }
    expect(rejection({ ...event, batch: { max_size: "10", timeout: "1s" } })).toBe("batch.max_size: Expected number")
  })

  test("trigger model - a batch timeout over 1h, missing, or not a duration is rejected", () => {
    expect(rejection({ ...event, batch: { max_size: 10, timeout: "61m" } })).toBe("batch.timeout: must be at most 1h")
    expect(rejection({ ...event, batch: { max_size: 10 } })).toBe("batch.timeout: required")
    expect(rejection({ ...event, batch: { max_size: 10, timeout: "soon" } })).toBe(
      'batch.timeout: must be a duration such as 500ms, 5s, 1m or 2h (got "soon")',
    )
  })

  test("trigger model - a batch key must be a dot path", () => {
    expect(rejection({ ...event, batch: { max_size: 10, timeout: "1s", key: "" } })).toBe(`batch.key: ${DOT_PATH_RULE}`)
  })

  test("trigger model - debounce and batch together are rejected", () => {
    expect(rejection({ ...event, debounce: { period: "1s" }, batch: { max_size: 2, timeout: "1s" } })).toBe(
      "debounce: cannot be combined with batch; choose one",
    )
  })
})

describe("respond (synchronous webhooks)", () => {
  test("trigger model - respond defaults its timeout to 30s and keeps one given up to 5m", () => {
    expect(accepted({ ...webhook, respond: {} })["respond"]).toStrictEqual({ timeout: "30s" })
    expect(accepted({ ...webhook, respond: { timeout: "5m" } })["respond"]).toStrictEqual({ timeout: "5m" })
  })

  test("trigger model - respond over 5m, with debounce or batch, or on an event trigger is rejected naming the field", () => {
    expect(rejection({ ...webhook, respond: { timeout: "301s" } })).toBe("respond.timeout: must be at most 5m")
    expect(rejection({ ...webhook, respond: {}, debounce: { period: "1s" } })).toBe(
      "respond: cannot be combined with debounce: a synchronous webhook answers with its own run",
    )
    expect(rejection({ ...webhook, respond: {}, batch: { max_size: 2, timeout: "1s" } })).toBe(
      "respond: cannot be combined with batch: a synchronous webhook answers with its own run",
    )
    expect(rejection({ ...event, respond: {} })).toBe("respond: only allowed for webhook triggers")
  })
})

describe("unknown fields and defaults", () => {
  test("trigger model - unknown fields are rejected by name, at any depth", () => {
    expect(rejection({ ...event, color: "red" })).toBe("color: unknown field")
    expect(rejection({ ...event, debounce: { period: "1s", jitter: "1s" } })).toBe("debounce.jitter: unknown field")
    expect(rejection({ ...event, batch: { max_size: 1, timeout: "1s", extra: 1 } })).toBe("batch.extra: unknown field")
  })

  test("trigger model - fields maintained by the service cannot be given", () => {
    expect(rejection({ ...event, revision: 7 })).toBe("revision: unknown field")
    expect(rejection({ ...event, created_at: "2020-01-01T00:00:00Z" })).toBe("created_at: unknown field")
  })

  test("trigger model - enabled must be a boolean", () => {
    expect(rejection({ ...event, enabled: "yes" })).toBe("enabled: Expected boolean")
    expect(accepted({ ...event, enabled: false })["enabled"]).toBe(false)
  })

  test("trigger model - a webhook trigger gets enabled, hmac-sha256, verify and no secrets by default", () => {
    expect(accepted(webhook)).toEqual({ ...webhook, enabled: true, scheme: "hmac-sha256", verify: true, secrets: [] })
  })

  test("trigger model - an event trigger gets only enabled by default", () => {
    expect(accepted(event)).toEqual({ ...event, enabled: true })
  })

  test("trigger model - every problem is reported, each with its field", () => {
    expect(rejection({ name: "a b", workflow: "", type: "webhook" })).toBe(`name: ${NAME_RULE}; workflow: ${NAME_RULE}`)
  })
})

describe("read view", () => {
  const stored = (t: Record<string, unknown>): StoredTrigger =>
    ({
      ...t,
      created_at: "2024-01-01T00:00:00.000Z",
      updated_at: "2024-01-02T00:00:00.000Z",
      revision: 3,
    }) as StoredTrigger

  test("trigger model - the view of a webhook trigger hides secrets and shows how many are set", () => {
    const view = toView(stored({ ...accepted({ ...webhook, secrets: ["s3cr3t-one", "s3cr3t-two"] }) }))
    expect(view).toEqual({
      name: "gh",
      workflow: "build",
      type: "webhook",
      enabled: true,
      scheme: "hmac-sha256",
      verify: true,
      secret_count: 2,
      created_at: "2024-01-01T00:00:00.000Z",
      updated_at: "2024-01-02T00:00:00.000Z",
      revision: 3,
    })
    expect(JSON.stringify(view)).not.toContain("s3cr3t")
  })

  test("trigger model - a webhook trigger without secrets shows secret_count 0", () => {
    const { secrets: _s, ...noSecrets } = accepted(webhook)
    expect(toView(stored(noSecrets))).toMatchObject({ secret_count: 0 })
    expect(toView(stored(noSecrets))).not.toHaveProperty("secrets")
  })

  test("trigger model - the view of an event trigger has no secret fields at all", () => {
    const view = toView(stored(accepted(event)))
    expect(view).not.toHaveProperty("secrets")
    expect(view).not.toHaveProperty("secret_count")
    expect(view).toEqual({
      ...event,
      enabled: true,
      created_at: "2024-01-01T00:00:00.000Z",
      updated_at: "2024-01-02T00:00:00.000Z",
      revision: 3,
    })
  })
})

describe("expressions (when, input)", () => {
  test("trigger model - when and input are accepted on webhook and event triggers and kept as given", () => {
    const w = accepted({ ...webhook, when: 'body.action == "opened"', input: '{"pr": body.number}' })
    expect([w["when"], w["input"]]).toStrictEqual(['body.action == "opened"', '{"pr": body.number}'])
    expect(accepted({ ...event, when: "body.amount > 1000" })["when"]).toBe("body.amount > 1000")
  })

  test("trigger model - a when that does not parse is rejected naming the field and line:column", () => {
    expect(rejection({ ...webhook, when: "body.a ==" })).toBe("when: 1:8: found = but expecting end of input")
    expect(rejection({ ...event, input: '{"a": body.a' })).toMatch(/^input: 1:\d+: /)
  })

  test("trigger model - a when known not to be a bool is rejected", () => {
    expect(rejection({ ...webhook, when: "body.amount + 1" })).toBe(
      "when: 1:13: must be a bool condition, but this is the result of +",
    )
  })

  test("trigger model - an expression over 4096 characters is rejected", () => {
    expect(rejection({ ...webhook, when: "true" + " ".repeat(4093) })).toBe(
      "when: must be at most 4096 characters (got 4097)",
    )
  })

  test("trigger model - when and input are not allowed on schedule triggers", () => {
    expect(rejection({ name: "s", workflow: "w", type: "schedule", cron: "* * * * *", when: "true" })).toBe(
      "when: not allowed for schedule triggers",
    )
  })
})

describe("source", () => {
  const onStream = { ...event, subject: "orders.*.created", source: { stream: "ORDERS" } }
  const onKv = { ...event, subject: "flags.>", source: { kv: "config", ops: ["put"] } }

  test("trigger model - an event trigger on a stream takes a subject outside event.>; on a KV bucket a key pattern and ops", () => {
    expect(accepted(onStream)).toMatchObject({ subject: "orders.*.created", source: { stream: "ORDERS" } })
    expect(accepted(onKv)).toMatchObject({ subject: "flags.>", source: { kv: "config", ops: ["put"] } })
    expect(accepted({ ...onKv, source: { kv: "config" } })["source"]).toStrictEqual({ kv: "config" })
  })

  test("trigger model - a source that is neither form, a bad name, empty or repeated ops is rejected naming the field", () => {
    expect(rejection({ ...onStream, source: { topic: "x" } })).toBe(
      'source: must be {"stream": NAME} or {"kv": BUCKET, "ops"?: ["put","delete"]}',
    )
    expect(rejection({ ...onStream, source: { stream: "a.b" } })).toBe(
      "source.stream: must be a stream name: 1-100 of A-Z a-z 0-9 _ -",
    )
    expect(rejection({ ...onKv, source: { kv: "config", ops: [] } })).toBe(
      'source.ops: must list at least one of "put", "delete"',
    )
    expect(rejection({ ...onKv, source: { kv: "config", ops: ["put", "put"] } })).toBe(
      "source.ops: must not repeat an operation",
    )
  })

  test("trigger model - a source in another domain or account is refused as not supported", () => {
    expect(rejection({ ...onStream, source: { stream: "ORDERS", account: "OTHER" } })).toBe(
      "source.account: not supported: dagnats reads sources in its own account and JetStream domain only; " +
        "create a stream here that sources or mirrors the other one and trigger on that",
    )
  })

  test("trigger model - a source is only for event triggers, takes debounce and batch as EVENTS triggers do, and a KV bucket no batch", () => {
    expect(rejection({ ...webhook, source: { stream: "ORDERS" } })).toBe("source: only allowed for event triggers")
    expect(accepted({ ...onStream, debounce: { period: "1s" } }).debounce).toStrictEqual({ period: "1s" })
    expect(accepted({ ...onStream, batch: { max_size: 2, timeout: "1s" } }).batch).toStrictEqual({
      max_size: 2,
      timeout: "1s",
    })
    expect(rejection({ ...onStream, source: { kv: "config" }, batch: { max_size: 2, timeout: "1s" } })).toBe(
      "batch: not supported on a KV bucket, which keeps only the latest revisions of a key (a batch could not " +
        "read the earlier changes back); use debounce, or trigger on a stream",
    )
    expect(accepted({ ...onStream, source: { kv: "config" }, debounce: { period: "1s" } }).debounce).toStrictEqual({
      period: "1s",
    })
  })
})

test("trigger model - a KV bucket's own stream is refused as a stream source, naming the bucket to give instead", () => {
  expect(rejection({ ...event, subject: "$KV.config.>", source: { stream: "KV_config" } })).toBe(
    'source.stream: KV_config is the stream of KV bucket config: trigger on the bucket instead (--kv config, source {"kv": "config"})',
  )
})
