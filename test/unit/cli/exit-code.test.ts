// Proves toExitCode is the one mapping from how a command ended to its exit code and stderr line: each typed
// failure gets its condition's code, usage errors effect/cli already printed stay quiet, anything else is one
// line, exit 1.
import { describe, expect, test } from "vitest"
import { Cause, Data } from "effect"
import { CliError } from "effect/cli"
import { Refused, Unreachable, Usage, toExitCode } from "../../../src/cli/exit.js"
import { Internal, Unavailable } from "../../../src/domain/errors.js"
import { ExitError, exitForError } from "../../../src/cli/exit-codes.js"

class Surprise extends Data.TaggedError("Surprise")<{ readonly message: string }> {}

describe("toExitCode", () => {
  test("Usage exits 2, Refused 1, Unreachable 3, each with its message after `dagnats: `", () => {
    expect(toExitCode(Cause.fail(new Usage({ message: "--limit: bad" })))).toEqual({
      code: 2,
      line: "dagnats: --limit: bad",
    })
    expect(toExitCode(Cause.fail(new Refused({ message: "run r1 failed" })))).toEqual({
      code: 1,
      line: "dagnats: run r1 failed",
    })
    expect(toExitCode(Cause.fail(new Unreachable({ message: "no NATS\nhint" })))).toEqual({
      code: 3,
      line: "dagnats: no NATS\nhint",
    })
  })

  test("serve's Unavailable (NATS away) exits 3 and its other failures exit 1, each with its message", () => {
    expect(toExitCode(Cause.fail(new Unavailable({ message: "NATS is away" })))).toEqual({
      code: 3,
      line: "dagnats: NATS is away",
    })
    expect(toExitCode(Cause.fail(new Internal({ message: "listen failed" })))).toEqual({
      code: 1,
      line: "dagnats: listen failed",
    })
  })

  test("an ExitError from the plain-promise helpers exits with its condition's code", () => {
    expect(toExitCode(Cause.fail(new ExitError("usage", "bad subject")))).toEqual({
      code: 2,
      line: "dagnats: bad subject",
    })
  })

  test("an effect/cli parse error exits 2 without a second line (the presenter printed it)", () => {
    const parse = new CliError.UnrecognizedOption({ option: "--nope", suggestions: [] })
    expect(toExitCode(Cause.fail(parse))).toEqual({ code: 2 })
  })

  test("an unknown tagged error exits 1 with one line naming it, not 2 silently", () => {
    expect(toExitCode(Cause.fail(new Surprise({ message: "what\nhappened" })))).toEqual({
      code: 1,
      line: "dagnats: unexpected failure: what happened",
    })
  })

  test("a defect exits 1 with one line", () => {
    const out = toExitCode(Cause.die(new Error("boom")))
    expect(out.code).toBe(1)
    expect(out.line).toMatch(/^dagnats: unexpected failure: .*boom/)
    expect(out.line).not.toContain("\n")
  })
})

describe("exitForError (fast path)", () => {
  test("an unreachable ExitError exits 3 with its message", () => {
    expect(exitForError(new ExitError("unreachable", "cannot connect"))).toEqual({
      code: 3,
      line: "dagnats: cannot connect",
    })
  })

  test("a thrown non-ExitError exits 1 with one line", () => {
    expect(exitForError(new TypeError("x is undefined"))).toEqual({
      code: 1,
      line: "dagnats: unexpected failure: x is undefined",
    })
  })
})
