// Webhook POST → run record readable: signed webhooks sent at a fixed rate, each carrying its own
// `id`, matched to the run record whose `input.id` names it (a KV watch on the runs bucket). Shared
// by the evaluator and pipeline benchmarks; the minimal pipeline writes records of the same shape.
import { Agent, request as httpRequest } from "node:http"
import { Kvm } from "@nats-io/kv"
import { schemes } from "../dist/domain/signatures/index.js"
import { percentile, sleep, until } from "./lib.mjs"

const decoder = new TextDecoder()

/** `rps` requests per second for `seconds` to `url`; p50/p99/max in ms and the rate achieved. */
export const webhookToRunLatency = async ({ js, bucket, url, secret, rps, seconds }) => {
  const kv = await new Kvm(js).open(bucket)
  const sentAt = new Map()
  const latencies = []
  const watch = await kv.watch({ include: "updates" })
  const watching = (async () => {
    for await (const e of watch) {
      if (e.operation !== "PUT") continue
      const seen = performance.now()
      const id = JSON.parse(decoder.decode(e.value))?.input?.id
      const t = sentAt.get(id)
      if (t !== undefined) {
        sentAt.delete(id)
        latencies.push(seen - t)
      }
    }
  })()
  const total = rps * seconds
  const failures = []
  const posts = []
  // Keep-alive connections, as a webhook sender would reuse; enough that none waits for a socket.
  const agent = new Agent({ keepAlive: true, maxSockets: 64 })
  const start = performance.now()
  const tag = start.toFixed(0)
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / rps
    const wait = due - performance.now()
    if (wait > 1) await sleep(wait)
    const id = `wh-${tag}-${i}`
    const body = Buffer.from(JSON.stringify({ id, sent_ms: Date.now(), note: "bench" }))
    const hdrs = {
      "content-type": "application/json",
      ...schemes["hmac-sha256"].sign({ rawBody: body, secret, nowMs: Date.now() }),
    }
    sentAt.set(id, performance.now())
    posts.push(
      new Promise((resolve) => {
        const req = httpRequest(
          url,
          { method: "POST", agent, headers: { ...hdrs, "content-length": body.length } },
          (res) => {
            res.resume()
            res.on("end", () => {
              if (res.statusCode >= 300) failures.push(res.statusCode)
              resolve()
            })
          },
        )
        req.on("error", (e) => (failures.push(`${e.code ?? ""} ${e.message}`), resolve()))
        req.end(body)
      }),
    )
  }
  const sendSeconds = (performance.now() - start) / 1000
  await Promise.all(posts)
  await until(() => latencies.length >= total - failures.length, `${total} webhook runs`, 60_000)
  watch.stop()
  await watching
  agent.destroy()
  if (failures.length > 0) throw new Error(`${failures.length} webhook requests failed, e.g. ${failures[0]}`)
  return {
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: Math.max(...latencies),
    n: latencies.length,
    achievedRps: total / sendSeconds,
  }
}
