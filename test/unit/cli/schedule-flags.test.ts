// Proves the schedule flags of `trigger create|update`: `--cron` makes a schedule (with its zone and catch-up), is refused beside --webhook or --subject, and an update with --cron patches only the expression.
import { describe, expect, test } from "vitest"
import { Option } from "effect"
import { createDefinition, updatePatch, type TriggerFlags } from "../../../src/cli/trigger-flags.js"

const none = Option.none<string>()
const flags = (over: Partial<TriggerFlags> = {}): TriggerFlags => ({
  workflow: Option.some("report"),
  webhook: false,
  subject: none,
  secret: [],
  secretFile: [],
  scheme: none,
  verify: Option.none(),
  tolerance: none,
  filterField: [],
  filterValue: [],
  filterHeader: [],
  noFilters: false,
  debounce: none,
  debounceTimeout: none,
  debounceKey: none,
  batchSize: Option.none(),
  batchTimeout: none,
  batchKey: none,
  noDebounce: false,
  noBatch: false,
  disabled: false,
  ...over,
})

describe("schedule CLI flags", () => {
  test("schedule flags - --cron makes a schedule trigger with the zone and catch-up given", () => {
    const r = createDefinition(
      "nightly",
      flags({ cron: Option.some("0 2 * * *"), timezone: Option.some("Europe/Berlin"), catchUp: Option.some("all") }),
    )
    expect(r).toStrictEqual({
      ok: true,
      value: {
        name: "nightly",
        type: "schedule",
        workflow: "report",
        cron: "0 2 * * *",
        timezone: "Europe/Berlin",
        catch_up: "all",
      },
    })
  })

  test("schedule flags - --cron with --webhook or --subject, and --timezone without --cron, are usage errors", () => {
    expect(createDefinition("x", flags({ cron: Option.some("0 2 * * *"), webhook: true }))).toStrictEqual({
      ok: false,
      message: "cron: a --cron trigger is a schedule; give one of --webhook, --subject or --cron",
    })
    expect(
      createDefinition("x", flags({ subject: Option.some("event.x"), timezone: Option.some("UTC") })),
    ).toStrictEqual({
      ok: false,
      message: "--timezone and --catch-up need --cron",
    })
  })

  test("schedule flags - update with --cron patches only the expression", () => {
    expect(updatePatch("nightly", flags({ workflow: none, cron: Option.some("*/5 * * * *") }))).toStrictEqual({
      ok: true,
      value: { name: "nightly", cron: "*/5 * * * *" },
    })
  })
})
