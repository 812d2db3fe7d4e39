// `dagnats webhook send`: sign a body the way a provider would and POST it to a running serve, to
// try a trigger end to end. Talks HTTP through node:http, not NATS.
import { readFileSync } from "node:fs"
import { STATUS_CODES, request as httpRequest, type IncomingMessage } from "node:http"
import { request as httpsRequest } from "node:https"
import { Effect, Option } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import { isValidName } from "../../domain/trigger.js"
import { parseJson } from "../../domain/json.js"
import {
  InvalidSigningSecret,
  SchemeNames,
  isSchemeName,
  schemes,
  type SchemeName,
} from "../../domain/signatures/index.js"
import { root } from "../shared.js"
import { isMissingHeader, missingHeaderHint, triggerScheme } from "../webhook-scheme.js"
import { sendExamples } from "../examples.js"
import { printJson, printLine, printLines } from "../output.js"
import { argumentSource } from "../payload.js"
import { Refused, Unreachable, usageError } from "../exit.js"
import { processEnv, webhookClientDefaults } from "../../config/environment.js"

const DEFAULT_URL = "http://127.0.0.1:8080"
/**
 * serve answers within its 5 s acknowledgement budget, plus, for a synchronous webhook, the time its
 * run may take to respond (at most 5 m); 10 s beyond that means it is stuck.
 */
const RESPONSE_TIMEOUT_MS = 5 * 60_000 + 10_000
const SERVE_HINT =
  "is `dagnats serve` running? Start it with `dagnats serve` (or `make run`), or point --url / DAGNATS_URL at it"

const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,128}$/

const opt = (flag: string, description: string) =>
  Flag.String(flag).pipe(Flag.withDescription(description), Flag.optional)

interface Reply {
  readonly status: number
  readonly text: string
}

const post = (url: URL, body: Buffer, headers: Record<string, string>): Promise<Reply> =>
  new Promise((resolve, reject) => {
    const send = url.protocol === "https:" ? httpsRequest : httpRequest
    const req = send(
      url,
      { method: "POST", headers: { ...headers, "content-length": String(body.length) }, timeout: RESPONSE_TIMEOUT_MS },
      (res: IncomingMessage) => {
        const chunks: Array<Buffer> = []
        res.on("data", (c: Buffer) => chunks.push(c))
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }))
        res.on("error", reject)
      },
    )
    req.on("timeout", () =>
      req.destroy(Object.assign(new Error(`no answer within ${RESPONSE_TIMEOUT_MS / 1000}s`), { code: "ETIMEDOUT" })),
    )
    req.on("error", reject)
    req.end(body)
  })

const parseOrText = (text: string): unknown => Option.getOrElse(parseJson(text), () => text)

const unreachable = (base: string, e: unknown) => {
  const code = (e as { code?: unknown }).code
  const what = code === "ECONNREFUSED" ? "connection refused" : e instanceof Error ? e.message : String(e)
  return new Unreachable({ message: `cannot reach ${base}: ${what}\n${SERVE_HINT}` })
}

const cannotRead = (e: unknown) =>
  (e as { code?: unknown }).code === "ENOENT" ? "no such file" : e instanceof Error ? e.message : String(e)

/** The body: `--data` (text, `@FILE` or `-` for stdin, as curl's --data-binary) or `--file` (`-`: stdin), byte for byte. */
const readBodyFlags = (data: Option.Option<string>, file: Option.Option<string>) => {
  if (Option.isSome(data) && Option.isSome(file))
    return Effect.fail(usageError("--data and --file cannot be combined; choose one"))
  if (Option.isSome(file)) {
    return Effect.try({
      try: () => readFileSync(file.value === "-" ? 0 : file.value),
      catch: (e) => usageError(`--file: cannot read ${file.value}: ${cannotRead(e)}`),
    })
  }
  const source = argumentSource(Option.getOrElse(data, () => "{}"))
  if (source.kind === "text") return Effect.succeed(Buffer.from(source.text, "utf8"))
  const what = source.kind === "stdin" ? "stdin" : source.path
  return Effect.try({
    try: () => readFileSync(source.kind === "stdin" ? 0 : source.path),
    catch: (e) => usageError(`--data ${Option.getOrElse(data, () => "")}: cannot read ${what}: ${cannotRead(e)}`),
  })
}

const send = Command.make(
  "send",
  {
    name: Argument.String("name").pipe(Argument.withDescription("the webhook trigger to POST to")),
    data: opt("data", "the body, sent byte for byte: text, @FILE to read a file or - to read stdin (default {})"),
    file: opt("file", "read the body from this file; - reads stdin"),
    secret: opt("secret", "sign with this secret (env DAGNATS_WEBHOOK_SECRET; neither: send unsigned)"),
    scheme: opt(
      "scheme",
      `sign as this scheme: ${SchemeNames.join(", ")} (default: the trigger's own, looked up through NATS)`,
    ),
    url: opt("url", `serve's base URL (env DAGNATS_URL, default ${DEFAULT_URL})`),
    contentType: opt("content-type", "Content-Type of the body (default application/json)"),
    header: Flag.String("header").pipe(
      Flag.withDescription("NAME=VALUE header to send as the provider would, e.g. X-GitHub-Event=push (repeatable)"),
      Flag.atLeast(0),
    ),
  },
  (input) =>
    Effect.gen(function* () {
      const shared = yield* root
      if (!isValidName(input.name))
        return yield* usageError(
          `name: must be 1-64 characters of A-Z, a-z, 0-9, _ or - (got "${input.name.slice(0, 80)}")`,
        )
      const given = Option.getOrUndefined(input.scheme)
      if (given !== undefined && !isSchemeName(given)) {
        return yield* usageError(`--scheme: must be one of ${SchemeNames.join(", ")} (got "${given.slice(0, 40)}")`)
      }
      const base = Option.getOrUndefined(input.url) ?? webhookClientDefaults(processEnv()).url ?? DEFAULT_URL
      const baseUrl = URL.canParse(base) ? new URL(base) : undefined
      if (baseUrl === undefined || (baseUrl.protocol !== "http:" && baseUrl.protocol !== "https:")) {
        return yield* usageError(
          `--url: must be an http:// or https:// URL such as ${DEFAULT_URL} (got "${base.slice(0, 80)}")`,
        )
      }
      const target = new URL(`${baseUrl.pathname.replace(/\/+$/, "")}/v1/webhooks/${input.name}`, baseUrl)
      const body = yield* readBodyFlags(input.data, input.file)
      const extra: Record<string, string> = {}
      for (const h of input.header) {
        const eq = h.indexOf("=")
        if (eq <= 0 || !HEADER_NAME.test(h.slice(0, eq))) {
          return yield* usageError(`--header: must be NAME=VALUE with an HTTP header name (got "${h.slice(0, 80)}")`)
        }
        extra[h.slice(0, eq)] = h.slice(eq + 1)
      }

      const secret = Option.getOrUndefined(input.secret) ?? webhookClientDefaults(processEnv()).secret
      // Sign the way the trigger verifies: its own scheme, looked up through the service, unless --scheme says.
      const schemeName: SchemeName | undefined =
        secret === undefined ? undefined : ((given as SchemeName | undefined) ?? (yield* triggerScheme(input.name)))
      const signature = yield* Effect.try({
        try: () =>
          secret === undefined || schemeName === undefined
            ? {}
            : schemes[schemeName].sign({ rawBody: body, secret, nowMs: Date.now() }),
        catch: (e) => usageError(e instanceof InvalidSigningSecret ? `--secret: ${e.message}` : String(e)),
      })
      const contentType = Option.getOrElse(input.contentType, () => "application/json")
      const headers = { "content-type": contentType, ...extra, ...signature }

      const reply = yield* Effect.tryPromise({
        try: () => post(target, body, headers),
        catch: (e) => unreachable(baseUrl.origin, e),
      })
      const parsed = parseOrText(reply.text)
      if (shared.json) printJson({ status: reply.status, body: parsed })
      else {
        printLine(`${reply.status} ${STATUS_CODES[reply.status] ?? ""}`.trimEnd())
        if (reply.text !== "") printLines(typeof parsed === "string" ? parsed : JSON.stringify(parsed, null, 2))
      }
      if (reply.status < 200 || reply.status > 299) {
        const why = isMissingHeader(reply.status, parsed)
          ? `; ${yield* missingHeaderHint(input.name, schemeName, given !== undefined)}`
          : ""
        const message = `serve answered ${reply.status}: the webhook was not accepted${why}`
        return yield* new Refused({ message })
      }
    }),
).pipe(
  Command.withDescription("sign a body with the trigger's scheme and POST it to serve (exit 0 only on 2xx)"),
  Command.withExamples(sendExamples),
)

export const webhookCommand = Command.make("webhook").pipe(
  Command.withDescription("send test webhooks to a running serve"),
  Command.withSubcommands([send]),
)
