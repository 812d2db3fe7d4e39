// Proves the shipped nats.conf lets serve's console do its work as the `dagnats` user: it reads through
// the micro endpoints and $SRV.PING (overview, triggers) and receives delivery records live, with the
// permissions as shipped (a missing one would be a 502/504 or no live event, not a crash).
import { afterAll, beforeAll, describe, expect, test } from "vitest"
import { cliAuth, startShippedStack, type ShippedStack } from "../support/conf.js"
import { runJson } from "../support/cli.js"

let stack: ShippedStack

beforeAll(async () => {
  stack = await startShippedStack()
})

afterAll(async () => {
  await stack?.close()
})

const consoleUrl = () => `http://127.0.0.1:${stack.serve.consolePort}`

describe("console on the shipped nats.conf", () => {
  test("nats.conf console - as user dagnats the console answers overview (one serve instance) and triggers (the CLI's trigger), 200", async () => {
    await runJson([
      "trigger",
      "create",
      "conf-console",
      "--webhook",
      "--no-verify",
      "--workflow",
      "wf",
      "--nats-url",
      stack.nats.url,
      ...cliAuth("cli"),
    ])
    const overview = await fetch(`${consoleUrl()}/api/overview`)
    const o = (await overview.json()) as { instances: Array<unknown>; nats: { connected: boolean } }
    expect([overview.status, o.instances.length, o.nats.connected]).toEqual([200, 1, true])
    const triggers = await fetch(`${consoleUrl()}/api/triggers`)
    const t = (await triggers.json()) as { triggers: Array<{ name: string }> }
    expect([triggers.status, t.triggers.map((x) => x.name)]).toEqual([200, ["conf-console"]])
  })

  test("nats.conf console - a webhook's delivery arrives on the console's live stream as user dagnats", async () => {
    const live = await fetch(`${consoleUrl()}/api/live`)
    expect(live.status).toBe(200)
    const reader = live.body!.getReader()
    const decoder = new TextDecoder()
    let text = ""
    // The stream's first line says it is open: the subscription exists before the webhook is sent.
    while (!text.includes(": live")) text += decoder.decode((await reader.read()).value)
    const sent = await fetch(`${stack.serve.baseUrl}/v1/webhooks/conf-console`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    })
    const id = ((await sent.json()) as { delivery_id: string }).delivery_id
    while (!text.includes(id)) text += decoder.decode((await reader.read()).value)
    await reader.cancel()
    const event = /event: delivery\ndata: (.*)\n/.exec(text.slice(text.indexOf("event: delivery")))
    expect(JSON.parse(event![1]!)).toMatchObject({ id, trigger: "conf-console", response: { status: 202 } })
  })
})
