// Proves how `trigger create|update` flags become a definition or a patch (SPEC §8): paired filter flags, header filters, secrets from flags, files and stdin, and what update clears.
import { describe, expect, test } from "vitest"
import { Option } from "effect"
import { createDefinition, updatePatch, type SecretSources, type TriggerFlags } from "../../../src/cli/trigger-flags.js"

const none = Option.none()
const some = Option.some

const flags = (given: Partial<TriggerFlags> = {}): TriggerFlags => ({
  workflow: none,
  webhook: false,
  subject: none,
  secret: [],
  secretFile: [],
  scheme: none,
  verify: none,
  tolerance: none,
  filterField: [],
  filterValue: [],
  filterHeader: [],
  noFilters: false,
  debounce: none,
  debounceTimeout: none,
  debounceKey: none,
  batchSize: none,
  batchTimeout: none,
  batchKey: none,
  noDebounce: false,
  noBatch: false,
  disabled: false,
  ...given,
})

/** Secret sources that fail the test if used: most flags must never touch stdin or files. */
const noIo: SecretSources = {
  readStdin: () => {
    throw new Error("stdin read unexpectedly")
  },
  readFile: (path) => {
    throw new Error(`file ${path} read unexpectedly`)
  },
}

const io = (stdin: string, files: Record<string, string> = {}): SecretSources => ({
  readStdin: () => stdin,
  readFile: (path) => {
    const content = files[path]
    if (content === undefined) throw new Error(`ENOENT: ${path}`)
    return content
  },
})

const webhook = (given: Partial<TriggerFlags> = {}) => flags({ workflow: some("build"), webhook: true, ...given })
const event = (given: Partial<TriggerFlags> = {}) =>
  flags({ workflow: some("deploy"), subject: some("event.deploy.*"), ...given })

const ok = (r: ReturnType<typeof createDefinition>) => {
  if (!r.ok) throw new Error(`refused: ${r.message}`)
  return r.value
}
const refused = (r: ReturnType<typeof createDefinition>) => {
  if (r.ok) throw new Error(`accepted: ${JSON.stringify(r.value)}`)
  return r.message
}

describe("create", () => {
  test("trigger flags - --webhook makes a webhook trigger with only the given fields", () => {
    expect(ok(createDefinition("gh", webhook(), noIo))).toEqual({ name: "gh", type: "webhook", workflow: "build" })
  })

  test("trigger flags - --subject makes an event trigger on that subject", () => {
    expect(ok(createDefinition("d", event(), noIo))).toEqual({
      name: "d",
      type: "event",
      workflow: "deploy",
      subject: "event.deploy.*",
    })
  })

  test("trigger flags - --webhook with --subject is refused naming subject", () => {
    expect(refused(createDefinition("x", webhook({ subject: some("event.x") }), noIo))).toBe(
      "subject: a --webhook trigger listens on event.webhook.NAME; give either --webhook or --subject, not both",
    )
  })

  test("trigger flags - neither --webhook nor --subject is refused naming the type", () => {
    expect(refused(createDefinition("x", flags({ workflow: some("w") }), noIo))).toBe(
      "type: give --webhook for a webhook trigger, --subject SUBJ for an event trigger or --cron EXPR for a schedule",
    )
  })

  test("trigger flags - create without --workflow is refused", () => {
    expect(refused(createDefinition("x", flags({ webhook: true }), noIo))).toBe("--workflow: required")
  })

  test("trigger flags - --no-filters, --no-when, --no-input-map, --no-debounce, --no-batch and --no-respond are refused on create", () => {
    const all = [
      { noFilters: true },
      { noDebounce: true },
      { noBatch: true },
      { noWhen: true },
      { noInputMap: true },
      { noRespond: true },
    ]
    for (const f of all) {
      expect(refused(createDefinition("x", webhook(f), noIo))).toBe(
        "--no-filters, --no-when, --no-input-map, --no-debounce, --no-batch and --no-respond are for update",
      )
    }
  })

  test("trigger flags - --respond gives respond {}, with --respond-timeout its timeout; --respond-timeout alone is refused", () => {
    const ok = (f: Record<string, unknown>) => {
      const r = createDefinition("x", webhook(f), noIo)
      return r.ok ? r.value["respond"] : r.message
    }
    expect(ok({ respond: true })).toStrictEqual({})
    expect(ok({ respond: true, respondTimeout: Option.some("10s") })).toStrictEqual({ timeout: "10s" })
    expect(refused(createDefinition("x", webhook({ respondTimeout: Option.some("10s") }), noIo))).toBe(
      "--respond-timeout needs --respond",
    )
  })

  test("trigger flags - update --no-respond clears respond; with --respond it is refused", () => {
    const r = updatePatch("x", flags({ noRespond: true }), noIo)
    expect(r.ok && r.value["respond"]).toBe(null)
    expect(refused(updatePatch("x", flags({ noRespond: true, respond: true }), noIo))).toBe(
      "--no-respond cannot be combined with --respond",
    )
  })

  test("trigger flags - --disabled creates the trigger disabled; without it enabled is left to the default", () => {
    expect(ok(createDefinition("x", webhook({ disabled: true }), noIo))["enabled"]).toBe(false)
    expect(ok(createDefinition("x", webhook(), noIo))).not.toHaveProperty("enabled")
  })

  test("trigger flags - --scheme, --no-verify and --tolerance carry over", () => {
    expect(
      ok(createDefinition("x", webhook({ scheme: some("github"), verify: some(false), tolerance: some("5m") }), noIo)),
    ).toEqual({
      name: "x",
      type: "webhook",
      workflow: "build",
      scheme: "github",
      verify: false,
      tolerance: "5m",
    })
  })
})

describe("secrets", () => {
  test("trigger flags - repeated --secret gives the secrets in order", () => {
    expect(ok(createDefinition("x", webhook({ secret: ["one", "two"] }), noIo))["secrets"]).toEqual(["one", "two"])
  })

  test("trigger flags - --secret - reads stdin and drops one trailing newline", () => {
    expect(ok(createDefinition("x", webhook({ secret: ["-"] }), io("from-stdin\n")))["secrets"]).toEqual(["from-stdin"])
    expect(ok(createDefinition("x", webhook({ secret: ["-"] }), io("crlf\r\n")))["secrets"]).toEqual(["crlf"])
    expect(ok(createDefinition("x", webhook({ secret: ["-"] }), io("no-newline")))["secrets"]).toEqual(["no-newline"])
    expect(ok(createDefinition("x", webhook({ secret: ["-"] }), io("two\n\n")))["secrets"]).toEqual(["two\n"])
  })

  test("trigger flags - --secret-file reads the file and drops one trailing newline", () => {
    const files = { "/s/a": "file-secret\n", "/s/b": "second" }
    expect(ok(createDefinition("x", webhook({ secretFile: ["/s/a", "/s/b"] }), io("", files)))["secrets"]).toEqual([
      "file-secret",
      "second",
    ])
  })

  test("trigger flags - --secret values come before --secret-file values", () => {
    const r = createDefinition(
      "x",
      webhook({ secret: ["-"], secretFile: ["/s/a"] }),
      io("stdin\n", { "/s/a": "file\n" }),
    )
    expect(ok(r)["secrets"]).toEqual(["stdin", "file"])
  })

  test("trigger flags - an unreadable --secret-file is refused naming the path", () => {
    expect(refused(createDefinition("x", webhook({ secretFile: ["/missing"] }), io("")))).toBe(
      "--secret-file: cannot read /missing",
    )
  })

  test("trigger flags - stdin can be used for one secret only", () => {
    expect(refused(createDefinition("x", webhook({ secret: ["-", "-"] }), io("s\n")))).toBe(
      "--secret: stdin (-) can be given only once",
    )
  })

  test("trigger flags - update with --secret - replaces the secrets with the one from stdin", () => {
    expect(ok(updatePatch("x", flags({ secret: ["-"] }), io("rotated\n")))).toEqual({ name: "x", secrets: ["rotated"] })
  })
})

describe("filters", () => {
  test("trigger flags - --filter-field and --filter-value pair up by position", () => {
    const r = createDefinition(
      "x",
      event({ filterField: ["action", "pull_request.base.ref"], filterValue: ["opened", "main"] }),
      noIo,
    )
    expect(ok(r)["filters"]).toEqual([
      { field: "action", value: "opened" },
      { field: "pull_request.base.ref", value: "main" },
    ])
  })

  test("trigger flags - unpaired --filter-field or --filter-value is refused with the counts", () => {
    expect(refused(createDefinition("x", event({ filterField: ["a", "b"], filterValue: ["1"] }), noIo))).toBe(
      "--filter-field and --filter-value: give them in pairs (2 fields, 1 values)",
    )
    expect(refused(createDefinition("x", event({ filterValue: ["1"] }), noIo))).toBe(
      "--filter-field and --filter-value: give them in pairs (0 fields, 1 values)",
    )
  })

  test("trigger flags - --filter-header splits at the first = and keeps the rest as the value", () => {
    const r = createDefinition("x", webhook({ filterHeader: ["X-GitHub-Event=push", "X-Query=a=b", "X-Empty="] }), noIo)
    expect(ok(r)["filters"]).toEqual([
      { header: "X-GitHub-Event", value: "push" },
      { header: "X-Query", value: "a=b" },
      { header: "X-Empty", value: "" },
    ])
  })

  test("trigger flags - field filters come before header filters", () => {
    const r = createDefinition("x", webhook({ filterHeader: ["H=1"], filterField: ["f"], filterValue: ["2"] }), noIo)
    expect(ok(r)["filters"]).toEqual([
      { field: "f", value: "2" },
      { header: "H", value: "1" },
    ])
  })

  test("trigger flags - a --filter-header without NAME= is refused", () => {
    expect(refused(createDefinition("x", webhook({ filterHeader: ["X-GitHub-Event"] }), noIo))).toBe(
      '--filter-header: must be NAME=VALUE (got "X-GitHub-Event")',
    )
    expect(refused(createDefinition("x", webhook({ filterHeader: ["=push"] }), noIo))).toBe(
      '--filter-header: must be NAME=VALUE (got "=push")',
    )
  })
})

describe("debounce and batch", () => {
  test("trigger flags - --debounce with timeout and key makes a debounce object", () => {
    const r = createDefinition(
      "x",
      event({ debounce: some("5s"), debounceTimeout: some("1m"), debounceKey: some("repo.id") }),
      noIo,
    )
    expect(ok(r)["debounce"]).toEqual({ period: "5s", timeout: "1m", key: "repo.id" })
    expect(ok(r)).not.toHaveProperty("batch")
  })

  test("trigger flags - --debounce-timeout or --debounce-key without --debounce is refused", () => {
    const message = "--debounce-timeout and --debounce-key need --debounce"
    expect(refused(createDefinition("x", event({ debounceTimeout: some("1m") }), noIo))).toBe(message)
    expect(refused(createDefinition("x", event({ debounceKey: some("a") }), noIo))).toBe(message)
  })

  test("trigger flags - --batch-size with --batch-timeout and key makes a batch object", () => {
    const r = createDefinition(
      "x",
      event({ batchSize: some(50), batchTimeout: some("30s"), batchKey: some("tenant") }),
      noIo,
    )
    expect(ok(r)["batch"]).toEqual({ max_size: 50, timeout: "30s", key: "tenant" })
  })

  test("trigger flags - --batch-size and --batch-timeout each need the other", () => {
    expect(refused(createDefinition("x", event({ batchSize: some(5) }), noIo))).toBe(
      "--batch-timeout: required with --batch-size",
    )
    expect(refused(createDefinition("x", event({ batchTimeout: some("5s") }), noIo))).toBe(
      "--batch-size: required with --batch-timeout",
    )
    expect(refused(createDefinition("x", event({ batchKey: some("k") }), noIo))).toBe(
      "--batch-key needs --batch-size and --batch-timeout",
    )
  })

  test("trigger flags - --debounce with --batch-size passes both on for the schema to refuse", () => {
    const r = createDefinition("x", event({ debounce: some("1s"), batchSize: some(2), batchTimeout: some("1s") }), noIo)
    expect(ok(r)).toMatchObject({ debounce: { period: "1s" }, batch: { max_size: 2, timeout: "1s" } })
  })
})

describe("update", () => {
  test("trigger flags - update sends only the name and the flags given", () => {
    expect(ok(updatePatch("x", flags({ workflow: some("other") }), noIo))).toEqual({ name: "x", workflow: "other" })
  })

  test("trigger flags - update without any flag is refused", () => {
    expect(refused(updatePatch("x", flags(), noIo))).toBe("nothing to update: give at least one flag (see --help)")
  })

  test("trigger flags - update with --webhook is refused: the type cannot change", () => {
    expect(refused(updatePatch("x", flags({ webhook: true }), noIo))).toBe(
      "--webhook: the type of a trigger cannot change; delete it and create it again",
    )
  })

  test("trigger flags - choosing batch on update clears debounce", () => {
    expect(ok(updatePatch("x", flags({ batchSize: some(10), batchTimeout: some("1m") }), noIo))).toEqual({
      name: "x",
      batch: { max_size: 10, timeout: "1m" },
      debounce: null,
    })
  })

  test("trigger flags - choosing debounce on update clears batch", () => {
    expect(ok(updatePatch("x", flags({ debounce: some("2s") }), noIo))).toEqual({
      name: "x",
      debounce: { period: "2s" },
      batch: null,
    })
  })

  test("trigger flags - --no-filters, --no-debounce and --no-batch clear those fields", () => {
    expect(ok(updatePatch("x", flags({ noFilters: true, noDebounce: true, noBatch: true }), noIo))).toEqual({
      name: "x",
      filters: null,
      debounce: null,
      batch: null,
    })
  })

  test("trigger flags - --no-filters with a --filter-* flag is refused", () => {
    expect(refused(updatePatch("x", flags({ noFilters: true, filterHeader: ["A=b"] }), noIo))).toBe(
      "--no-filters cannot be combined with --filter-*",
    )
  })

  test("trigger flags - update --disabled sets enabled false", () => {
    expect(ok(updatePatch("x", flags({ disabled: true }), noIo))).toEqual({ name: "x", enabled: false })
  })

  test("trigger flags - update applies the same pairing and debounce rules as create", () => {
    expect(refused(updatePatch("x", flags({ filterField: ["a"] }), noIo))).toBe(
      "--filter-field and --filter-value: give them in pairs (1 fields, 0 values)",
    )
    expect(refused(updatePatch("x", flags({ debounceKey: some("k") }), noIo))).toBe(
      "--debounce-timeout and --debounce-key need --debounce",
    )
  })
})

describe("expressions", () => {
  test("trigger flags - --when and --input-map become the when and input fields", () => {
    expect(ok(createDefinition("x", event({ when: some("body.a > 1"), inputMap: some("body.b") }), noIo))).toEqual({
      name: "x",
      type: "event",
      workflow: "deploy",
      subject: "event.deploy.*",
      when: "body.a > 1",
      input: "body.b",
    })
    expect(ok(updatePatch("x", flags({ when: some("true") }), noIo))).toEqual({ name: "x", when: "true" })
  })

  test("trigger flags - --no-when and --no-input-map clear the fields on update, and not together with setting them", () => {
    expect(ok(updatePatch("x", flags({ noWhen: true, noInputMap: true }), noIo))).toEqual({
      name: "x",
      when: null,
      input: null,
    })
    expect(refused(updatePatch("x", flags({ noWhen: true, when: some("true") }), noIo))).toBe(
      "--no-when cannot be combined with --when",
    )
    expect(refused(updatePatch("x", flags({ noInputMap: true, inputMap: some("body") }), noIo))).toBe(
      "--no-input-map cannot be combined with --input-map",
    )
  })
})

describe("sources", () => {
  const w = { workflow: some("w") }
  test("trigger flags - --stream with --subject makes an event trigger on that stream", () => {
    expect(
      createDefinition("t", flags({ ...w, stream: some("ORDERS"), subject: some("orders.*") }), noIo),
    ).toStrictEqual({
      ok: true,
      value: { name: "t", type: "event", workflow: "w", subject: "orders.*", source: { stream: "ORDERS" } },
    })
  })

  test("trigger flags - --kv with --key (and --ops) makes an event trigger on the bucket's keys", () => {
    expect(createDefinition("t", flags({ ...w, kv: some("config"), key: some("flags.>") }), noIo)).toStrictEqual({
      ok: true,
      value: { name: "t", type: "event", workflow: "w", subject: "flags.>", source: { kv: "config" } },
    })
    expect(
      createDefinition("t", flags({ ...w, kv: some("config"), key: some("a"), ops: some("put, delete") }), noIo),
    ).toStrictEqual({
      ok: true,
      value: {
        name: "t",
        type: "event",
        workflow: "w",
        subject: "a",
        source: { kv: "config", ops: ["put", "delete"] },
      },
    })
  })

  test("trigger flags - --key without --kv, --ops without --kv, --kv with --subject, --stream with --kv are refused", () => {
    const refused = (f: Partial<TriggerFlags>) => createDefinition("t", flags({ ...w, ...f }), noIo)
    expect(refused({ key: some("a") })).toStrictEqual({
      ok: false,
      message: "--key: the key pattern of a --kv trigger; give --kv BUCKET with it",
    })
    expect(refused({ subject: some("event.x"), ops: some("put") })).toStrictEqual({
      ok: false,
      message: "--ops: the KV operations of a --kv trigger; give --kv BUCKET with it",
    })
    expect(refused({ kv: some("c"), subject: some("a") })).toStrictEqual({
      ok: false,
      message: "--kv and --subject: a --kv trigger takes --key, not --subject",
    })
    expect(refused({ kv: some("c"), stream: some("S"), key: some("a") })).toStrictEqual({
      ok: false,
      message: "--stream and --kv: give one source, not both",
    })
    expect(refused({ stream: some("S") })).toStrictEqual({
      ok: false,
      message: "--stream: give --subject PATTERN too, a pattern within the stream's subjects",
    })
  })

  test("trigger flags - update --stream or --kv --key sets the source (and subject)", () => {
    expect(updatePatch("t", flags({ kv: some("c"), key: some("k.*") }), noIo)).toStrictEqual({
      ok: true,
      value: { name: "t", subject: "k.*", source: { kv: "c" } },
    })
  })
})
