// The `dagnats` micro service: one queue group shared by every serve, JSON in and out,
// errors as micro error headers plus the JSON error body. Discoverable with `nats micro list`.
// Requests enter Effect through serve's callback boundary (its logger, its tracer).
import { Context, Effect, Layer, Result, type Scope } from "effect"
import { Svcm, type Service, type ServiceMsg } from "../nats/services-api.js"
import type { NatsConnection } from "../nats/core-api.js"
import { Service as ServiceNames, endpointSubject } from "../protocol/names.js"
import { Internal } from "../domain/errors.js"
import { MicroEndpoints, type Endpoint } from "../micro/index.js"
import { Nats } from "../nats/connection.js"
import { Boundary, type BoundaryShape } from "../runtime/index.js"
import { VERSION } from "../version.js"
import { causeToMicroError, invalidJsonRequest, toMicroError, type MicroError } from "./errors.js"
import { endpointMetadata } from "./metadata.js"
import { parseJson } from "../domain/json.js"

const decoder = new TextDecoder()
const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e))

const parseBody = (msg: ServiceMsg): { ok: true; value: unknown } | { ok: false } => {
  const text = decoder.decode(msg.data).trim()
  if (text === "") return { ok: true, value: {} }
  const value = parseJson(text)
  return value._tag === "Some" ? { ok: true, value: value.value } : { ok: false }
}

/**
 * Error replies per endpoint, for `$SRV.STATS`. nats.js counts an error only when a handler throws
 * synchronously; ours reply later, from an Effect, so the service counts its own error replies.
 */
class ErrorCounts {
  private readonly counts = new Map<string, { n: number; last: string }>()
  count(endpoint: string, message: string) {
    const c = this.counts.get(endpoint) ?? { n: 0, last: "" }
    this.counts.set(endpoint, { n: c.n + 1, last: message })
  }
  get(endpoint: string) {
    return this.counts.get(endpoint)
  }
}

/** The per-endpoint stats nats.js keeps and reports in `$SRV.STATS`; the statsHandler sees them. */
interface EndpointStats {
  num_errors: number
  last_error?: string | undefined
}

/** Count one error reply of the endpoint being served; its text is "code:message", as nats.js words it. */
type Counter = (error: string) => void

const respondError = (msg: ServiceMsg, { code, body }: MicroError, errors: Counter) => {
  errors(`${code}:${body.error.message}`)
  msg.respondError(code, body.error.message, JSON.stringify(body))
}

/**
 * Send a reply. nats.js throws when it is larger than the server's max_payload (a list of many
 * triggers or runs); that must become a 500 the caller can act on, never an unhandled rejection
 * that takes serve down.
 */
const respondJson = (msg: ServiceMsg, value: unknown, where: string, log: (line: string) => void, errors: Counter) => {
  const data = JSON.stringify(value)
  const sent = Result.try(() => msg.respond(data))
  if (sent._tag === "Success") return
  const message =
    `reply of ${Buffer.byteLength(data)} bytes could not be sent (${errorText(sent.failure)}); ` +
    'ask for fewer items with "limit"'
  log(`endpoint ${where}: ${message}`)
  // This one can fail too: the connection is gone, and the caller times out.
  Result.try(() => respondError(msg, toMicroError(new Internal({ message })), errors))
}

/** Serve one request; defects become 500 with the cause logged, never a dropped request. */
const handle = (
  ep: Endpoint,
  msg: ServiceMsg,
  log: (line: string) => void,
  errors: Counter,
  boundary: BoundaryShape,
) => {
  const parsed = parseBody(msg)
  if (!parsed.ok) return respondError(msg, invalidJsonRequest(), errors)
  void boundary
    .exit(ep.handle(parsed.value))
    .then((exit) => {
      if (exit._tag === "Success") return respondJson(msg, exit.value, `${ep.group}.${ep.name}`, log, errors)
      const error = causeToMicroError(exit.cause)
      if (error.unexpected) log(`endpoint ${ep.group}.${ep.name} failed: ${String(exit.cause)}`)
      respondError(msg, error, errors)
    })
    .catch((e: unknown) =>
      log(`endpoint ${ep.group}.${ep.name}: could not reply: ${e instanceof Error ? e.message : String(e)}`),
    )
}

export const startService = (
  nc: NatsConnection,
  version: string,
  endpoints: ReadonlyArray<Endpoint>,
  boundary: BoundaryShape,
): Effect.Effect<Service, never, Scope.Scope> => {
  const log = (line: string) => void boundary.fork(Effect.logError(line))
  return Effect.acquireRelease(
    Effect.promise(async () => {
      const errors = new ErrorCounts()
      const service = await new Svcm(nc).add({
        name: ServiceNames.name,
        version,
        description: ServiceNames.description,
        queue: ServiceNames.queue,
        // Called for each endpoint just before $SRV.STATS answers: put our counts where it reads them.
        // nats.js passes its own endpoint record, stats included; the nats CLI stats test breaks if not.
        statsHandler: (endpoint) => {
          const name = (endpoint as { name?: string }).name ?? ""
          const stats = (endpoint as { stats?: EndpointStats }).stats
          const counted = errors.get(name)
          if (stats !== undefined && counted !== undefined) {
            stats.num_errors = counted.n
            stats.last_error = counted.last
          }
          return Promise.resolve(undefined)
        },
      })
      // Endpoint names must be unique in $SRV.INFO and STATS, so each is named group-endpoint
      // ("triggers-create") and listens on its public subject ("dagnats.triggers.create").
      for (const ep of endpoints) {
        const subject = endpointSubject(ep.group, ep.name)
        const name = `${ep.group}-${ep.name}`
        const counter: Counter = (error) => errors.count(name, error)
        service.addEndpoint(name, {
          subject,
          metadata: endpointMetadata(ep),
          handler: (err, msg) => {
            if (err !== null) return log(`endpoint ${subject} stopped: ${err.message}`)
            handle(ep, msg, log, counter, boundary)
          },
        })
      }
      // Until the server has the endpoints' subscriptions, a request from another connection finds no
      // responders: serve says it is up (and ready) only after a round trip has carried them there.
      await nc.flush()
      return service
    }),
    (service) => Effect.promise(() => service.stop().catch(() => undefined)),
  )
}

/** What the micro service tells serve: the line that says it is up. */
export class MicroService extends Context.Service<MicroService, { readonly started: string }>()(
  "dagnats/service/MicroService",
) {}

/** The micro service over serve's connection, answering every endpoint in `MicroEndpoints`; stopped on release. */
export const make = Effect.gen(function* () {
  const { nc } = yield* Nats
  yield* startService(nc, VERSION, yield* MicroEndpoints, yield* Boundary)
  return { started: `micro service dagnats ${VERSION} up (queue group dagnats)` }
})

export const layer = Layer.effect(MicroService, make)
