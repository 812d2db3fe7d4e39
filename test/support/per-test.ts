// Servers a single test starts, stopped after that test whatever happened: for tests that crash,
// restart or multiply serve processes and so cannot share one per file.
import { afterEach } from "vitest"
import { startNatsServer, type TestNatsServer } from "./nats-server.js"
import { startServe } from "./serve.js"

export const perTestResources = () => {
  const cleanup: Array<() => Promise<unknown>> = []
  afterEach(async () => {
    for (const f of cleanup.splice(0).reverse()) await f().catch(() => undefined)
  })
  /** Register `close` to run after the test; returns `resource`. */
  const track = <T>(resource: T, close: (r: T) => Promise<unknown>): T => {
    cleanup.push(() => close(resource))
    return resource
  }
  return {
    track,
    natsServer: async () => track(await startNatsServer(), (n) => n.dispose()),
    serveOn: async (nats: TestNatsServer, env: Record<string, string> = {}) =>
      track(await startServe({ natsUrl: nats.url, env }), (s) => s.stop()),
  }
}
