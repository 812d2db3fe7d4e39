// Helpers shared by the ingest end-to-end tests: raw HTTP through node:http (so tests control
// every header and byte), trigger CRUD over the micro service, and reading stored events back.
import { request as httpRequest } from "node:http"
import { createHmac } from "node:crypto"
import { readdirSync, readFileSync } from "node:fs"
import type { NatsConnection } from "@nats-io/nats-core"
import type { JetStreamManager } from "@nats-io/jetstream"
import { expect } from "vitest"

/** Every webhook answer's `delivery_id` (and `Dagnats-Delivery` header): a ULID, different each time. */
export const DELIVERY_ID = expect.stringMatching(/^[0-7][0-9A-HJKMNP-TV-Z]{25}$/)

export interface HttpReply {
  readonly status: number
  readonly headers: Record<string, string | Array<string> | undefined>
  readonly text: string
  readonly json: any
  /** Whether the server answered 100 Continue first. */
  readonly continued: boolean
}

export interface PostOptions {
  readonly method?: string
  readonly headers?: Record<string, string | number>
  readonly body?: string | Buffer
  /** Send the body in these pieces with chunked transfer encoding (no Content-Length). */
  readonly chunks?: ReadonlyArray<Buffer>
  /** Send `Expect: 100-continue` and the body only once the server says 100 Continue. */
  readonly expectContinue?: boolean
}

/** One request on a fresh connection; resolves with status, headers and body. */
export const send = (url: string, o: PostOptions = {}): Promise<HttpReply> =>
  new Promise((resolve, reject) => {
    const body = o.body === undefined ? undefined : Buffer.isBuffer(o.body) ? o.body : Buffer.from(o.body)
    const headers: Record<string, string | number> = {
      ...o.headers,
      ...(o.expectContinue === true ? { Expect: "100-continue" } : {}),
    }
    if (body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === "content-length"))
      headers["Content-Length"] = body.length
    let continued = false
    const req = httpRequest(url, { method: o.method ?? "POST", headers, agent: false }, (res) => {
      const parts: Array<Buffer> = []
      res.on("data", (c: Buffer) => parts.push(c))
      res.on("end", () => {
        const text = Buffer.concat(parts).toString("utf8")
        let json: unknown
        try {
          json = JSON.parse(text)
        } catch {
          json = undefined
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json, continued })
      })
      res.on("error", reject)
    })
    req.on("error", reject)
    if (o.expectContinue === true) {
      req.on("continue", () => {
        continued = true
        req.end(body)
      })
      return
    }
    if (o.chunks !== undefined) {
      for (const c of o.chunks) req.write(c)
      req.end()
    } else req.end(body)
  })

export const hmacHex = (secret: string, body: string | Buffer): string =>
  createHmac("sha256", secret).update(body).digest("hex")

/** Headers for the default scheme: X-Signature-256 over `body` with `secret`. */
export const signed = (
  secret: string,
  body: string | Buffer,
  extra: Record<string, string> = {},
): Record<string, string> => ({
  "Content-Type": "application/json",
  "X-Signature-256": `sha256=${hmacHex(secret, body)}`,
  ...extra,
})

const encoder = new TextEncoder()
const decoder = new TextDecoder()

/** Call a trigger endpoint of the micro service; throws with the service's error when it refuses. */
export const triggers = async (nc: NatsConnection, verb: string, body: unknown): Promise<any> => {
  const reply = await nc.request(`dagnats.triggers.${verb}`, encoder.encode(JSON.stringify(body)), { timeout: 5_000 })
  const code = reply.headers?.get("Nats-Service-Error-Code")
  const text = decoder.decode(reply.data)
  if (code !== undefined && code !== "") throw new Error(`triggers.${verb} failed (${code}): ${text}`)
  return JSON.parse(text)
}

export const webhookTrigger = (nc: NatsConnection, name: string, fields: Record<string, unknown> = {}) =>
  triggers(nc, "create", { name, workflow: "wf", type: "webhook", ...fields })

/** A stored event: its subject, exact bytes, and a case-insensitive header lookup. */
export const storedEvent = async (jsm: JetStreamManager, seq: number) => {
  const m = await jsm.streams.getMessage("EVENTS", { seq })
  if (m === null) throw new Error(`EVENTS has no message ${seq}`)
  const names = m.header.keys()
  const header = (name: string): string | undefined => {
    const key = names.find((k) => k.toLowerCase() === name.toLowerCase())
    return key === undefined ? undefined : m.header.get(key)
  }
  return { subject: m.subject, data: Buffer.from(m.data), header, names }
}

export const lastSeq = async (jsm: JetStreamManager): Promise<number> =>
  (await jsm.streams.info("EVENTS")).state.last_seq

/** The pid of the nats-server started with this store directory (to pause it with SIGSTOP). */
export const natsServerPid = (storeDir: string): number => {
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, "utf8")
      if (cmdline.includes("nats-server") && cmdline.includes(storeDir)) return Number(entry)
    } catch {
      /* the process ended meanwhile */
    }
  }
  throw new Error(`no nats-server process for ${storeDir}`)
}
