// Proves the console's access rules with a real serve and Chromium: on an address that is not loopback
// serve refuses to start without DAGNATS_CONSOLE_TOKEN; with it, every request without the token is
// 401, the bearer header and the login form's cookie (HttpOnly, SameSite=Strict) let one in, and a
// wrong token does not. A console address that is taken ends serve with one line saying what to do.
import { createServer, type Server } from "node:net"
import { afterAll, beforeAll, describe, expect, test } from "vitest"
import { e2eStack } from "../support/e2e-stack.js"
import { testBrowser } from "../support/browser.js"
import { runCli } from "../support/cli.js"

const TOKEN = "correct-horse-battery-staple-42"
const stack = e2eStack({ serve: { consoleAddr: "0.0.0.0:0", env: { DAGNATS_CONSOLE_TOKEN: TOKEN } } })
const browser = testBrowser()

/** The console reached over loopback, though it listens on every address. */
const consoleUrl = () => `http://127.0.0.1:${stack.serve.consolePort}`

describe("console access", () => {
  test("console token - serve --console-addr 0.0.0.0:0 without DAGNATS_CONSOLE_TOKEN exits 2 with one line naming the variable", async () => {
    const r = await runCli(
      ["serve", "--nats-url", stack.url, "--http-addr", "127.0.0.1:0", "--console-addr", "0.0.0.0:0"],
      { env: { DAGNATS_CONSOLE_TOKEN: undefined } },
    )
    expect([r.code, r.stderr.trimEnd().split("\n").at(-1)]).toEqual([
      2,
      "dagnats: --console-addr: 0.0.0.0:0 is reachable from other machines; set DAGNATS_CONSOLE_TOKEN " +
        "(at least 16 characters) to require it, or use a loopback address such as 127.0.0.1:8081",
    ])
  })

  test("console token - without the token the API answers 401 with WWW-Authenticate and the page answers 401 with the login form", async () => {
    const api = await fetch(`${consoleUrl()}/api/triggers`)
    expect([api.status, api.headers.get("www-authenticate"), await api.json()]).toEqual([
      401,
      'Bearer realm="dagnats console"',
      { error: { message: "token required" } },
    ])
    const page = await fetch(`${consoleUrl()}/`, { headers: { accept: "text/html" } })
    expect(page.status).toBe(401)
    expect(await page.text()).toContain('<form method="post" action="/login">')
    const wrong = await fetch(`${consoleUrl()}/api/triggers`, { headers: { authorization: "Bearer not-the-token" } })
    expect(wrong.status).toBe(401)
  })

  test("console token - Authorization: Bearer with the token reads the API (200, the triggers the CLI created)", async () => {
    await stack.cli("trigger", "create", "bearer-seen", "--webhook", "--no-verify", "--workflow", "wf")
    const r = await fetch(`${consoleUrl()}/api/triggers`, { headers: { authorization: `Bearer ${TOKEN}` } })
    expect(r.status).toBe(200)
    const names = ((await r.json()) as { triggers: Array<{ name: string }> }).triggers.map((t) => t.name)
    expect(names).toContain("bearer-seen")
  })

  test("console token - a POST with the bearer token needs no CSRF token (a script's); with only a foreign Origin and no token it is 401", async () => {
    await stack.cli("trigger", "create", "bearer-off", "--webhook", "--no-verify", "--workflow", "wf")
    const url = `${consoleUrl()}/api/triggers/bearer-off/disable`
    const anonymous = await fetch(url, { method: "POST", headers: { origin: "http://evil.example" }, body: "{}" })
    expect(anonymous.status).toBe(401)
    const r = await fetch(url, { method: "POST", headers: { authorization: `Bearer ${TOKEN}` }, body: "{}" })
    expect([r.status, ((await r.json()) as { enabled: boolean }).enabled]).toEqual([200, false])
    expect((await stack.cli<{ enabled: boolean }>("trigger", "get", "bearer-off")).enabled).toBe(false)
  })

  test("console token - the login form with a wrong token stays 401; with the token it sets an HttpOnly SameSite=Strict cookie and the pages load", async () => {
    await stack.cli("trigger", "create", "cookie-seen", "--webhook", "--no-verify", "--workflow", "wf")
    const page = await browser.context.newPage()
    await page.goto(`${consoleUrl()}/`)
    await page.getByLabel("Console token").fill("wrong-token-wrong-token")
    const refused = page.waitForResponse((r) => r.url().endsWith("/login"))
    await page.getByRole("button", { name: "Log in" }).click()
    expect((await refused).status()).toBe(401)
    await page.getByRole("alert").filter({ hasText: "wrong token" }).waitFor()
    await page.getByLabel("Console token").fill(TOKEN)
    await page.getByRole("button", { name: "Log in" }).click()
    await page.getByRole("heading", { level: 1, name: "Overview" }).waitFor()
    await page.goto(`${consoleUrl()}/#/triggers`)
    await page.locator('[data-trigger="cookie-seen"]').waitFor()
    const login = (await browser.context.cookies()).find((c) => c.name === "dagnats_login")
    expect(login).toMatchObject({ httpOnly: true, sameSite: "Strict", path: "/" })
    expect(login!.value).not.toContain(TOKEN)
    await page.close()
  })
})

describe("console address", () => {
  let holder: Server
  let taken = 0
  beforeAll(async () => {
    holder = createServer()
    await new Promise<void>((resolve) => holder.listen(0, "127.0.0.1", () => resolve()))
    taken = (holder.address() as { port: number }).port
  })
  afterAll(() => new Promise<void>((resolve) => holder.close(() => resolve())))

  test("console address - a taken --console-addr exits 1 with one line saying to choose another", async () => {
    const r = await runCli([
      "serve",
      "--nats-url",
      stack.url,
      "--http-addr",
      "127.0.0.1:0",
      "--console-addr",
      `127.0.0.1:${taken}`,
    ])
    expect([r.code, r.stderr.trimEnd().split("\n").at(-1)]).toEqual([
      1,
      `dagnats: cannot listen on 127.0.0.1:${taken} for the console: the address is in use; ` +
        "choose another with --console-addr or DAGNATS_CONSOLE_ADDR (empty for no console)",
    ])
  })
})
