import { describe, expect, it } from "vitest"
import { headers as natsHeaders, type MsgHdrs, type MsgHdrsImpl } from "@nats-io/nats-core"
import { headerBuilder } from "../../../src/nats/headers.js"

type Step = readonly ["append" | "set", string, string]

const both = (steps: ReadonlyArray<Step>): readonly [MsgHdrs, MsgHdrs] => {
  const slow = natsHeaders()
  const fast = headerBuilder()
  for (const [op, name, value] of steps) {
    slow[op](name, value)
    fast[op](name, value)
  }
  return [slow, fast.headers]
}

const cases: ReadonlyArray<readonly [string, ReadonlyArray<Step>]> = [
  ["no headers", []],
  [
    "an event's headers: appended repeats kept, then dagnats' own set",
    [
      ["append", "host", "127.0.0.1:8080"],
      ["append", "x-seen", "one"],
      ["append", "x-seen", "two"],
      ["append", "User-Agent", "curl/8"],
      ["set", "Content-Type", "application/json"],
      ["set", "Nats-Msg-Id", "bench:01KB"],
    ],
  ],
  [
    "set replaces every value of the same name and moves it last",
    [
      ["append", "Nats-Msg-Id", "client-sent"],
      ["append", "Nats-Msg-Id", "again"],
      ["append", "x-after", "1"],
      ["set", "Nats-Msg-Id", "ours"],
    ],
  ],
  [
    "names differing in case stay apart",
    [
      ["append", "x-a", "1"],
      ["append", "X-A", "2"],
      ["set", "x-a", "3"],
    ],
  ],
  [
    "values are trimmed as nats.js trims them",
    [
      ["append", "x-pad", "  v  "],
      ["set", "x-tab", "\tw\t"],
    ],
  ],
  ["UTF-8 values encode to the same bytes", [["append", "x-name", "Zoë ✓"]]],
]

describe("headerBuilder", () => {
  for (const [title, steps] of cases) {
    it(`gives the same names, values, text and bytes as nats.js's append and set: ${title}`, () => {
      const [slow, fast] = both(steps)
      expect(fast.toString()).toBe(slow.toString())
      // What nats.js publishes: the encoded bytes.
      const bytes = (h: MsgHdrs) => Buffer.from((h as MsgHdrsImpl).encode())
      expect(bytes(fast).equals(bytes(slow))).toBe(true)
      expect(fast.keys()).toEqual(slow.keys())
      for (const k of slow.keys()) expect(fast.values(k)).toEqual(slow.values(k))
    })
  }

  it("refuses a name NATS cannot carry with nats.js's own error", () => {
    for (const name of ["bad name", "colon:name", "tab\tname", "é"]) {
      const slow = (() => {
        try {
          natsHeaders().append(name, "v")
          return "accepted"
        } catch (e) {
          return (e as Error).message
        }
      })()
      expect(slow).not.toBe("accepted")
      expect(() => headerBuilder().append(name, "v")).toThrow(slow)
      expect(() => headerBuilder().set(name, "v")).toThrow(slow)
    }
  })

  it("refuses a value with CR or LF with nats.js's own error", () => {
    expect(() => natsHeaders().append("x", "a\r\nInjected: 1")).toThrow(/cannot contain/)
    expect(() => headerBuilder().append("x", "a\r\nInjected: 1")).toThrow(/cannot contain/)
    expect(() => headerBuilder().set("x", "a\nb")).toThrow(/cannot contain/)
  })
})
