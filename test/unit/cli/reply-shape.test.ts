// Proves how the CLI decodes service replies: each shape accepts what the service sends (extra fields
// passing through), and a reply of another shape is refused with the path of the first wrong field.
import { describe, expect, test } from "vitest"
import { ExitError } from "../../../src/cli/exit-codes.js"
import {
  ShapeMismatch,
  array,
  count,
  fitShape,
  literal,
  nullable,
  oneOf,
  string,
  struct,
  tryShape,
} from "../../../src/cli/reply-shape.js"
import { Run, Trigger, decodeReply, triggerPage } from "../../../src/cli/replies.js"

const refusal = (subject: string, shape: Parameters<typeof decodeReply>[1], value: unknown) => {
  try {
    decodeReply(subject, shape, value)
  } catch (e) {
    return e instanceof ExitError ? { condition: e.condition, message: e.message } : e
  }
  return "decoded"
}

const trigger = {
  name: "t",
  type: "schedule",
  workflow: "wf",
  cron: "0 2 * * *",
  revision: 3,
  created_at: "2026-01-01T00:00:00Z",
  updated_at: "2026-01-01T00:00:00Z",
  added_by_a_newer_serve: { anything: true },
}

describe("reply shapes", () => {
  test("reply shape - a reply that fits is returned as sent, fields the CLI does not read included", () => {
    expect(decodeReply("s", Trigger, trigger)).toBe(trigger)
    const page = { triggers: [trigger], next: "t" }
    expect(decodeReply("s", triggerPage(500), page)).toStrictEqual(page)
  })

  test("reply shape - the first wrong field is named by its path, with what was expected and what came", () => {
    const run = { run_id: "r", workflow: "w", status: "pending", trigger: { name: null, type: "manual" } }
    expect(
      refusal("dagnats.runs.get", Run, { ...run, event: { subject: "e", seq: 1.5 }, created_at: "t" }),
    ).toStrictEqual({
      condition: "refused",
      message:
        "the service's reply to dagnats.runs.get is not one this dagnats understands: " +
        "event.seq: expected a whole number, got the number 1.5 (is serve another dagnats version?)",
    })
    expect(refusal("x", Run, { ...run, event: null })).toMatchObject({
      message: expect.stringContaining(": created_at: missing ("),
    })
    expect(refusal("x", Run, "text")).toMatchObject({
      message: expect.stringContaining(': the reply: expected an object, got the string "text" ('),
    })
  })

  test("reply shape - an optional field may be absent but, when present, must have its shape (null is not absent)", () => {
    const shape = struct({ a: string }, { b: count })
    expect(tryShape(shape, { a: "x" })).toStrictEqual({ a: "x" })
    expect(() => shape({ a: "x", b: null }, "")).toThrow("b: expected a whole number, got null")
    expect(tryShape(struct({ a: nullable(string) }), { a: null })).toStrictEqual({ a: null })
  })

  test("reply shape - arrays name the item and refuse more items than the request asked for", () => {
    expect(() => array(string)(["a", 1], "xs")).toThrow("xs[1]: expected a string, got the number 1")
    expect(() => triggerPage(2)({ triggers: [trigger, trigger, trigger] }, "")).toThrow(
      "triggers: expected at most 2 items, got 3",
    )
  })

  test("reply shape - a long or hostile string in a message is cut and its control characters escaped", () => {
    expect(() => literal("ok")("\u001b[2J" + "x".repeat(60), "state")).toThrow(
      `state: expected "ok", got the string "\\x1b[2J${"x".repeat(35)}…"`,
    )
  })

  test("reply shape - oneOf takes the first form that fits, else names the forms it accepts", () => {
    const shape = oneOf<{ readonly a: string } | { readonly b: string }>(
      "{a} or {b}",
      struct({ a: string }),
      struct({ b: string }),
    )
    expect(shape({ b: "y" }, "f")).toStrictEqual({ b: "y" })
    expect(() => shape({ c: 1 }, "f")).toThrow("f: expected {a} or {b}, got an object")
  })
  test("reply shape - fitShape gives the value that fits, or the ShapeMismatch naming the first wrong field", () => {
    const shape = struct({ items: array(struct({ name: string })) })
    expect(fitShape(shape, { items: [{ name: "a" }] })).toStrictEqual({ items: [{ name: "a" }] })
    const mismatch = fitShape(shape, { items: [{ name: "a" }, { name: 2 }] })
    expect(mismatch).toBeInstanceOf(ShapeMismatch)
    expect((mismatch as ShapeMismatch).path).toBe("items[1].name")
  })

  test("reply shape - fitShape lets a throw that is not a ShapeMismatch (a bug in a shape) through", () => {
    const broken = () => {
      throw new TypeError("bug")
    }
    expect(() => fitShape(broken, {})).toThrow(TypeError)
  })
})
