// Proves validation messages are rewritten from trigger field paths to the flags that set them.
import { describe, expect, test } from "vitest"
import { withFlagNames } from "../../../src/cli/flag-names.js"

describe("flag names in messages", () => {
  test("flag names - each field path becomes its flag; repeated flags are numbered from 1", () => {
    expect(withFlagNames("secrets[0]: 1-1024 characters")).toBe("--secret #1: 1-1024 characters")
    expect(withFlagNames("secrets[1]: x")).toBe("--secret #2: x")
    expect(withFlagNames("debounce.period: must be greater than 0")).toBe("--debounce: must be greater than 0")
    expect(withFlagNames("debounce.timeout: t")).toBe("--debounce-timeout: t")
    expect(withFlagNames("batch.max_size: m")).toBe("--batch-size: m")
    expect(withFlagNames("batch.timeout: t")).toBe("--batch-timeout: t")
    expect(withFlagNames("filters[2].field: f")).toBe("--filter-field #3: f")
    expect(withFlagNames("filters[0].header: h")).toBe("--filter-header #1: h")
    expect(withFlagNames("workflow: required")).toBe("--workflow: required")
    expect(withFlagNames("scheme: Expected a")).toBe("--scheme: Expected a")
  })

  test("flag names - every part of a '; '-joined message is rewritten, other text is left alone", () => {
    expect(withFlagNames("workflow: required; debounce.key: must be a dot path such as a.b")).toBe(
      "--workflow: required; --debounce-key: must be a dot path such as a.b",
    )
    expect(withFlagNames('trigger "x" not found')).toBe('trigger "x" not found')
    expect(withFlagNames("unknown_field: unknown field")).toBe("unknown_field: unknown field")
    expect(withFlagNames("see debounce.period: later")).toBe("see debounce.period: later")
  })
})
