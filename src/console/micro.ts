// The console's side of the micro service: one JSON request per call on serve's NATS connection,
// the reply checked with Schema, and every failure turned into a ConsoleFailure carrying the HTTP
// status the console answers with (the service's own error code where it sent one).
import { Effect, Option, Schema } from "effect"
import type { NatsConnection } from "../nats/core-api.js"
import { ServiceErrorCodeHeader, ServiceErrorHeader, Svcm } from "../nats/services-api.js"
import { describe, isNoResponders, isRequestTimeout } from "../nats/errors.js"
import { endpointSubject, Service } from "../protocol/names.js"
import { describeIssue } from "../domain/trigger.js"

/** A console request that failed; `status` is what the console's API answers. */
export class ConsoleFailure extends Schema.TaggedError<ConsoleFailure>()("ConsoleFailure", {
  status: Schema.Number,
  message: Schema.String,
}) {}

/** Long enough for a page of a thousand deliveries; short enough that a hung service shows. */
const REQUEST_TIMEOUT_MS = 10_000
/** Instances answer $SRV.PING within milliseconds; the last answer is waited for this long. */
const PING_WAIT_MS = 500

const MICRO_STATUS: Readonly<Record<string, number>> = { "400": 400, "404": 404, "409": 409, "503": 503 }

export type Group = Parameters<typeof endpointSubject>[0]

const decoder = new TextDecoder()

const ErrorReply = Schema.fromJsonString(Schema.Struct({ error: Schema.Struct({ message: Schema.String }) }))
const decodeErrorReply = Schema.decodeUnknownOption(ErrorReply)

/** The message of a JSON error reply; undefined when the reply is not one. */
const replyError = (text: string): string | undefined =>
  Option.getOrUndefined(Option.map(decodeErrorReply(text), (r) => r.error.message))

/** `value` checked against `schema`; the value itself (with fields the schema does not name) when it fits. */
export const checked = <S extends Schema.Top & { readonly DecodingServices: never }>(
  subject: string,
  schema: S,
  value: unknown,
): Effect.Effect<S["Type"], ConsoleFailure> => {
  const exit = Schema.decodeUnknownExit(schema as never)(value)
  if (exit._tag === "Success") return Effect.succeed(value as S["Type"])
  const issue = (exit.cause as { reasons?: ReadonlyArray<{ error?: { issue?: unknown } }> }).reasons?.[0]?.error?.issue
  const why = issue !== undefined ? describeIssue(issue as never) : "an unexpected shape"
  return Effect.fail(new ConsoleFailure({ status: 502, message: `the reply to ${subject} is not understood: ${why}` }))
}

export interface Instance {
  readonly id: string
  readonly version: string
}

export const makeMicro = (nc: NatsConnection) => {
  const call = <S extends Schema.Top & { readonly DecodingServices: never }>(
    group: Group,
    name: string,
    body: unknown,
    schema: S,
  ): Effect.Effect<S["Type"], ConsoleFailure> => {
    const subject = endpointSubject(group, name)
    return Effect.tryPromise({
      try: () => nc.request(subject, JSON.stringify(body), { timeout: REQUEST_TIMEOUT_MS }),
      catch: (e) =>
        isNoResponders(e)
          ? new ConsoleFailure({ status: 503, message: `no dagnats service answers on ${subject}` })
          : isRequestTimeout(e)
            ? new ConsoleFailure({ status: 504, message: `the service did not answer ${subject} in time` })
            : new ConsoleFailure({ status: 502, message: `request ${subject} failed: ${describe(e)}` }),
    }).pipe(
      Effect.flatMap((reply) => {
        const text = decoder.decode(reply.data)
        const code = reply.headers?.get(ServiceErrorCodeHeader) ?? ""
        if (code !== "") {
          const message = replyError(text) ?? reply.headers?.get(ServiceErrorHeader) ?? "request failed"
          return Effect.fail(new ConsoleFailure({ status: MICRO_STATUS[code] ?? 502, message }))
        }
        return Effect.try({
          try: () => JSON.parse(text) as unknown,
          catch: () => new ConsoleFailure({ status: 502, message: `the reply to ${subject} is not JSON` }),
        }).pipe(Effect.flatMap((value) => checked(subject, schema, value)))
      }),
    )
  }

  /** Every serve instance answering $SRV.PING for the dagnats service. */
  const ping: Effect.Effect<ReadonlyArray<Instance>, ConsoleFailure> = Effect.tryPromise({
    try: async () => {
      const answers = await new Svcm(nc).client({ maxWait: PING_WAIT_MS, strategy: "timer" }).ping(Service.name)
      const instances: Array<Instance> = []
      for await (const a of answers) instances.push({ id: String(a.id), version: String(a.version) })
      return instances.sort((a, b) => a.id.localeCompare(b.id))
    },
    catch: (e) => new ConsoleFailure({ status: 502, message: `$SRV.PING failed: ${describe(e)}` }),
  })

  return { call, ping }
}

export type Micro = ReturnType<typeof makeMicro>
