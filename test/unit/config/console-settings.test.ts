// Proves the console's address and token rules: the default 127.0.0.1:8081, the flag over the variable,
// empty disabling it, loopback open, any other address only with DAGNATS_CONSOLE_TOKEN, a short token refused.
import { describe, expect, test } from "vitest"
import { consoleSettings, isLoopback } from "../../../src/config/console-settings.js"

const TOKEN = "0123456789abcdef"

describe("console settings", () => {
  test("console settings - default 127.0.0.1:8081 with no token; the flag wins over DAGNATS_CONSOLE_ADDR", () => {
    expect(consoleSettings(undefined, {})).toEqual({ host: "127.0.0.1", port: 8081, token: undefined })
    expect(consoleSettings(undefined, { DAGNATS_CONSOLE_ADDR: "127.0.0.1:9000" })).toMatchObject({ port: 9000 })
    expect(consoleSettings("127.0.0.1:9001", { DAGNATS_CONSOLE_ADDR: "127.0.0.1:9000" })).toMatchObject({
      port: 9001,
    })
  })

  test("console settings - an empty flag or an empty DAGNATS_CONSOLE_ADDR disables the console", () => {
    expect(consoleSettings("", { DAGNATS_CONSOLE_ADDR: "127.0.0.1:9000" })).toBeUndefined()
    expect(consoleSettings(undefined, { DAGNATS_CONSOLE_ADDR: "" })).toBeUndefined()
  })

  test("console settings - an address that is not loopback needs DAGNATS_CONSOLE_TOKEN, then keeps it", () => {
    expect(consoleSettings("0.0.0.0:8081", {})).toBe(
      "--console-addr: 0.0.0.0:8081 is reachable from other machines; set DAGNATS_CONSOLE_TOKEN " +
        "(at least 16 characters) to require it, or use a loopback address such as 127.0.0.1:8081",
    )
    expect(consoleSettings(undefined, { DAGNATS_CONSOLE_ADDR: ":8081" })).toMatch(/^DAGNATS_CONSOLE_ADDR: :8081 is/)
    expect(consoleSettings("10.0.0.5:8081", { DAGNATS_CONSOLE_TOKEN: TOKEN })).toEqual({
      host: "10.0.0.5",
      port: 8081,
      token: TOKEN,
    })
  })

  test("console settings - a token shorter than 16 characters and a malformed address are refused naming the setting", () => {
    expect(consoleSettings(undefined, { DAGNATS_CONSOLE_TOKEN: "short" })).toBe(
      "DAGNATS_CONSOLE_TOKEN: must be at least 16 characters (got 5)",
    )
    expect(consoleSettings("8081", {})).toBe(
      '--console-addr: must be host:port, such as 127.0.0.1:8081, or empty for no console (got "8081")',
    )
  })

  test("console settings - loopback is 127.0.0.0/8, ::1 and localhost; 0.0.0.0, :: and other hosts are not", () => {
    expect(["127.0.0.1", "127.1.2.3", "::1", "localhost"].map(isLoopback)).toEqual([true, true, true, true])
    expect(["0.0.0.0", "::", "10.0.0.1", "example.com", "127.0.0.1.example.com"].map(isLoopback)).toEqual([
      false,
      false,
      false,
      false,
      false,
    ])
  })
})
