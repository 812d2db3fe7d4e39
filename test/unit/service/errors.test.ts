// Proves toMicroError is the one mapping from dagnats conditions to a micro error code and JSON body:
// each tagged error, a request that is not JSON, and a defect no handler expected.
import { describe, expect, test } from "vitest"
import { Cause } from "effect"
import { Conflict, Internal, InvalidInput, NotFound, Unavailable } from "../../../src/domain/errors.js"
import { causeToMicroError, invalidJsonRequest, toMicroError } from "../../../src/service/errors.js"

describe("toMicroError", () => {
  test("NotFound maps to 404 not_found naming the resource", () => {
    expect(toMicroError(new NotFound({ kind: "trigger", name: "x" }))).toEqual({
      code: 404,
      body: { error: { code: "not_found", message: 'trigger "x" not found' } },
    })
  })

  test.each([
    [new InvalidInput({ message: "m" }), 400, "invalid"],
    [new Conflict({ message: "m" }), 409, "conflict"],
    [new Unavailable({ message: "m" }), 503, "unavailable"],
    [new Internal({ message: "m" }), 500, "internal"],
  ])("%o maps to its code and body code name", (e, code, name) => {
    expect(toMicroError(e)).toEqual({ code, body: { error: { code: name, message: "m" } } })
  })

  test("a request body that is not JSON is 400 invalid", () => {
    expect(invalidJsonRequest()).toEqual({
      code: 400,
      body: { error: { code: "invalid", message: "request body is not valid JSON" } },
    })
  })

  test("a handler failure keeps its tagged error; a defect is 500 pointing at the log", () => {
    expect(causeToMicroError(Cause.fail(new Conflict({ message: "no x" })))).toEqual({
      code: 409,
      body: { error: { code: "conflict", message: "no x" } },
      unexpected: false,
    })
    expect(causeToMicroError(Cause.die(new Error("boom")))).toEqual({
      code: 500,
      body: { error: { code: "internal", message: "internal error; see the serve log" } },
      unexpected: true,
    })
  })
})
