// The console's node:http handler: the token gate (when one is set), the session cookie, the page
// and its script and style, the JSON API (GET reads, POST actions behind the cross-site check) and
// the live stream. Every answer carries the security headers; nothing here builds HTML from data.
import type { IncomingMessage, ServerResponse } from "node:http"
import { Cause, Option, Schema, type Effect, type Exit } from "effect"
import {
  LOGIN_COOKIE,
  SESSION_COOKIE,
  crossSiteRefusal,
  csrfFor,
  hasBearer,
  hasToken,
  loginValue,
  newSession,
  sameSecret,
  sessionOf,
  strictCookie,
} from "./access.js"
import { SECURITY_HEADERS } from "./headers.js"
import { listParam, MAX_WATCHED_RUNS, type Api } from "./api.js"
import type { ConsoleFailure } from "./micro.js"
import type { Live } from "./live.js"
import { APP_JS } from "./assets/app.js"
import { STYLE_CSS } from "./assets/style.js"
import { loginPage, mainPage } from "./assets/page.js"

/** The largest action body (an edited `when` and filters); anything larger is refused with 413. */
const MAX_BODY_BYTES = 65_536
/** The login cookie lasts a working week; then the token is asked for again. */
const LOGIN_MAX_AGE_S = 7 * 86_400

export interface HandlerDeps {
  readonly api: Api
  readonly live: Live
  readonly token: string | undefined
  /** Per-process key of the CSRF tokens. */
  readonly secret: Buffer
  readonly run: <A>(effect: Effect.Effect<A, ConsoleFailure>) => Promise<Exit.Exit<A, ConsoleFailure>>
  /** A request that failed in a way no reply shape explains: logged, answered 500. */
  readonly onDefect: (message: string) => void
}

const send = (
  res: ServerResponse,
  status: number,
  type: string,
  text: string,
  extra: Readonly<Record<string, string | ReadonlyArray<string>>> = {},
) => {
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    "content-type": type,
    "content-length": Buffer.byteLength(text),
    ...extra,
  })
  res.end(text)
}

const json = (res: ServerResponse, status: number, value: unknown) =>
  send(res, status, "application/json; charset=utf-8", JSON.stringify(value))

const failure = (res: ServerResponse, status: number, message: string) => json(res, status, { error: { message } })

const readBody = (req: IncomingMessage): Promise<string | undefined> =>
  new Promise((resolve) => {
    const chunks: Array<Buffer> = []
    let size = 0
    req.on("data", (c: Buffer) => {
      size += c.length
      if (size > MAX_BODY_BYTES) {
        resolve(undefined)
        req.destroy()
      } else chunks.push(c)
    })
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")))
    req.on("error", () => resolve(undefined))
  })

const decodeJson = Schema.decodeUnknownOption(Schema.fromJsonString(Schema.Unknown))

const wantsHtml = (req: IncomingMessage) => (req.headers.accept ?? "").includes("text/html")

export const makeHandler = (d: HandlerDeps) => {
  const answer = async (res: ServerResponse, effect: Effect.Effect<unknown, ConsoleFailure>) => {
    const exit = await d.run(effect)
    if (exit._tag === "Success") return json(res, 200, exit.value)
    const error = exit.cause.reasons.find((r) => r._tag === "Fail")
    if (error !== undefined && error._tag === "Fail") return failure(res, error.error.status, error.error.message)
    d.onDefect(`console: a request failed: ${Cause.pretty(exit.cause)}`)
    return failure(res, 500, "the console failed to answer; see serve's log")
  }

  const login = async (req: IncomingMessage, res: ServerResponse, token: string) => {
    // No session exists yet to carry a CSRF token: the browser's own word on where the form came from.
    const site = req.headers["sec-fetch-site"]
    const origin = req.headers.origin
    if (
      (site !== undefined && site !== "same-origin") ||
      (origin !== undefined && origin !== `http://${req.headers.host}`)
    )
      return failure(res, 403, "refused: the login form must be sent from the console's own page")
    const body = await readBody(req)
    const given = new URLSearchParams(body ?? "").get("token") ?? ""
    if (!sameSecret(given, token)) return send(res, 401, "text/html; charset=utf-8", loginPage("wrong token"))
    send(res, 303, "text/plain; charset=utf-8", "", {
      location: "/",
      "set-cookie": [strictCookie(LOGIN_COOKIE, loginValue(token), LOGIN_MAX_AGE_S)],
    })
  }

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://console")
    const path = url.pathname
    if (d.token !== undefined && !hasToken(req.headers, d.token)) {
      if (path === "/login" && req.method === "POST") return login(req, res, d.token)
      if (req.method === "GET" && wantsHtml(req) && !path.startsWith("/api/"))
        return send(res, 401, "text/html; charset=utf-8", loginPage(undefined))
      return send(
        res,
        401,
        "application/json; charset=utf-8",
        JSON.stringify({ error: { message: "token required" } }),
        {
          "www-authenticate": 'Bearer realm="dagnats console"',
        },
      )
    }
    if (req.method === "GET") {
      if (path === "/" || path === "/index.html") {
        const known = sessionOf(req.headers)
        const session = known ?? newSession()
        const cookie: Record<string, ReadonlyArray<string>> = known === undefined
          ? { "set-cookie": [strictCookie(SESSION_COOKIE, session)] }
          : {}
        return send(res, 200, "text/html; charset=utf-8", mainPage(csrfFor(d.secret, session)), cookie)
      }
      if (path === "/app.js") return send(res, 200, "text/javascript; charset=utf-8", APP_JS)
      if (path === "/style.css") return send(res, 200, "text/css; charset=utf-8", STYLE_CSS)
      if (path === "/login") return send(res, 303, "text/plain", "", { location: "/" })
      if (path === "/api/live") {
        res.writeHead(200, { ...SECURITY_HEADERS, "content-type": "text/event-stream", connection: "keep-alive" })
        if (!d.live.add(res, listParam(url.searchParams, "runs", MAX_WATCHED_RUNS)))
          res.end("event: full\ndata: {}\n\n")
        return
      }
      return answer(res, d.api.get(path, url.searchParams))
    }
    if (req.method === "POST" && path.startsWith("/api/")) {
      // A bearer request is a script's (a browser cannot send one cross-site); a page's needs its CSRF token.
      const refusal =
        d.token !== undefined && hasBearer(req.headers, d.token) ? undefined : crossSiteRefusal(req.headers, d.secret)
      if (refusal !== undefined)
        return failure(res, 403, `refused ${refusal}: actions come only from the console's page`)
      const text = await readBody(req)
      if (text === undefined) return failure(res, 413, `the request body is larger than ${MAX_BODY_BYTES} bytes`)
      const body = text === "" ? Option.some<unknown>({}) : decodeJson(text)
      if (Option.isNone(body)) return failure(res, 400, "the request body is not JSON")
      return answer(res, d.api.post(path, body.value))
    }
    return send(
      res,
      405,
      "application/json; charset=utf-8",
      JSON.stringify({ error: { message: "method not allowed" } }),
      {
        allow: "GET, POST",
      },
    )
  }
  return handle
}
