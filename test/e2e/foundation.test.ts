// Proves the foundation end to end on a real nats-server: SPEC §3 resources, §7 micro service (CRUD, errors, discovery, queue group), §8 CLI (outputs, exit codes, usage errors, secrets never shown) and §2 serve lifecycle.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, test } from "vitest"
import { e2eStack } from "../support/e2e-stack.js"
import { connect, type NatsConnection } from "@nats-io/transport-node"
import { nanos } from "@nats-io/nats-core"
import { jetstream, jetstreamManager, RetentionPolicy, StorageType, type StreamInfo } from "@nats-io/jetstream"
import { Kvm } from "@nats-io/kv"
import { startNatsServer, type TestNatsServer } from "../support/nats-server.js"
import { startServe, type ServeProcess } from "../support/serve.js"
import { runCli, runJson, type CliResult } from "../support/cli.js"
import { freePort } from "../support/ports.js"

const VERSION = (
  JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }
).version
const HINT =
  "is `dagnats serve` running? Start it with `dagnats serve` (or `make run`), or point --nats-url / NATS_URL at your NATS server"
const DAY_NS = nanos(86_400_000)

/** Every endpoint of SPEC §7, in the order the service registers them. */
const SPEC_ENDPOINTS = [
  "dagnats.triggers.create",
  "dagnats.triggers.get",
  "dagnats.triggers.list",
  "dagnats.triggers.update",
  "dagnats.triggers.delete",
  "dagnats.triggers.enable",
  "dagnats.triggers.disable",
  "dagnats.triggers.fire",
  "dagnats.triggers.history",
  "dagnats.triggers.test",
  "dagnats.runs.start",
  "dagnats.runs.get",
  "dagnats.runs.list",
  "dagnats.events.replay",
  "dagnats.events.dead",
  "dagnats.deliveries.list",
  "dagnats.deliveries.get",
]

let env: Record<string, string>

/** The CLI against this file's NATS. */
const cli = (args: ReadonlyArray<string>, input?: string) =>
  runCli(args, { env, ...(input !== undefined ? { input } : {}) })
const json = <T = any>(args: ReadonlyArray<string>, input?: string) =>
  runJson<T>(args, { env, ...(input !== undefined ? { input } : {}) })

interface RawReply {
  readonly code: string | undefined
  readonly error: string | undefined
  readonly body: any
}

/** One request/reply straight to the micro service, as any NATS client would send it. */
const raw = async (subject: string, body: unknown, conn: NatsConnection = stack.raw.nc): Promise<RawReply> => {
  const msg = await conn.request(subject, typeof body === "string" ? body : JSON.stringify(body), { timeout: 10_000 })
  return {
    code: msg.headers?.get("Nats-Service-Error-Code") || undefined,
    error: msg.headers?.get("Nats-Service-Error") || undefined,
    body: msg.json(),
  }
}

const expectExit = (r: CliResult, code: number) => {
  if (r.code !== code) throw new Error(`expected exit ${code}, got ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`)
}

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/

/** Small enough that one reply cannot hold 2,000 triggers: list must page (and never crash serve). */
const MAX_PAYLOAD_BYTES = 256 * 1024

const stack = e2eStack({ natsConfig: `max_payload: ${MAX_PAYLOAD_BYTES}` })

beforeAll(async () => {
  env = { NATS_URL: stack.url }
})

describe("resources (SPEC §3)", () => {
  test("serve - EVENTS is a file stream on event.> keeping 14 days with a 2 minute duplicate window", async () => {
    const { config } = await stack.raw.jsm.streams.info("EVENTS")
    expect(config.subjects).toEqual(["event.>"])
    expect(config.retention).toBe(RetentionPolicy.Limits)
    expect(config.storage).toBe(StorageType.File)
    expect(config.max_age).toBe(14 * DAY_NS)
    expect(config.duplicate_window).toBe(nanos(120_000))
  })

  test("serve - WORKFLOW_HISTORY, TRIGGER_HISTORY, DAGNATS_TIMERS, DAGNATS_DEAD and DAGNATS_DELIVERIES exist with their subjects and retention", async () => {
    const names = ["WORKFLOW_HISTORY", "TRIGGER_HISTORY", "DAGNATS_TIMERS", "DAGNATS_DEAD", "DAGNATS_DELIVERIES"]
    const configs = await Promise.all(names.map(async (n) => (await stack.raw.jsm.streams.info(n)).config))
    expect(configs.map((c) => [c.name, c.subjects, c.retention, c.storage])).toEqual([
      ["WORKFLOW_HISTORY", ["history.>"], RetentionPolicy.Limits, StorageType.File],
      ["TRIGGER_HISTORY", ["trigger.fire.>"], RetentionPolicy.Limits, StorageType.File],
      ["DAGNATS_TIMERS", ["dagnats.timers.>"], RetentionPolicy.Workqueue, StorageType.File],
      ["DAGNATS_DEAD", ["dagnats.dead.>"], RetentionPolicy.Limits, StorageType.File],
      ["DAGNATS_DELIVERIES", ["dagnats.deliveries.*.*"], RetentionPolicy.Limits, StorageType.File],
    ])
  })

  test("serve - DAGNATS_DELIVERIES keeps 7 days and DAGNATS_DELIVERIES_MAX_BYTES bytes, discarding the oldest", async () => {
    const config = (await stack.raw.jsm.streams.info("DAGNATS_DELIVERIES")).config
    expect([config.max_age, config.max_bytes, config.discard]).toEqual([7 * 86_400 * 1e9, 67_108_864, "old"])
  })

  test("serve - the buckets dagnats_triggers, dagnats_runs, dagnats_debounce and dagnats_batch exist", async () => {
    const kvm = new Kvm(jetstream(stack.raw.nc))
    for (const bucket of ["dagnats_triggers", "dagnats_runs", "dagnats_debounce", "dagnats_batch"]) {
      const status = await (await kvm.open(bucket)).status()
      expect(status.bucket).toBe(bucket)
      expect(status.streamInfo.config.subjects).toEqual([`$KV.${bucket}.>`])
    }
  })
})

/** A trigger's current view, read straight from the service (cheaper than spawning the CLI). */
const view = async (name: string) => (await raw("dagnats.triggers.get", { name })).body
/** Every trigger name, page by page (one reply cannot hold them all once the scale tests ran). */
const names = async (): Promise<Array<string>> => {
  const out: Array<string> = []
  let after: string | undefined
  do {
    const page = await raw("dagnats.triggers.list", { limit: 1_000, ...(after !== undefined ? { after } : {}) })
    out.push(...page.body.triggers.map((t: { name: string }) => t.name))
    after = page.body.next
  } while (after !== undefined)
  return out
}

describe("trigger lifecycle through the CLI", () => {
  test("trigger create - a webhook trigger prints one line, exits 0, and --json gives the trigger object", async () => {
    const [human, machine] = await Promise.all([
      cli(["trigger", "create", "gh-push", "--workflow", "build", "--webhook"]),
      cli([
        "trigger",
        "create",
        "deploys",
        "--workflow",
        "deploy",
        "--subject",
        "event.deploy.*",
        "--filter-field",
        "env",
        "--filter-value",
        "prod",
        "--debounce",
        "5s",
        "--debounce-timeout",
        "1m",
        "--json",
      ]),
    ])
    expectExit(human, 0)
    expect(human.stdout).toBe("created webhook trigger gh-push → workflow build (POST /v1/webhooks/gh-push)\n")
    expect(human.stderr).toBe("")
    expectExit(machine, 0)
    const created = JSON.parse(machine.stdout)
    expect(created).toEqual({
      name: "deploys",
      workflow: "deploy",
      type: "event",
      enabled: true,
      subject: "event.deploy.*",
      filters: [{ field: "env", value: "prod" }],
      debounce: { period: "5s", timeout: "1m" },
      created_at: expect.stringMatching(ISO),
      updated_at: created.created_at,
      revision: 1,
    })
  })

  test("trigger list - sorted by name; --json is exactly {triggers: [...]}", async () => {
    const [human, machine] = await Promise.all([cli(["trigger", "list"]), cli(["trigger", "list", "--json"])])
    expectExit(machine, 0)
    const listed = JSON.parse(machine.stdout)
    expect(Object.keys(listed)).toEqual(["triggers"])
    expect(listed.triggers.map((t: { name: string }) => t.name)).toEqual(["deploys", "gh-push"])
    expect(listed.triggers[1]).toEqual({
      name: "gh-push",
      workflow: "build",
      type: "webhook",
      enabled: true,
      scheme: "hmac-sha256",
      verify: true,
      secret_count: 0,
      created_at: expect.stringMatching(ISO),
      updated_at: expect.stringMatching(ISO),
      revision: 1,
    })
    expectExit(human, 0)
    expect(human.stdout.split("\n")).toEqual([
      "NAME     TYPE     WORKFLOW  ENABLED  MODE         OPEN  SOURCE",
      "deploys  event    deploy    yes      debounce 5s  -     event.deploy.*",
      "gh-push  webhook  build     yes      -            -     POST /v1/webhooks/gh-push",
      "",
    ])
  })

  test("trigger get - human output is a record; --json is the trigger object", async () => {
    const [human, machine] = await Promise.all([
      cli(["trigger", "get", "gh-push"]),
      cli(["trigger", "get", "deploys", "--json"]),
    ])
    expectExit(human, 0)
    expect(human.stdout.trimEnd().split("\n").slice(0, 11)).toEqual([
      "name:       gh-push",
      "type:       webhook",
      "workflow:   build",
      "enabled:    true",
      "listens on: event.webhook.gh-push (POST /v1/webhooks/gh-push)",
      "scheme:     hmac-sha256",
      "verify:     true",
      "secrets:    0 set",
      "filters:    -",
      "debounce:   -",
      "batch:      -",
    ])
    expectExit(machine, 0)
    expect(JSON.parse(machine.stdout)).toEqual(await view("deploys"))
  })

  test("trigger update - keeps created_at, bumps the revision and replaces the given fields", async () => {
    const before = await view("deploys")
    const updated = await json([
      "trigger",
      "update",
      "deploys",
      "--workflow",
      "deploy-v2",
      "--batch-size",
      "10",
      "--batch-timeout",
      "30s",
    ])
    const { debounce: _d, ...unchanged } = before
    expect(updated).toEqual({
      ...unchanged,
      workflow: "deploy-v2",
      batch: { max_size: 10, timeout: "30s" },
      updated_at: expect.stringMatching(ISO),
      revision: 2,
    })
    expect(updated.created_at).toBe(before.created_at)
    expect(updated.updated_at >= before.updated_at).toBe(true)

    const human = await cli(["trigger", "update", "deploys", "--no-filters"])
    expectExit(human, 0)
    expect(human.stdout).toBe("updated trigger deploys (revision 3)\n")
    expect(await view("deploys")).not.toHaveProperty("filters")
  })

  test("trigger update - a merged result that breaks a rule is refused (exit 1) and nothing changes", async () => {
    const r = await cli(["trigger", "update", "gh-push", "--subject", "event.x"])
    expectExit(r, 1)
    expect(r.stderr).toBe(
      "dagnats: --subject: not allowed for webhook triggers, which listen on event.webhook.{name}; use an event trigger for a subject\n",
    )
    expect((await view("gh-push")).revision).toBe(1)
  })

  test("trigger disable / enable - flip enabled and print one line; --json gives the trigger", async () => {
    const disabled = await cli(["trigger", "disable", "gh-push"])
    expectExit(disabled, 0)
    expect(disabled.stdout).toBe("disabled trigger gh-push\n")
    expect(await view("gh-push")).toMatchObject({ enabled: false, revision: 2 })
    const enabled = await json(["trigger", "enable", "gh-push"])
    expect(enabled).toEqual({ ...(await view("gh-push")), enabled: true, revision: 3 })
  })

  test("trigger delete - removes the trigger; a second delete exits 1 with not found", async () => {
    const deleted = await cli(["trigger", "delete", "gh-push"])
    expectExit(deleted, 0)
    expect(deleted.stdout).toBe("deleted trigger gh-push\n")
    const again = await cli(["trigger", "delete", "gh-push"])
    expectExit(again, 1)
    expect(again.stderr).toBe('dagnats: trigger "gh-push" not found\n')
    expect(await names()).toEqual(["deploys"])
  })

  test("trigger create - duplicate name exits 1 with the conflict message and keeps the original", async () => {
    const r = await cli(["trigger", "create", "deploys", "--workflow", "other", "--webhook"])
    expectExit(r, 1)
    expect(r.stdout).toBe("")
    expect(r.stderr).toBe('dagnats: trigger "deploys" already exists\n')
    expect(await view("deploys")).toMatchObject({ workflow: "deploy-v2", type: "event", revision: 3 })
  })

  test("trigger get / enable of a missing trigger exit 1 with not found", async () => {
    for (const r of await Promise.all([
      cli(["trigger", "get", "missing", "--json"]),
      cli(["trigger", "enable", "missing"]),
    ])) {
      expectExit(r, 1)
      expect(r.stdout).toBe("")
      expect(r.stderr).toBe('dagnats: trigger "missing" not found\n')
    }
  })
})

describe("usage errors", () => {
  // Each case: the arguments, and the message naming the flag (stderr is exactly `dagnats: <message>`).
  // Every rule of the model is unit-tested; these prove the CLI turns them into exit 2 before sending.
  const cases: ReadonlyArray<readonly [string, ReadonlyArray<string>, string]> = [
    [
      "an invalid name",
      ["trigger", "create", "bad.name", "--workflow", "w", "--webhook"],
      'name: must be 1-64 characters of A-Z, a-z, 0-9, _ or - (got "bad.name")',
    ],
    [
      "a webhook trigger with --subject",
      ["trigger", "create", "u2", "--workflow", "w", "--webhook", "--subject", "event.x"],
      "subject: a --webhook trigger listens on event.webhook.NAME; give either --webhook or --subject, not both",
    ],
    [
      "an event trigger without a subject",
      ["trigger", "create", "u3", "--workflow", "w"],
      "type: give --webhook for a webhook trigger, --subject SUBJ for an event trigger or --cron EXPR for a schedule",
    ],
    [
      "a subject outside event.>",
      ["trigger", "create", "u4", "--workflow", "w", "--subject", "orders.created"],
      "--subject: must be inside event.> (for example event.deploy.* or event.webhook.github)",
    ],
    [
      "a bad duration",
      ["trigger", "create", "u5", "--workflow", "w", "--subject", "event.x", "--debounce", "5 seconds"],
      '--debounce: must be a duration such as 500ms, 5s, 1m or 2h (got "5 seconds")',
    ],
    [
      "debounce with batch",
      [
        "trigger",
        "create",
        "u6",
        "--workflow",
        "w",
        "--subject",
        "event.x",
        "--debounce",
        "5s",
        "--batch-size",
        "2",
        "--batch-timeout",
        "1s",
      ],
      "--debounce: cannot be combined with batch; choose one",
    ],
    [
      "batch size 1001",
      [
        "trigger",
        "create",
        "u7",
        "--workflow",
        "w",
        "--subject",
        "event.x",
        "--batch-size",
        "1001",
        "--batch-timeout",
        "1s",
      ],
      "--batch-size: must be a whole number from 1 to 1000",
    ],
    [
      "an unpaired --filter-field",
      ["trigger", "create", "u8", "--workflow", "w", "--webhook", "--filter-field", "action"],
      "--filter-field and --filter-value: give them in pairs (1 fields, 0 values)",
    ],
    [
      "a secret on an event trigger",
      ["trigger", "create", "u9", "--workflow", "w", "--subject", "event.x", "--secret", "s"],
      "--secret: only allowed for webhook triggers",
    ],
    [
      "an unreadable --secret-file",
      ["trigger", "create", "u10", "--workflow", "w", "--webhook", "--secret-file", "/nonexistent/secret"],
      "--secret-file: cannot read /nonexistent/secret",
    ],
    [
      "a bad duration on update",
      ["trigger", "update", "deploys", "--batch-size", "5", "--batch-timeout", "soon"],
      '--batch-timeout: must be a duration such as 500ms, 5s, 1m or 2h (got "soon")',
    ],
  ]

  test("usage errors - each bad input exits 2 with one line naming the field, and creates nothing", async () => {
    const results = await Promise.all(cases.map(([, args]) => cli(args)))
    results.forEach((r, i) => {
      const [what, args, message] = cases[i]!
      expect({ what, args, code: r.code, stderr: r.stderr, stdout: r.stdout }).toEqual({
        what,
        args,
        code: 2,
        stderr: `dagnats: ${message}\n`,
        stdout: "",
      })
    })
    expect(await names()).toEqual(["deploys"])
    expect((await view("deploys")).revision).toBe(3)
  })

  test("usage errors - an unknown flag, a non-number and a missing argument exit 2 with one line and nothing on stdout", async () => {
    const results = await Promise.all([
      cli(["trigger", "create", "u11", "--workflow", "w", "--webhook", "--bogus", "--json"]),
      cli([
        "trigger",
        "create",
        "u11",
        "--workflow",
        "w",
        "--subject",
        "event.x",
        "--batch-size",
        "many",
        "--batch-timeout",
        "1s",
      ]),
      cli(["trigger", "get"]),
    ])
    expect(results.map((r) => [r.code, r.stdout, r.stderr])).toEqual([
      [
        2,
        "",
        "dagnats: Unrecognized flag: --bogus in command dagnats trigger create; see `dagnats trigger create --help`\n",
      ],
      [
        2,
        "",
        'dagnats: Invalid value for flag --batch-size: "many". Expected a string representing a finite number; see `dagnats trigger create --help`\n',
      ],
      [2, "", "dagnats: Missing required argument: name; see `dagnats trigger get --help`\n"],
    ])
    expect(await names()).toEqual(["deploys"])
  })
})

describe("secrets never appear in any output", () => {
  const S1 = "flag-secret-1f0a9c"
  const S2 = "file-secret-2b7e41"
  const S3 = "stdin-secret-3c55d2"
  const S4 = "rotated-secret-4d9910"
  const secrets = [S1, S2, S3, S4]
  const outputs: Array<string> = []
  const record = (r: CliResult) => {
    outputs.push(r.stdout, r.stderr)
    return r
  }

  test("secrets - --secret, --secret-file and --secret - are stored, trimmed, and never echoed", async () => {
    const dir = mkdtempSync(join(tmpdir(), "dagnats-secret-"))
    writeFileSync(join(dir, "secret"), `${S2}\n`)
    const created = await Promise.all([
      cli(["trigger", "create", "sec-flag", "--workflow", "w", "--webhook", "--secret", S1]),
      cli([
        "trigger",
        "create",
        "sec-file",
        "--workflow",
        "w",
        "--webhook",
        "--secret-file",
        join(dir, "secret"),
        "--json",
      ]),
      cli(["trigger", "create", "sec-stdin", "--workflow", "w", "--webhook", "--secret", "-", "--json"], `${S3}\n`),
    ])
    rmSync(dir, { recursive: true, force: true })
    for (const r of created) expectExit(record(r), 0)
    expect(JSON.parse(created[1]!.stdout)).toMatchObject({ name: "sec-file", secret_count: 1 })
    expect(JSON.parse(created[1]!.stdout)).not.toHaveProperty("secrets")

    // What the service stored (read straight from KV: no read path of the service returns it).
    const kv = await new Kvm(jetstream(stack.raw.nc)).open("dagnats_triggers")
    const stored = async (name: string) => ((await kv.get(name))!.json() as { secrets: Array<string> }).secrets
    expect(await stored("sec-flag")).toEqual([S1])
    expect(await stored("sec-file")).toEqual([S2])
    expect(await stored("sec-stdin")).toEqual([S3])
  })

  test("secrets - reads, listings, updates and refusals print no secret; reads show secret_count", async () => {
    const before = record(await cli(["trigger", "get", "sec-flag"]))
    expect([before.code, before.stderr]).toEqual([0, ""])
    expect(before.stdout).toContain("secrets:    1 set\n")
    const runs = await Promise.all([
      cli(["trigger", "list", "--json"]),
      cli(["trigger", "update", "sec-flag", "--secret", S1, "--secret", S4, "--json"]),
      cli(["trigger", "update", "sec-stdin", "--secret", "-"], `${S4}\n`),
      cli(["trigger", "create", "sec-file", "--workflow", "w", "--webhook", "--secret", S1]),
    ])
    runs.forEach(record)
    expect(runs.map((r) => [r.code, r.stderr])).toEqual([
      [0, ""],
      [0, ""],
      [0, ""],
      [1, 'dagnats: trigger "sec-file" already exists\n'],
    ])
    expect(JSON.parse(runs[1]!.stdout)).toMatchObject({ name: "sec-flag", secret_count: 2 })
    for (const output of outputs) for (const s of secrets) expect(output).not.toContain(s)
  })

  test("secrets - raw get, list and create replies and the serve log carry no secret", async () => {
    const texts = [
      JSON.stringify((await raw("dagnats.triggers.get", { name: "sec-flag" })).body),
      JSON.stringify((await raw("dagnats.triggers.list", {})).body),
      JSON.stringify(
        (await raw("dagnats.triggers.create", { name: "sec-raw", workflow: "w", type: "webhook", secrets: [S1, S4] }))
          .body,
      ),
      JSON.stringify((await raw("dagnats.triggers.update", { name: "sec-raw", secrets: [S4] })).body),
      stack.serve.log(),
    ]
    expect((await raw("dagnats.triggers.get", { name: "sec-raw" })).body).toMatchObject({ secret_count: 1 })
    for (const text of texts) for (const s of secrets) expect(text).not.toContain(s)
  })
})

describe("micro service over raw NATS", () => {
  test("micro - list and create work without the CLI", async () => {
    const created = await raw("dagnats.triggers.create", {
      name: "raw-1",
      workflow: "w",
      type: "event",
      subject: "event.raw.>",
    })
    expect(created.code).toBeUndefined()
    expect(created.body).toEqual({
      name: "raw-1",
      workflow: "w",
      type: "event",
      subject: "event.raw.>",
      enabled: true,
      created_at: expect.stringMatching(ISO),
      updated_at: expect.stringMatching(ISO),
      revision: 1,
    })
    const listed = await raw("dagnats.triggers.list", {})
    expect(listed.code).toBeUndefined()
    expect(listed.body.triggers.map((t: { name: string }) => t.name)).toEqual([
      "deploys",
      "raw-1",
      "sec-file",
      "sec-flag",
      "sec-raw",
      "sec-stdin",
    ])
    // An empty body is an empty request.
    expect((await raw("dagnats.triggers.list", "")).body).toEqual(listed.body)
  })

  test("micro - a malformed JSON request gets 400 headers and the JSON error body, and the next request works", async () => {
    const bad = await raw("dagnats.triggers.create", "{not json")
    expect(bad).toEqual({
      code: "400",
      error: "request body is not valid JSON",
      body: { error: { code: "invalid", message: "request body is not valid JSON" } },
    })
    const next = await raw("dagnats.triggers.get", { name: "raw-1" })
    expect(next.code).toBeUndefined()
    expect(next.body.name).toBe("raw-1")
  })

  test("micro - an invalid definition gets 400 with the field and rule", async () => {
    const r = await raw("dagnats.triggers.create", { name: "raw-2", workflow: "w", type: "event", subject: "orders.x" })
    expect(r).toEqual({
      code: "400",
      error: "subject: must be inside event.> (for example event.deploy.* or event.webhook.github)",
      body: {
        error: {
          code: "invalid",
          message: "subject: must be inside event.> (for example event.deploy.* or event.webhook.github)",
        },
      },
    })
    const unknown = await raw("dagnats.triggers.get", { name: "raw-1", extra: true })
    expect(unknown).toEqual({
      code: "400",
      error: "extra: unknown field",
      body: { error: { code: "invalid", message: "extra: unknown field" } },
    })
  })

  test("micro - 404 for get, update, delete, enable and disable of a missing trigger", async () => {
    for (const [endpoint, body] of [
      ["get", { name: "nope" }],
      ["update", { name: "nope", workflow: "w" }],
      ["delete", { name: "nope" }],
      ["enable", { name: "nope" }],
      ["disable", { name: "nope" }],
    ] as const) {
      expect(await raw(`dagnats.triggers.${endpoint}`, body)).toEqual({
        code: "404",
        error: 'trigger "nope" not found',
        body: { error: { code: "not_found", message: 'trigger "nope" not found' } },
      })
    }
  })

  test("micro - 409 for a create of an existing trigger", async () => {
    expect(await raw("dagnats.triggers.create", { name: "raw-1", workflow: "w", type: "webhook" })).toEqual({
      code: "409",
      error: 'trigger "raw-1" already exists',
      body: { error: { code: "conflict", message: 'trigger "raw-1" already exists' } },
    })
  })

  test("micro - update validates the merged result and refuses changing the type or service fields", async () => {
    expect((await raw("dagnats.triggers.update", { name: "raw-1", type: "webhook" })).body).toEqual({
      error: { code: "invalid", message: "type: cannot be changed; delete the trigger and create it again" },
    })
    expect((await raw("dagnats.triggers.update", { name: "raw-1", revision: 9 })).body).toEqual({
      error: { code: "invalid", message: "revision: unknown field or not updatable" },
    })
    expect((await raw("dagnats.triggers.update", { name: "raw-1", subject: null })).body).toEqual({
      error: { code: "invalid", message: "subject: required for event triggers" },
    })
    const ok = await raw("dagnats.triggers.update", { name: "raw-1", filters: [{ header: "X-Kind", value: "a" }] })
    expect(ok.code).toBeUndefined()
    expect(ok.body).toMatchObject({ revision: 2, filters: [{ header: "X-Kind", value: "a" }] })
  })
})

describe("discovery", () => {
  test("micro - $SRV.PING answers with the ping schema, name dagnats and the package version", async () => {
    for (const subject of ["$SRV.PING", "$SRV.PING.dagnats"]) {
      const { body } = await raw(subject, "")
      expect(body).toMatchObject({ type: "io.nats.micro.v1.ping_response", name: "dagnats", version: VERSION })
      expect(body.id).toMatch(/^\w+$/)
    }
  })

  test("micro - $SRV.INFO lists every endpoint of SPEC §7 with its subject and queue group dagnats", async () => {
    for (const subject of ["$SRV.INFO", "$SRV.INFO.dagnats"]) {
      const { body } = await raw(subject, "")
      expect(body).toMatchObject({
        type: "io.nats.micro.v1.info_response",
        name: "dagnats",
        version: VERSION,
        description: expect.any(String),
      })
      expect(body.endpoints.map((e: { subject: string }) => e.subject).sort()).toEqual([...SPEC_ENDPOINTS].sort())
      for (const e of body.endpoints) expect(e.queue_group).toBe("dagnats")
      expect(new Set(body.endpoints.map((e: { name: string }) => e.name)).size).toBe(SPEC_ENDPOINTS.length)
    }
  })

  test("micro - $SRV.STATS answers with the stats schema and counts requests per endpoint", async () => {
    const { body } = await raw("$SRV.STATS.dagnats", "")
    expect(body).toMatchObject({
      type: "io.nats.micro.v1.stats_response",
      name: "dagnats",
      version: VERSION,
      started: expect.any(String),
    })
    const bySubject = new Map<string, any>(body.endpoints.map((e: { subject: string }) => [e.subject, e]))
    expect([...bySubject.keys()].sort()).toEqual([...SPEC_ENDPOINTS].sort())
    for (const e of body.endpoints) expect(e.queue_group).toBe("dagnats")
    // Requests answered so far by this instance (the only one): every create above was counted.
    expect(bySubject.get("dagnats.triggers.create").num_requests).toBeGreaterThanOrEqual(10)
    expect(bySubject.get("dagnats.runs.start").num_requests).toBe(0)
  })

  test("services - human output has one row for dagnats; --json is {services: [...]} with the info schema", async () => {
    const [human, machineRun] = await Promise.all([cli(["services"]), cli(["services", "--json"])])
    expectExit(human, 0)
    const lines = human.stdout.trimEnd().split("\n")
    expect(lines).toHaveLength(2)
    expect(lines[0]).toMatch(/^NAME\s+VERSION\s+ID\s+ENDPOINTS\s+DESCRIPTION$/)
    expect(lines[1]).toMatch(
      new RegExp(`^dagnats\\s+${VERSION.replace(/\./g, "\\.")}\\s+\\w+\\s+${SPEC_ENDPOINTS.length}\\s+`),
    )

    expectExit(machineRun, 0)
    const machine = JSON.parse(machineRun.stdout)
    expect(Object.keys(machine)).toEqual(["services"])
    expect(machine.services).toHaveLength(1)
    expect(machine.services[0]).toMatchObject({
      type: "io.nats.micro.v1.info_response",
      name: "dagnats",
      version: VERSION,
    })
  })
})

describe("help", () => {
  test("help - commands answer --help with exit 0 and their usage line; trigger --help lists every subcommand", async () => {
    const commands = [
      [],
      ["serve"],
      ["services"],
      ["trigger"],
      ["trigger", "create"],
      ["trigger", "update"],
      ["trigger", "get"],
    ]
    const results = await Promise.all(commands.map((c) => cli([...c, "--help"])))
    results.forEach((r, i) => {
      expectExit(r, 0)
      expect(r.stdout).toContain(`dagnats ${commands[i]!.join(" ")}`.trimEnd())
      expect(r.stdout).toContain("USAGE")
    })
    const create = results[4]!.stdout
    for (const flag of [
      "--workflow",
      "--webhook",
      "--secret",
      "--secret-file",
      "--scheme",
      "--verify",
      "--subject",
      "--filter-field",
      "--filter-value",
      "--filter-header",
      "--debounce",
      "--debounce-timeout",
      "--debounce-key",
      "--batch-size",
      "--batch-timeout",
      "--batch-key",
      "--disabled",
      "--json",
      "--nats-url",
    ]) {
      expect(create).toContain(`${flag} `)
    }
    for (const flag of ["--nats-url", "--http-addr", "--data-dir", "--nats-port", "--max-body"])
      expect(results[1]!.stdout).toContain(flag)
    for (const flag of ["--no-filters", "--no-debounce", "--no-batch"]) expect(results[5]!.stdout).toContain(flag)
    // The group's help names every subcommand of SPEC §8 it has.
    for (const sub of ["create", "list", "get", "update", "delete", "enable", "disable"])
      expect(results[3]!.stdout).toMatch(new RegExp(`^\\s+${sub}\\b`, "m"))
  })
})

describe("scale", () => {
  let before: Array<string>
  let bulk: Array<string>

  test("trigger list - stays exact and sorted with 2,000 triggers, more than one reply can hold", async () => {
    before = await names()
    bulk = Array.from({ length: 2_000 }, (_, i) => `bulk-${String((i * 7919) % 2_000).padStart(4, "0")}`)
    for (let i = 0; i < bulk.length; i += 200) {
      const replies = await Promise.all(
        bulk
          .slice(i, i + 200)
          .map((name, n) =>
            raw(
              "dagnats.triggers.create",
              n % 2 === 0
                ? { name, workflow: "bulk", type: "webhook", secrets: ["bulk-secret"] }
                : { name, workflow: "bulk", type: "event", subject: `event.bulk.${name}` },
            ),
          ),
      )
      for (const r of replies) expect(r.code).toBeUndefined()
    }
    const r = await cli(["trigger", "list", "--json"])
    expectExit(r, 0)
    expect(r.stdout.length).toBeGreaterThan(MAX_PAYLOAD_BYTES)
    const listed = JSON.parse(r.stdout)
    expect(Object.keys(listed)).toEqual(["triggers"])
    const got: Array<string> = listed.triggers.map((t: { name: string }) => t.name)
    expect(got.filter((n) => n.startsWith("bulk-"))).toHaveLength(2_000)
    expect(got).toEqual([...before, ...bulk].sort())
    expect(r.stdout).not.toContain("bulk-secret")
  })

  test("micro - list pages with limit and after; next is the cursor while more remain", async () => {
    const all = [...before, ...bulk].sort()
    const first = await raw("dagnats.triggers.list", { limit: 3 })
    expect(first.body.triggers.map((t: { name: string }) => t.name)).toEqual(all.slice(0, 3))
    expect(first.body.next).toBe(all[2])
    const seen: Array<string> = []
    let after: string | undefined
    do {
      const page = await raw("dagnats.triggers.list", { limit: 1_000, ...(after !== undefined ? { after } : {}) })
      expect(page.code).toBeUndefined()
      seen.push(...page.body.triggers.map((t: { name: string }) => t.name))
      after = page.body.next
    } while (after !== undefined)
    expect(seen).toEqual(all)
    expect(await raw("dagnats.triggers.list", { limit: 0 })).toEqual({
      code: "400",
      error: "limit: must be a whole number from 1 to 1000",
      body: { error: { code: "invalid", message: "limit: must be a whole number from 1 to 1000" } },
    })
  })

  test("micro - triggers.list without limit, over more triggers than one reply can hold: those that fit, in order, truncated:true and next; serve keeps serving", async () => {
    const all = [...before, ...bulk].sort()
    const msg = await stack.raw.nc.request("dagnats.triggers.list", "{}", { timeout: 10_000 })
    expect(msg.headers?.get("Nats-Service-Error-Code") ?? "").toBe("")
    expect(msg.data.length).toBeLessThanOrEqual(MAX_PAYLOAD_BYTES)
    const body = msg.json<{ triggers: Array<{ name: string }>; truncated?: boolean; next?: string }>()
    const got = body.triggers.map((t) => t.name)
    expect(got.length).toBeLessThan(all.length)
    expect(got).toEqual(all.slice(0, got.length))
    expect([body.truncated, body.next]).toEqual([true, got.at(-1)])
    const rest = await raw("dagnats.triggers.list", { after: body.next })
    expect(rest.body.triggers[0].name).toBe(all[got.length])
    expect(stack.serve.child.exitCode).toBeNull()
    expect((await raw("dagnats.triggers.get", { name: "bulk-0000" })).body.name).toBe("bulk-0000")
  })
})

describe("several serve processes", () => {
  let second: ServeProcess
  let created: Map<string, number>
  /** How many triggers were stored when the second serve started, "kept" among them. */
  let stored: number

  beforeAll(async () => {
    expect((await raw("dagnats.triggers.create", { name: "kept", workflow: "kept-wf", type: "webhook" })).code).toBe(
      undefined,
    )
    const before = await names()
    expect(before).toContain("kept")
    stored = before.length
    created = new Map(
      (
        await Promise.all(
          [
            "EVENTS",
            "WORKFLOW_HISTORY",
            "TRIGGER_HISTORY",
            "DAGNATS_TIMERS",
            "DAGNATS_DEAD",
            "DAGNATS_DELIVERIES",
            "KV_dagnats_triggers",
          ].map((s) => stack.raw.jsm.streams.info(s)),
        )
      ).map((i: StreamInfo) => [i.config.name, Date.parse(i.created)]),
    )
    second = await startServe({ natsUrl: stack.url })
  })

  afterAll(async () => {
    await second?.kill()
  })

  test("serve - a second start reuses every stream and bucket and keeps the triggers", async () => {
    for (const [name, at] of created) expect(Date.parse((await stack.raw.jsm.streams.info(name)).created)).toBe(at)
    expect((await stack.raw.jsm.streams.info("EVENTS")).config.max_age).toBe(14 * DAY_NS)
    expect(second.log()).toContain(`trigger table loaded: ${stored} triggers`)
    expect(await view("kept")).toMatchObject({ name: "kept", workflow: "kept-wf", type: "webhook" })
  })

  test("serve - two instances both answer in queue group dagnats, and a create through either is listed by both", async () => {
    const pings: Array<any> = []
    for await (const m of await stack.raw.nc.requestMany("$SRV.PING.dagnats", "", {
      strategy: "count",
      maxMessages: 2,
      maxWait: 10_000,
    }))
      pings.push(m.json())
    expect(pings).toHaveLength(2)
    expect(new Set(pings.map((p) => p.id)).size).toBe(2)

    // 40 creates and 40 lists over the queue group: both instances serve some, and every list
    // that follows a create sees it, whichever instance answered the create or the list.
    for (let i = 0; i < 40; i++) {
      const name = `qg-${i}`
      expect((await raw("dagnats.triggers.create", { name, workflow: "w", type: "webhook" })).code).toBeUndefined()
      const listed = (await raw("dagnats.triggers.list", { after: "qg-", limit: 100 })).body.triggers.map(
        (t: { name: string }) => t.name,
      )
      expect(listed).toContain(name)
    }
    const stats: Array<any> = []
    for await (const m of await stack.raw.nc.requestMany("$SRV.STATS.dagnats", "", {
      strategy: "count",
      maxMessages: 2,
      maxWait: 10_000,
    }))
      stats.push(m.json())
    const served = stats.map(
      (s) => s.endpoints.find((e: { subject: string }) => e.subject === "dagnats.triggers.list").num_requests,
    )
    expect(served).toHaveLength(2)
    for (const n of served) expect(n).toBeGreaterThan(0)
  })

  test("serve - SIGTERM stops serve with exit code 0 and the other instance keeps answering", async () => {
    expect(await second.stop()).toBe(0)
    expect(second.log()).toContain("SIGTERM received: stopping")
    expect((await names()).filter((n) => n.startsWith("qg-"))).toHaveLength(40)
  })
})

describe("without a service", () => {
  let bare: TestNatsServer
  beforeAll(async () => {
    bare = await startNatsServer()
  })
  afterAll(async () => {
    await bare?.dispose()
  })

  test("cli - NATS unreachable exits 3 with the hint to run dagnats serve", async () => {
    const url = `nats://127.0.0.1:${await freePort()}`
    for (const r of await Promise.all([
      runCli(["trigger", "list", "--nats-url", url]),
      runCli(["services", "--json"], { env: { NATS_URL: url } }),
    ])) {
      expectExit(r, 3)
      expect(r.stdout).toBe("")
      expect(r.stderr).toContain(`dagnats: cannot connect to NATS at ${url}`)
      expect(r.stderr).toContain(HINT)
    }
  })

  test("cli - NATS up but no serve exits 3 with the hint", async () => {
    const r = await runCli(["trigger", "create", "x", "--workflow", "w", "--webhook", "--json"], {
      env: { NATS_URL: bare.url },
    })
    expectExit(r, 3)
    expect(r.stdout).toBe("")
    expect(r.stderr).toBe(`dagnats: no dagnats service answers on dagnats.triggers.create\n${HINT}\n`)
  })

  test("serve - a pre-existing EVENTS stream with other subjects stops serve non-zero naming the stream, unchanged", async () => {
    const bnc = await connect({ servers: bare.url })
    try {
      const bjsm = await jetstreamManager(bnc)
      await bjsm.streams.add({ name: "EVENTS", subjects: ["orders.>"], storage: StorageType.File })
      const r = await runCli(["serve", "--nats-url", bare.url, "--http-addr", `127.0.0.1:${await freePort()}`], {
        env: { DAGNATS_DATA_DIR: mkdtempSync(join(tmpdir(), "dagnats-test-data-")) },
      })
      expect(r.code).not.toBe(0)
      expect(r.stderr).toContain(
        'dagnats: stream EVENTS exists with incompatible settings: subjects ["orders.>"] do not include event.>; fix or remove it (dagnats does not change it)\n',
      )
      expect((await bjsm.streams.info("EVENTS")).config.subjects).toEqual(["orders.>"])
    } finally {
      await bnc.close()
    }
  })

  test("serve - a compatible pre-existing EVENTS stream is reused with the operator's own limits; SIGINT exits 0", async () => {
    const bnc = await connect({ servers: bare.url })
    try {
      const bjsm = await jetstreamManager(bnc)
      await bjsm.streams.delete("EVENTS")
      await bjsm.streams.add({ name: "EVENTS", subjects: ["event.>"], storage: StorageType.File, max_age: DAY_NS })
      const s = await startServe({ natsUrl: bare.url })
      try {
        expect((await bjsm.streams.info("EVENTS")).config.max_age).toBe(DAY_NS)
        expect((await raw("dagnats.triggers.list", {}, bnc)).body).toEqual({ triggers: [] })
      } finally {
        s.child.kill("SIGINT")
        expect(await s.exited()).toBe(0)
        expect(s.log()).toContain("SIGINT received: stopping")
      }
    } finally {
      await bnc.close()
    }
  })
})
