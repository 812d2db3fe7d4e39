// Proves toExitCode is the one mapping from how a command ended to its exit code and stderr line:
// chosen codes are kept, usage errors effect/cli already printed stay quiet, anything else is one line, exit 1.
import { describe, expect, test } from "vitest"
import { Cause, Data } from "effect"
import { CliError } from "effect/cli"
import { CliExit, ExitCode, toExitCode } from "../../../src/cli/exit.js"
import { ExitError, exitForError } from "../../../src/cli/exit-codes.js"

class Surprise extends Data.TaggedError("Surprise")<{ readonly message: string }> {}

describe("toExitCode", () => {
  test("a CliExit keeps its code and prints its message on one line", () => {
    const out = toExitCode(Cause.fail(new CliExit({ code: ExitCode.unreachable, message: "no NATS" })))
    expect(out).toEqual({ code: 3, line: "dagnats: no NATS" })
  })

  test("an ExitError from the plain-promise helpers keeps its code", () => {
    expect(toExitCode(Cause.fail(new ExitError(ExitCode.usage, "bad subject")))).toEqual({
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
  test("a thrown non-ExitError exits 1 with one line", () => {
    expect(exitForError(new TypeError("x is undefined"))).toEqual({
      code: 1,
      line: "dagnats: unexpected failure: x is undefined",
    })
  })
})
