// Proves the console's dead-letter page and live run statuses in a real headless Chromium, against a real
// serve and NATS (with the engine's streams): a real dead letter (an event given up on after 10 failed
// deliveries) is listed, Inspect shows its event and error, and Replay (a POST carrying the page's CSRF
// token) replays it into a run and removes it; a run shown pending on the runs page and on its own page
// turns completed, without a reload, once the engine stand-in writes its workflow.completed.
import { describe, expect, test } from "vitest"
import { e2eStack } from "../support/e2e-stack.js"
import { testBrowser } from "../support/browser.js"
import { eventually } from "../support/poll.js"
import { publishLifecycle } from "../support/engine-fixture.js"
import { createTrigger } from "./windows-support.js"

// Short NAK delays so the ten deliveries before a dead letter take seconds, not minutes.
const stack = e2eStack({ engine: true, serve: { env: { DAGNATS_RETRY_DELAY: "20ms" } } })
const browser = testBrowser()

const consoleUrl = () => {
  const url = stack.serve.consoleUrl
  if (url === undefined) throw new Error(`serve did not log its console address:\n${stack.serve.log()}`)
  return url
}

type Dead = { dead: Array<{ subject: string; seq: number; error: string; at: string }> }
type Runs = { runs: Array<{ run_id: string; status: string; input?: unknown }> }

/** A payload whose run record (payload plus the record's fields) exceeds the 2 MB max_payload. */
const tooLargeForARun = () => ({ t: "x".repeat(2 * 1024 * 1024 - 200) })

/** The page's globals, reached through globalThis (the test's tsconfig has no DOM types). */
type Marked = { mark?: number }

describe("console in a browser - dead letters and live runs", () => {
  test("console - a real dead letter is listed on the dead letters page, Inspect shows its event and error, and Replay (POST with the CSRF token) fires it into one run and removes it", async () => {
    await createTrigger(stack.url, "dl-huge", "event.dlhuge", [])
    const body = new TextEncoder().encode(JSON.stringify(tooLargeForARun()))
    const seq = (await stack.raw.js.publish("event.dlhuge", body, { msgID: "dl-huge-1" })).seq
    const [letter] = await eventually(
      async () => {
        const r = await stack.raw.request<Dead>("dagnats.events.dead", {})
        expect(r.dead).toHaveLength(1)
        return r.dead
      },
      60_000,
      250,
    )
    expect([letter!.subject, letter!.seq, letter!.error]).toEqual([
      "event.dlhuge",
      seq,
      expect.stringMatching(/^gave up after 10 deliveries: /),
    ])

    const page = await browser.context.newPage()
    await page.goto(`${consoleUrl()}/#/dead`)
    const row = page.locator("tbody tr", { hasText: "event.dlhuge" })
    await row.waitFor()
    const cells = await row.locator("td").allTextContents()
    expect(cells.slice(0, 3)).toEqual(["event.dlhuge", String(seq), letter!.error])
    const detail = row.locator("pre")
    expect(await detail.isVisible()).toBe(false)
    await row.getByRole("button", { name: "Inspect" }).click()
    await detail.waitFor({ state: "visible" })
    expect(JSON.parse((await detail.textContent())!)).toEqual(letter)

    // Now the trigger's run input is a small value: the event evaluates cleanly, so its replay fires.
    await stack.raw.request("dagnats.triggers.update", { name: "dl-huge", input: '{"small": true}' })
    const csrf = await page.locator('meta[name="dagnats-csrf"]').getAttribute("content")
    await page.getByLabel("Replay dead letters of trigger").fill("dl-huge")
    const [request] = await Promise.all([
      page.waitForRequest((r) => r.url().endsWith("/api/dead/replay")),
      page.getByRole("button", { name: "Replay" }).click(),
    ])
    expect([request.method(), request.headers()["x-dagnats-csrf"], request.postDataJSON()]).toEqual([
      "POST",
      csrf,
      { trigger: "dl-huge" },
    ])
    const out = page.locator("main > div pre")
    await out.waitFor()
    const reply = JSON.parse((await out.textContent())!)
    const runs = (await stack.raw.request<Runs>("dagnats.runs.list", { trigger: "dl-huge" })).runs
    expect(runs.map((r) => r.input)).toEqual([{ small: true }])
    expect(reply).toEqual({ evaluated: 1, fired: 1, existing: 0, skipped: 0, runs: [runs[0]!.run_id], removed: 1 })
    expect((await stack.raw.request<Dead>("dagnats.events.dead", {})).dead).toEqual([])
    await page.reload()
    await page.getByText("No dead letters.").waitFor()
    await page.close()
  })

  test("console - a run shown pending on the runs page and on its own page turns completed on both, without a reload, once the engine writes workflow.completed", async () => {
    await stack.cli("trigger", "create", "live-run", "--webhook", "--no-verify", "--workflow", "wf-live-run")
    const r = await fetch(`${stack.serve.baseUrl}/v1/webhooks/live-run`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ n: 1 }),
    })
    expect(r.status).toBe(202)
    const [run] = await eventually(async () => {
      const list = (await stack.raw.request<Runs>("dagnats.runs.list", { trigger: "live-run" })).runs
      expect(list.map((x) => x.status)).toEqual(["pending"])
      return list
    })
    const badge = `[data-run-status="${run!.run_id}"]`
    const list = await browser.context.newPage()
    await list.goto(`${consoleUrl()}/#/runs?trigger=live-run`)
    const one = await browser.context.newPage()
    await one.goto(`${consoleUrl()}/#/runs/${run!.run_id}`)
    for (const page of [list, one]) {
      await page.locator(badge, { hasText: "pending" }).waitFor()
      // A reload would lose this mark: it proves the status came over the live stream.
      await page.evaluate(() => ((globalThis as unknown as Marked).mark = 1))
    }
    await publishLifecycle(stack.raw.js, run!.run_id, "workflow.completed", { output: { ok: true } })
    for (const page of [list, one]) {
      await page.locator(badge, { hasText: "completed" }).waitFor({ timeout: 10_000 })
      expect(await page.locator(badge).getAttribute("class")).toBe("badge ok")
      expect(await page.evaluate(() => (globalThis as unknown as Marked).mark)).toBe(1)
      await page.close()
    }
  })
})
