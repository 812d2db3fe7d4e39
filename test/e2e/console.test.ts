// Proves the console (served by serve on its own loopback listener) in a real headless Chromium, against a
// real serve and NATS: the CLI's triggers appear, a webhook shows on the open deliveries page without a
// reload, its delivery shows the run it started, a disable from the console is what `trigger get` reports,
// payloads and headers are shown as text (nothing in them runs), a cross-site POST changes nothing, the
// triggers list shows each trigger's last delivery and 24 h counts and pages 1,000 triggers, the deliveries
// list pages (10,000 deliveries too), and the main pages work by keyboard alone.
// With DAGNATS_CONSOLE_SCREENSHOTS=DIR set it also writes a screenshot of each page into DIR.
import { mkdirSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, test } from "vitest"
import { e2eStack } from "../support/e2e-stack.js"
import { testBrowser } from "../support/browser.js"
import { eventually } from "../support/poll.js"

const stack = e2eStack()
const browser = testBrowser()

const consoleUrl = () => {
  const url = stack.serve.consoleUrl
  if (url === undefined) throw new Error(`serve did not log its console address:\n${stack.serve.log()}`)
  return url
}

const webhook = async (name: string, body: unknown, headers: Record<string, string> = {}) => {
  const r = await fetch(`${stack.serve.baseUrl}/v1/webhooks/${name}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  })
  expect(r.status).toBe(202)
  return ((await r.json()) as { delivery_id: string }).delivery_id
}

type Listed = { deliveries: Array<{ id: string; received_at: string }> }
/** The trigger's deliveries as the service lists them (newest first), once `count` are recorded. */
const recorded = (name: string, count: number) =>
  eventually(async () => {
    const r = await stack.raw.request<Listed>("dagnats.deliveries.list", { trigger: name, limit: 1_000 })
    expect(r.deliveries).toHaveLength(count)
    return r.deliveries
  }, 20_000)

/** Runs `f` over `items`, `width` at a time. */
const inBatches = async <T>(items: ReadonlyArray<T>, width: number, f: (item: T) => Promise<unknown>) => {
  for (let i = 0; i < items.length; i += width) await Promise.all(items.slice(i, i + width).map(f))
}

/** The page's text for a time, as the console shows one. */
const shown = (iso: string) => iso.replace("T", " ").replace(/\.\d+Z$/, "Z")

const created = new Set<string>()
const trigger = async (name: string, ...flags: Array<string>) => {
  if (created.has(name)) return
  await stack.cli("trigger", "create", name, "--webhook", "--no-verify", "--workflow", `wf-${name}`, ...flags)
  created.add(name)
}

describe("console in a browser", () => {
  test("console - the triggers the CLI created are rows of the triggers page, with their type and state", async () => {
    await trigger("orders")
    await trigger("invoices")
    const page = await browser.context.newPage()
    await page.goto(`${consoleUrl()}/#/triggers`)
    await page.locator('[data-trigger="invoices"]').waitFor()
    const rows = await page
      .locator('[data-trigger="invoices"], [data-trigger="orders"]')
      .evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll("td")].slice(0, 4).map((td) => td.textContent)))
    expect(rows).toEqual([
      ["invoices", "webhook", "enabled", "wf-invoices"],
      ["orders", "webhook", "enabled", "wf-orders"],
    ])
    await page.close()
  })

  test("console - the triggers page shows 50 a page: Next page continues after the last one, and the pages together hold every trigger once", async () => {
    await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        stack.raw.nc.request(
          "dagnats.triggers.create",
          JSON.stringify({
            name: `paged-${String(i).padStart(2, "0")}`,
            type: "webhook",
            workflow: "w",
            verify: false,
          }),
          { timeout: 10_000 },
        ),
      ),
    )
    const all = (await stack.cli<{ triggers: Array<{ name: string }> }>("trigger", "list")).triggers.map((t) => t.name)
    const page = await browser.context.newPage()
    await page.goto(`${consoleUrl()}/#/triggers`)
    const names = () => page.locator("[data-trigger]").evaluateAll((trs) => trs.map((tr) => tr.dataset["trigger"]!))
    await page.locator("[data-trigger]").first().waitFor()
    const first = await names()
    expect(first).toEqual(all.slice(0, 50))
    await page.getByRole("link", { name: "Next page" }).click()
    await page.locator(`[data-trigger="${all[50]}"]`).waitFor()
    expect([...first, ...(await names())]).toEqual(all.slice(0, 100))
    await page.close()
  })

  test("console - a webhook sent while the deliveries page is open appears in its list without a reload, and its delivery page shows the run it started", async () => {
    await trigger("live")
    const page = await browser.context.newPage()
    await page.goto(`${consoleUrl()}/#/deliveries`)
    await page.locator("#deliveries").waitFor()
    // A reload would lose this mark: it proves the row came over the live stream.
    await page.evaluate(() => ((globalThis as unknown as { mark: number }).mark = 1))
    const id = await webhook("live", { order: 7 })
    const row = page.locator(`[data-delivery="${id}"]`)
    await row.waitFor({ timeout: 2_000 })
    expect(await page.evaluate(() => (globalThis as unknown as { mark?: number }).mark)).toBe(1)
    expect(await row.locator("td").nth(3).textContent()).toBe("202")

    const runs = await eventually(async () => {
      const r = await stack.cli<{ runs: Array<{ run_id: string }> }>("run", "list", "--trigger", "live")
      expect(r.runs).toHaveLength(1)
      return r.runs
    })
    await row.getByRole("link", { name: id }).click()
    await page.getByRole("heading", { name: `Delivery ${id}` }).waitFor()
    // The chain is read when the page opens: the run may be recorded a moment after the delivery.
    await eventually(async () => {
      await page.reload()
      await page.locator(`section [data-run="${runs[0]!.run_id}"]`).waitFor({ timeout: 1_000 })
    })
    await page.close()
  })

  test("console - the deliveries page filtered to one trigger's rejected deliveries lists only those, live ones included", async () => {
    await trigger("sorted")
    const rejected = async () => {
      const r = await fetch(`${stack.serve.baseUrl}/v1/webhooks/sorted`, { method: "PUT" })
      expect(r.status).toBe(405)
      return r.headers.get("dagnats-delivery")!
    }
    const accepted = await webhook("sorted", { n: 1 })
    const refused = await rejected()
    const page = await browser.context.newPage()
    await page.goto(`${consoleUrl()}/#/deliveries?trigger=sorted&status=rejected`)
    await page.locator(`[data-delivery="${refused}"]`).waitFor()
    const ids = () => page.locator("#deliveries tbody tr").evaluateAll((trs) => trs.map((tr) => tr.dataset["delivery"]))
    expect(await ids()).toEqual([refused])
    // Live: an accepted one is left out, a rejected one is added at the top.
    await webhook("sorted", { n: 2 })
    const later = await rejected()
    await page.locator(`[data-delivery="${later}"]`).waitFor({ timeout: 2_000 })
    expect(await ids()).toEqual([later, refused])
    expect(await page.locator(`[data-delivery="${accepted}"]`).count()).toBe(0)
    await page.close()
  })

  test("console - Disable on a trigger's page disables it: trigger get answers enabled false and the page says disabled", async () => {
    await trigger("payments")
    const page = await browser.context.newPage()
    await page.goto(`${consoleUrl()}/#/triggers/payments`)
    await page.getByRole("button", { name: "Disable" }).click()
    await page.locator("#state", { hasText: "disabled" }).waitFor()
    expect((await stack.cli<{ enabled: boolean }>("trigger", "get", "payments")).enabled).toBe(false)
    await page.close()
  })

  test("console - on a trigger's page a when is tested against a stored delivery (matched, then not matched) and only Save changes the trigger", async () => {
    await trigger("editable")
    const id = await webhook("editable", { order: 7 })
    const page = await browser.context.newPage()
    await page.goto(`${consoleUrl()}/#/triggers/editable`)
    await page.locator(`#test-delivery option[value="${id}"]`).waitFor({ state: "attached" })
    await page.getByLabel("when (CEL expression; empty for none)").fill("body.order == 7")
    await page.getByRole("button", { name: "Test against the delivery" }).click()
    await page.locator(".result .badge", { hasText: /^matched$/ }).waitFor()
    await page.getByLabel("when (CEL expression; empty for none)").fill("body.order == 8")
    await page.getByRole("button", { name: "Test against the delivery" }).click()
    await page.locator(".result .badge", { hasText: /^not matched$/ }).waitFor()
    expect((await stack.cli<{ when?: string }>("trigger", "get", "editable")).when).toBeUndefined()
    await page.getByRole("button", { name: "Save" }).click()
    await page.locator(".result", { hasText: "Saved: revision 2." }).waitFor()
    expect((await stack.cli<{ when?: string }>("trigger", "get", "editable")).when).toBe("body.order == 8")
    await page.close()
  })

  test("console - a payload and headers holding <script> and <img onerror> are shown as text on the delivery page (body and headers) and the run page, and none of them runs", async () => {
    await trigger("xss")
    const evil = `<img src=x onerror="window.pwned='header'"><script>window.pwned='header-script'</script>`
    const payload = { html: `<script>window.pwned='body'</script><img src=x onerror="window.pwned='img'">` }
    const id = await webhook("xss", payload, { "x-evil": evil })
    const page = await browser.context.newPage()
    await page.goto(`${consoleUrl()}/#/deliveries/${id}`)
    const cell = page.locator("td code", { hasText: "onerror" })
    await cell.waitFor()
    expect(await cell.textContent()).toBe(evil)
    // The body EVENTS stored, as text.
    expect(JSON.parse((await page.locator("#delivery-body").textContent())!)).toEqual(payload)
    expect(await page.evaluate(() => (globalThis as unknown as { pwned?: string }).pwned)).toBeUndefined()
    const run = await eventually(async () => {
      const r = await stack.cli<{ runs: Array<{ run_id: string }> }>("run", "list", "--trigger", "xss")
      expect(r.runs).toHaveLength(1)
      return r.runs[0]!
    })
    await page.goto(`${consoleUrl()}/#/runs/${run.run_id}`)
    await page.getByRole("heading", { name: "Input" }).waitFor()
    expect(JSON.parse((await page.locator("pre").first().textContent())!)).toEqual(payload)
    expect(await page.evaluate(() => (globalThis as unknown as { pwned?: string }).pwned)).toBeUndefined()
    expect(await page.locator("main img, main script").count()).toBe(0)
    await page.close()
  })

  test("console - every answer forbids inline script and framing (CSP default-src 'self', frame-ancestors 'none', nosniff)", async () => {
    for (const path of ["/", "/app.js", "/api/triggers"]) {
      const r = await fetch(`${consoleUrl()}${path}`)
      expect([path, r.status]).toEqual([path, 200])
      const csp = r.headers.get("content-security-policy") ?? ""
      expect(csp).toContain("default-src 'self'")
      expect(csp).toContain("script-src 'self'")
      expect(csp).toContain("frame-ancestors 'none'")
      expect(csp).not.toContain("unsafe-inline")
      expect(r.headers.get("x-content-type-options")).toBe("nosniff")
    }
  })

  test("console - a POST from another site (a page on localhost posting to 127.0.0.1, or a foreign Origin, or no CSRF token) is refused 403 and the trigger stays enabled", async () => {
    await trigger("guarded")
    const target = `${consoleUrl()}/api/triggers/guarded/disable`
    const page = await browser.context.newPage()
    // localhost and 127.0.0.1 are different sites to the browser: this is a cross-site request.
    await page.goto(consoleUrl().replace("127.0.0.1", "localhost") + "/")
    const status = await page.evaluate(
      (url) =>
        fetch(url, { method: "POST", body: "{}", credentials: "include" }).then(
          (r) => r.status,
          () => -1,
        ),
      target,
    )
    // Either the browser's CORS check stops it reading the answer (-1) or the console refused it (403).
    expect([403, -1]).toContain(status)
    await page.close()
    const foreign = await fetch(target, { method: "POST", headers: { origin: "http://evil.example" }, body: "{}" })
    expect([foreign.status, await foreign.json()]).toEqual([
      403,
      { error: { message: "refused a request from http://evil.example: actions come only from the console's page" } },
    ])
    const tokenless = await fetch(target, { method: "POST", body: "{}" })
    expect(tokenless.status).toBe(403)
    expect((await stack.cli<{ enabled: boolean }>("trigger", "get", "guarded")).enabled).toBe(true)
  })

  test("console - each page renders (overview, triggers, a trigger, deliveries, a delivery, runs, schedules, dead letters)", async () => {
    await trigger("orders")
    await stack.cli("trigger", "create", "nightly", "--cron", "0 3 * * *", "--workflow", "nightly-report")
    const id = await webhook("orders", { order: 8, customer: "ada" })
    const shots = process.env["DAGNATS_CONSOLE_SCREENSHOTS"]
    if (shots !== undefined) mkdirSync(shots, { recursive: true })
    const page = await browser.context.newPage()
    const pages: ReadonlyArray<readonly [string, string, string]> = [
      ["overview", "#/", "Overview"],
      ["triggers", "#/triggers", "Triggers"],
      ["trigger", "#/triggers/orders", "Trigger orders"],
      ["deliveries", "#/deliveries", "Deliveries"],
      ["delivery", `#/deliveries/${id}`, `Delivery ${id}`],
      ["runs", "#/runs", "Runs"],
      ["schedules", "#/schedules", "Schedules"],
      ["dead-letters", "#/dead", "Dead letters"],
    ]
    for (const [file, hash, heading] of pages) {
      await page.goto(`${consoleUrl()}/${hash}`)
      await page.getByRole("heading", { level: 1, name: heading }).waitFor()
      expect(await page.locator(".error").count()).toBe(0)
      // The list's figures come after its rows: every one arrives.
      if (file === "triggers")
        await eventually(async () => expect(await page.locator("[data-figure]").allTextContents()).not.toContain("…"))
      if (file === "schedules") {
        const cells = await page.locator("tbody tr", { hasText: "nightly" }).locator("td").allTextContents()
        expect(cells.slice(0, 4)).toEqual(["nightly", "0 3 * * *", "UTC", "enabled"])
        expect(cells[4]).toMatch(/^\d{4}-\d{2}-\d{2} 03:00:00Z$/)
      }
      if (shots !== undefined) await page.screenshot({ path: join(shots, `${file}.png`), fullPage: true })
    }
    if (shots !== undefined) {
      await page.emulateMedia({ colorScheme: "dark" })
      await page.goto(`${consoleUrl()}/#/deliveries`)
      await page.getByRole("heading", { level: 1, name: "Deliveries" }).waitFor()
      await page.screenshot({ path: join(shots, "deliveries-dark.png"), fullPage: true })
    }
    await page.close()
  })

  test("console - the triggers list shows each trigger's last delivery (time, status) and its accepted / rejected counts of the last 24 h, 100+ once a count reaches the list's limit", async () => {
    await trigger("fig-a")
    await trigger("fig-b")
    await trigger("fig-c")
    await webhook("fig-a", { n: 1 })
    await webhook("fig-a", { n: 2 })
    const refused = await fetch(`${stack.serve.baseUrl}/v1/webhooks/fig-a`, { method: "PUT" })
    expect(refused.status).toBe(405)
    await webhook("fig-b", { n: 1 })
    await inBatches(
      Array.from({ length: 101 }, (_, i) => i),
      20,
      (n) => webhook("fig-c", { n }),
    )
    const [lastA] = await recorded("fig-a", 3)
    const [lastB] = await recorded("fig-b", 1)
    const [lastC] = await recorded("fig-c", 101)
    const page = await browser.context.newPage()
    await page.goto(`${consoleUrl()}/#/triggers`)
    const figures = (name: string) =>
      page
        .locator(`[data-trigger="${name}"] [data-figure]`)
        .evaluateAll((spans) => spans.map((s) => [s.getAttribute("data-figure"), s.textContent]))
    await page.locator('[data-trigger="fig-c"] [data-figure="accepted"]', { hasText: /\d/ }).waitFor()
    expect(await figures("fig-a")).toEqual([
      ["last", `${shown(lastA!.received_at)} 405`],
      ["accepted", "2"],
      ["rejected", "1"],
    ])
    expect(await figures("fig-b")).toEqual([
      ["last", `${shown(lastB!.received_at)} 202`],
      ["accepted", "1"],
      ["rejected", "0"],
    ])
    expect(await figures("fig-c")).toEqual([
      ["last", `${shown(lastC!.received_at)} 202`],
      ["accepted", "100+"],
      ["rejected", "0"],
    ])
    await page.close()
  })

  test("console - the deliveries list shows one page of the given size and pages further on request: Older and Newer walk 120 deliveries 50, 50, 20, newest first, each once", async () => {
    await trigger("pages")
    await inBatches(
      Array.from({ length: 120 }, (_, i) => i),
      20,
      (n) => webhook("pages", { n }),
    )
    const all = (await recorded("pages", 120)).map((d) => d.id)
    const page = await browser.context.newPage()
    await page.goto(`${consoleUrl()}/#/deliveries?trigger=pages&limit=50`)
    const ids = () => page.locator("#deliveries tbody tr").evaluateAll((trs) => trs.map((tr) => tr.dataset["delivery"]))
    const onPage = async (first: string) => {
      await page.locator(`#deliveries tbody tr[data-delivery="${first}"]`).waitFor()
      return ids()
    }
    expect(await onPage(all[0]!)).toEqual(all.slice(0, 50))
    expect(await page.getByRole("link", { name: "Newer" }).count()).toBe(0)
    await page.getByRole("link", { name: "Older" }).click()
    expect(await onPage(all[50]!)).toEqual(all.slice(50, 100))
    await page.getByRole("link", { name: "Older" }).click()
    expect(await onPage(all[100]!)).toEqual(all.slice(100, 120))
    expect(await page.getByRole("link", { name: "Older" }).count()).toBe(0)
    await page.getByRole("link", { name: "Newer" }).click()
    expect(await onPage(all[50]!)).toEqual(all.slice(50, 100))
    await page.close()
  })

  test("console - with 10,000 deliveries of one trigger the deliveries page shows the newest 50, Older goes on, and a page deep in the history (its cursor in the address) shows the 50 before it", async () => {
    // Disabled: its deliveries are all there is to see; 10,000 runs would only slow the shared serve.
    await trigger("tenk")
    await stack.cli("trigger", "disable", "tenk")
    await inBatches(
      Array.from({ length: 10_000 }, (_, i) => i),
      100,
      (n) => webhook("tenk", { n }),
    )
    // Every id, newest first, read the way the console reads them: pages of 1,000 by cursor.
    const all = await eventually(
      async () => {
        const ids: Array<string> = []
        for (let page = 0; page < 11; page++) {
          const before = ids.length > 0 ? { before: ids[ids.length - 1] } : {}
          const r = await stack.raw.request<Listed>("dagnats.deliveries.list", {
            trigger: "tenk",
            limit: 1_000,
            ...before,
          })
          ids.push(...r.deliveries.map((d) => d.id))
          if (r.deliveries.length < 1_000) break
        }
        expect(ids).toHaveLength(10_000)
        return ids
      },
      60_000,
      500,
    )
    expect(new Set(all).size).toBe(10_000)
    const page = await browser.context.newPage()
    const ids = () => page.locator("#deliveries tbody tr").evaluateAll((trs) => trs.map((tr) => tr.dataset["delivery"]))
    const onPage = async (first: string) => {
      await page.locator(`#deliveries tbody tr[data-delivery="${first}"]`).waitFor()
      return ids()
    }
    await page.goto(`${consoleUrl()}/#/deliveries?trigger=tenk&limit=50`)
    expect(await onPage(all[0]!)).toEqual(all.slice(0, 50))
    await page.getByRole("link", { name: "Older" }).click()
    expect(await onPage(all[50]!)).toEqual(all.slice(50, 100))
    // Page 200 of 200: the cursor is the last delivery of page 199.
    await page.goto(`${consoleUrl()}/#/deliveries?trigger=tenk&limit=50&trail=${all[9_949]}`)
    expect(await onPage(all[9_950]!)).toEqual(all.slice(9_950))
    expect(await page.getByRole("link", { name: "Older" }).count()).toBe(0)
    await page.close()
  }, 180_000)

  test("console - by keyboard alone: Tab reaches the nav (focus ring shown), Enter opens Triggers, Tab reaches a trigger's row link, Enter opens the trigger", async () => {
    await trigger("orders")
    const page = await browser.context.newPage()
    await page.goto(`${consoleUrl()}/#/`)
    await page.getByRole("heading", { level: 1, name: "Overview" }).waitFor()
    const focused = () =>
      page.evaluate(() => {
        // The test's tsconfig has no DOM types: the page's globals are reached through globalThis.
        const w = globalThis as any
        const a = w.document.activeElement
        const style = a === null ? undefined : w.getComputedStyle(a)
        return {
          text: String(a?.textContent ?? ""),
          inNav: (a?.closest("header nav") ?? null) !== null,
          row: a?.closest("tr")?.dataset["trigger"] as string | undefined,
          ring:
            a !== null && a.matches(":focus-visible") && style.outlineStyle !== "none" && style.outlineWidth !== "0px",
        }
      })
    /** Presses Tab until `wanted` holds for the focused element (at most 120 presses). */
    const tabTo = async (wanted: (f: Awaited<ReturnType<typeof focused>>) => boolean) => {
      for (let i = 0; i < 120; i++) {
        await page.keyboard.press("Tab")
        const f = await focused()
        if (wanted(f)) return f
      }
      throw new Error(`Tab never reached it; focus is on ${JSON.stringify(await focused())}`)
    }
    const nav = await tabTo((f) => f.inNav && f.text === "Triggers")
    expect(nav.ring).toBe(true)
    await page.keyboard.press("Enter")
    await page.getByRole("heading", { level: 1, name: "Triggers" }).waitFor()
    const rowLink = await tabTo((f) => f.row === "orders" && f.text === "orders")
    expect(rowLink.ring).toBe(true)
    await page.keyboard.press("Enter")
    await page.getByRole("heading", { level: 1, name: "Trigger orders" }).waitFor()
    await page.close()
  })

  test("console - with 1,000 triggers the triggers page shows 50 rows, their figures, and a Next page link", async () => {
    const names = Array.from({ length: 1_000 }, (_, i) => `zbulk-${String(i).padStart(4, "0")}`)
    await inBatches(names, 100, (name) =>
      stack.raw.request("dagnats.triggers.create", { name, type: "webhook", workflow: "w", verify: false }),
    )
    const all = (await stack.cli<{ triggers: Array<{ name: string }> }>("trigger", "list")).triggers
    expect(all.filter((t) => t.name.startsWith("zbulk-"))).toHaveLength(1_000)
    const page = await browser.context.newPage()
    await page.goto(`${consoleUrl()}/#/triggers?after=${encodeURIComponent("zbulk-0099")}`)
    await page.locator('[data-trigger="zbulk-0100"]').waitFor()
    const rows = () => page.locator("[data-trigger]").evaluateAll((trs) => trs.map((tr) => tr.dataset["trigger"]))
    expect(await rows()).toEqual(names.slice(100, 150))
    // Every row's figures arrive (no deliveries yet: none, 0, 0).
    await eventually(async () => {
      const accepted = await page.locator('[data-figure="accepted"]').allTextContents()
      expect(accepted).toEqual(Array.from({ length: 50 }, () => "0"))
    }, 20_000)
    expect(await page.locator('[data-figure="last"]').allTextContents()).toEqual(
      Array.from({ length: 50 }, () => "none"),
    )
    await page.getByRole("link", { name: "Next page" }).click()
    await page.locator('[data-trigger="zbulk-0150"]').waitFor()
    expect(await rows()).toEqual(names.slice(150, 200))
    await page.close()
  })
})
