// The CLI's side of the micro service: connect with the operator's settings, send one JSON request,
// and turn every failure into the exit code of SPEC §8 with a message a person can act on.
import { Effect } from "effect"
import { Option } from "effect"
import { NoRespondersError, RequestError, TimeoutError, type NatsConnection } from "@nats-io/nats-core"
import { ServiceErrorCodeHeader } from "@nats-io/services"
import { connectionSettings, requestedNatsUrl, DEFAULT_NATS_URL } from "../config/settings.js"
import { openConnection } from "../nats/connection.js"
import { CliExit, ExitCode, UNREACHABLE_HINT } from "./exit.js"
import type { SharedInput } from "./shared.js"

/** Long enough for a list of thousands of triggers; short enough that a hung service is noticed. */
const REQUEST_TIMEOUT_MS = 10_000

export const connectionFlags = (s: SharedInput) => ({
  natsUrl: Option.getOrUndefined(s.natsUrl),
  creds: Option.getOrUndefined(s.creds),
  user: Option.getOrUndefined(s.user),
  password: Option.getOrUndefined(s.password),
  token: Option.getOrUndefined(s.token),
})

/** A NATS connection for the command's lifetime; exit 3 with the hint when it cannot be made. */
export const connectCli = (s: SharedInput) =>
  Effect.acquireRelease(
    Effect.gen(function* () {
      const flags = connectionFlags(s)
      const url = requestedNatsUrl(flags, process.env) ?? DEFAULT_NATS_URL
      const settings = connectionSettings(flags, process.env, url, { name: "dagnats cli", reconnect: false })
      return yield* openConnection(settings).pipe(
        Effect.mapError((e) => new CliExit({ code: ExitCode.unreachable, message: `${e.message}\n${UNREACHABLE_HINT}` })),
      )
    }),
    ({ nc }) => Effect.promise(() => nc.close()),
  )

const decoder = new TextDecoder()

/** Send one request to `subject`; resolve with the decoded JSON reply or fail with a CliExit. */
export const request = (nc: NatsConnection, subject: string, body: unknown, timeoutMs: number = REQUEST_TIMEOUT_MS) =>
  Effect.gen(function* () {
    const reply = yield* Effect.tryPromise({
      try: () => nc.request(subject, JSON.stringify(body ?? {}), { timeout: timeoutMs }),
      catch: (e) => {
        const noResponders = e instanceof NoRespondersError || (e instanceof RequestError && e.isNoResponders())
        if (noResponders) return new CliExit({ code: ExitCode.unreachable, message: `no dagnats service answers on ${subject}\n${UNREACHABLE_HINT}` })
        if (e instanceof TimeoutError) return new CliExit({ code: ExitCode.unreachable, message: `the dagnats service did not answer ${subject} within ${timeoutMs / 1000}s` })
        return new CliExit({ code: ExitCode.unreachable, message: `request ${subject} failed: ${e instanceof Error ? e.message : String(e)}` })
      },
    })
    const text = decoder.decode(reply.data)
    const code = reply.headers?.get(ServiceErrorCodeHeader)
    if (code !== undefined && code !== "") {
      const message = errorMessage(text) ?? reply.headers?.get("Nats-Service-Error") ?? "request failed"
      const status = Number(code)
      return yield* new CliExit({ code: status === 503 ? ExitCode.unreachable : ExitCode.refused, message })
    }
    try {
      return JSON.parse(text) as unknown
    } catch {
      return yield* new CliExit({ code: ExitCode.refused, message: `the service answered ${subject} with something that is not JSON` })
    }
  })

const errorMessage = (text: string): string | undefined => {
  try {
    const m = (JSON.parse(text) as { error?: { message?: unknown } }).error?.message
    return typeof m === "string" ? m : undefined
  } catch {
    return undefined
  }
}
