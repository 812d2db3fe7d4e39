// The node:http adapter: routes requests, hands webhook requests to the pipeline with a bounded
// body reader, writes its outcome as JSON, and serves /healthz, /readyz and /metrics. Knows HTTP;
// knows nothing of triggers, signatures or NATS.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http"
import { Cause, Effect, Exit, Option, Result } from "effect"
import { NotFound } from "../domain/errors.js"
import type { HeaderLookup } from "../domain/signatures/index.js"
import { readBody } from "./body.js"
import type { IngestError } from "./errors.js"
import { MethodNotAllowed } from "./errors.js"
import { RETRY_AFTER_SECONDS, internalError, toHttpError, type HttpError } from "./http-errors.js"
import { errorBody } from "../domain/errors.js"
import type { Outcome, WebhookRequest } from "./pipeline.js"
import type { HttpTimeouts } from "../config/http-timeouts.js"
import { Headers } from "../protocol/names.js"
import type { Seen } from "../deliveries/index.js"

/** What the server tells the delivery recorder about each webhook once it is answered. */
export type Answered = Seen

const WEBHOOK_PREFIX = "/v1/webhooks/"

interface ServerDeps {
  readonly pipeline: (req: WebhookRequest) => Effect.Effect<Outcome, IngestError>
  /** Runs an effect in serve's runtime (its logger and log level) and reports its exit. */
  readonly run: (
    effect: Effect.Effect<Outcome, IngestError>,
    onExit: (exit: Exit.Exit<Outcome, IngestError>) => void,
  ) => void
  readonly maxBodyBytes: number
  /** false (`--role evaluate`): webhook paths are unknown paths here; the probes and /metrics stay. */
  readonly webhooks: boolean
  readonly timeouts: HttpTimeouts
  /** `stopping`: serve got its shutdown signal and is about to close; still serving meanwhile. */
  readonly readiness: () => { readonly nats: boolean; readonly triggers: boolean; readonly stopping: boolean }
  readonly metrics: () => Promise<{ readonly contentType: string; readonly text: string }>
  /** Every answered webhook: its status and the seconds from arrival to answer. */
  readonly countWebhook: (status: number, seconds: number) => void
  readonly onDefect: (message: string) => void
  /** A new delivery id for each webhook request. */
  readonly newDeliveryId: () => string
  /** Called after the answer was written; must not throw or block. */
  readonly answered: (a: Answered) => void
}

interface IngestServer {
  readonly server: Server
  /** From now on every response closes its connection, so shutdown is not held up by keep-alive. */
  readonly beginShutdown: () => void
}

const JSON_TYPE = "application/json"
const MALFORMED = { _tag: "Refused", status: 502, code: "malformed_response" } as const
/** Recorded (never sent) when a synchronous webhook's client left before its run answered. */
const CLIENT_GONE = 499

const hasBody = (req: IncomingMessage): boolean => {
  const length = req.headers["content-length"]
  return req.headers["transfer-encoding"] !== undefined || (length !== undefined && length !== "0")
}

export const createIngestServer = (deps: ServerDeps): IngestServer => {
  let closing = false

  const send = (
    req: IncomingMessage,
    res: ServerResponse,
    status: number,
    contentType: string,
    text: string,
    extra?: Readonly<Record<string, string>>,
  ) => {
    const headers: Record<string, string | number> = {
      "content-type": contentType,
      "content-length": Buffer.byteLength(text),
      ...extra,
    }
    // A body we did not read would be drained before the connection could be reused; closing is
    // cheaper than reading megabytes we refuse anyway.
    if (closing || (hasBody(req) && !req.complete)) headers["connection"] = "close"
    res.writeHead(status, headers).end(text)
  }
  const sendJson = (
    req: IncomingMessage,
    res: ServerResponse,
    status: number,
    body: unknown,
    extra?: Readonly<Record<string, string>>,
  ) => send(req, res, status, JSON_TYPE, JSON.stringify(body), extra)
  const sendError = (req: IncomingMessage, res: ServerResponse, e: HttpError) =>
    sendJson(req, res, e.status, e.body, e.headers)

  const webhook = (req: IncomingMessage, res: ServerResponse, name: string, path: string, query?: string) => {
    const arrivedAt = performance.now()
    const receivedAtMs = Date.now()
    const delivery = deps.newDeliveryId()
    const withId = { [Headers.delivery]: delivery }
    let read: Uint8Array | undefined
    const headers = req.headers
    const header: HeaderLookup = (lowercaseName) => {
      const v = headers[lowercaseName]
      return typeof v === "string" ? v : v?.[0]
    }
    const declared = headers["content-length"]
    const request: WebhookRequest = {
      name,
      method: req.method ?? "",
      // Node has already checked that Content-Length is a plain decimal number.
      contentLength: declared === undefined ? undefined : Number(declared),
      contentType: headers["content-type"],
      header,
      rawHeaders: req.rawHeaders,
      // With `Expect: 100-continue` the client sends its body only when told to: that happens
      // once the checks that need no body passed, so a refused body is never sent at all.
      body: (headers.expect?.toLowerCase() === "100-continue"
        ? Effect.suspend(() => {
            res.writeContinue()
            return readBody(req, deps.maxBodyBytes)
          })
        : readBody(req, deps.maxBodyBytes)
      ).pipe(
        Effect.map((b) => {
          read = b
          return b
        }),
      ),
      delivery,
      ...(query !== undefined ? { query } : {}),
      // Only a synchronous webhook listens: it alone may wait long enough for a client to leave.
      onGone: (listener) =>
        res.once("close", () => {
          if (!res.writableFinished) listener()
        }),
    }
    deps.run(deps.pipeline(request), (exit) => {
      let status: number
      let code: string | undefined
      let event: Answered["event"]
      if (Exit.isSuccess(exit)) {
        const outcome = exit.value
        if (outcome._tag === "Challenge") {
          status = 200
          sendJson(req, res, status, { challenge: outcome.challenge, delivery_id: delivery }, withId)
        } else if (outcome._tag === "Responded") {
          event = { stream: outcome.stream, subject: outcome.subject, seq: outcome.seq, duplicate: outcome.duplicate }
          // The client went away while its run went on: nobody to answer, the delivery says 499.
          status = req.socket.destroyed ? CLIENT_GONE : answerResponded(req, res, outcome, withId)
          if (outcome.waited._tag === "Refused" && status !== CLIENT_GONE) code = outcome.waited.code
        } else {
          status = 202
          event = { stream: outcome.stream, subject: outcome.subject, seq: outcome.seq, duplicate: outcome.duplicate }
          sendJson(
            req,
            res,
            status,
            {
              accepted: true,
              subject: outcome.subject,
              stream: outcome.stream,
              seq: outcome.seq,
              duplicate: outcome.duplicate,
              delivery_id: delivery,
            },
            withId,
          )
        }
      } else {
        const error = Cause.findErrorOption(exit.cause)
        if (Option.isSome(error)) {
          const e = toHttpError(error.value)
          status = e.status
          code = e.body.error.code
          if (error.value._tag === "RequestAborted") res.destroy()
          else sendJson(req, res, e.status, { ...e.body, delivery_id: delivery }, { ...e.headers, ...withId })
        } else {
          deps.onDefect(`webhook ${name}: ${Cause.pretty(exit.cause)}`)
          status = internalError.status
          code = internalError.body.error.code
          sendJson(req, res, status, { ...internalError.body, delivery_id: delivery }, withId)
        }
      }
      const durationMs = performance.now() - arrivedAt
      deps.countWebhook(status, durationMs / 1000)
      deps.answered({
        id: delivery,
        receivedAtMs,
        name,
        method: request.method,
        path,
        remoteAddr: req.socket.remoteAddress ?? "",
        contentType: request.contentType,
        rawHeaders: req.rawHeaders,
        body: read,
        declaredLength: request.contentLength,
        status,
        code,
        durationMs,
        ...(event !== undefined ? { event } : {}),
      })
    })
  }

  /** A synchronous webhook's answer, as its run decided it; returns the status written. */
  const answerResponded = (
    req: IncomingMessage,
    res: ServerResponse,
    outcome: Extract<Outcome, { _tag: "Responded" }>,
    withId: Readonly<Record<string, string>>,
  ): number => {
    const w = outcome.waited
    switch (w._tag) {
      case "Response": {
        const headers: Record<string, string | Array<string>> = {}
        for (const [name, value] of w.answer.headers) {
          const had = headers[name]
          headers[name] = had === undefined ? value : [...(typeof had === "string" ? [had] : had), value]
        }
        headers["content-length"] = String(w.answer.body.length)
        if (w.answer.contentType !== undefined) headers["content-type"] = w.answer.contentType
        if (closing) headers["connection"] = "close"
        // node:http throws on what the workflow answered (a header it refuses): the same as an
        // answer of the wrong shape.
        const written = Result.try({
          try: () => res.writeHead(w.answer.status, { ...headers, ...withId, [Headers.runId]: w.runId }),
          catch: (e) => `the response cannot be sent: ${e instanceof Error ? e.message : String(e)}`,
        })
        if (written._tag === "Failure") {
          const waited = { ...MALFORMED, runId: w.runId, message: written.failure }
          return answerResponded(req, res, { ...outcome, waited }, withId)
        }
        res.end(w.answer.body)
        return w.answer.status
      }
      case "Refused":
        sendJson(
          req,
          res,
          w.status,
          { ...errorBody(w.code, w.message), delivery_id: withId[Headers.delivery], run_id: w.runId },
          {
            ...withId,
            [Headers.runId]: w.runId,
            ...(w.retryAfter === true ? { "Retry-After": String(RETRY_AFTER_SECONDS) } : {}),
          },
        )
        return w.status
      case "Gone":
        return CLIENT_GONE
      case "NoRun":
        sendJson(
          req,
          res,
          202,
          {
            accepted: true,
            subject: outcome.subject,
            stream: outcome.stream,
            seq: outcome.seq,
            duplicate: outcome.duplicate,
            delivery_id: withId[Headers.delivery],
            run_id: null,
            reason: w.reason,
          },
          withId,
        )
        return 202
    }
  }

  const probe = (req: IncomingMessage, res: ServerResponse, answer: () => void) => {
    if (req.method === "GET" || req.method === "HEAD") return answer()
    sendError(req, res, toHttpError(new MethodNotAllowed({ method: req.method ?? "", allow: "GET, HEAD" })))
  }

  const route = (req: IncomingMessage, res: ServerResponse): void => {
    const url = req.url ?? "/"
    const q = url.indexOf("?")
    const path = q < 0 ? url : url.slice(0, q)
    if (deps.webhooks && path.startsWith(WEBHOOK_PREFIX))
      return webhook(req, res, path.slice(WEBHOOK_PREFIX.length), path, q < 0 ? undefined : url.slice(q + 1))
    switch (path) {
      case "/healthz":
        return probe(req, res, () => sendJson(req, res, 200, { status: "ok" }))
      case "/readyz":
        return probe(req, res, () => {
          const r = deps.readiness()
          // A stopping serve is not ready either, so load balancers move on before it is gone.
          const stopping = closing || r.stopping
          const ok = r.nats && r.triggers && !stopping
          sendJson(req, res, ok ? 200 : 503, {
            status: ok ? "ok" : "unavailable",
            checks: {
              nats: r.nats ? "connected" : "disconnected",
              triggers: r.triggers ? "loaded" : "loading",
              ...(stopping ? { serve: "stopping" } : {}),
            },
          })
        })
      case "/metrics":
        return probe(req, res, () => {
          deps.metrics().then(
            (m) => send(req, res, 200, m.contentType, m.text),
            (e: unknown) => {
              deps.onDefect(`/metrics: ${String(e)}`)
              sendError(req, res, internalError)
            },
          )
        })
      default:
        return sendError(req, res, toHttpError(new NotFound({ kind: "path", name: path.slice(0, 100) })))
    }
  }

  const server = createServer(
    {
      headersTimeout: deps.timeouts.headersMs,
      requestTimeout: deps.timeouts.requestMs,
      keepAliveTimeout: deps.timeouts.keepAliveMs,
      connectionsCheckingInterval: deps.timeouts.checkIntervalMs,
    },
    route,
  )
  // Handling checkContinue ourselves stops Node from answering 100 Continue before any check ran.
  server.on("checkContinue", route)
  return {
    server,
    beginShutdown: () => {
      closing = true
    },
  }
}
