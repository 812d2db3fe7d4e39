// What a micro endpoint is to dagnats: a name, a request schema, and an Effect from the decoded
// request to a JSON-able reply. Transport concerns live in service/server.ts.
import { Effect, Schema } from "effect"
import { InvalidInput, type ServiceError } from "../domain/errors.js"
import { describeIssue } from "../domain/trigger.js"

export interface Endpoint {
  readonly group: "triggers" | "runs" | "events" | "deliveries"
  readonly name: string
  readonly handle: (body: unknown) => Effect.Effect<unknown, ServiceError>
  /** The request schema, published as JSON Schema in `$SRV.INFO` (service/metadata.ts). */
  readonly request?: Schema.Top
  /** One line for `nats micro info`, when service/metadata.ts has none for this endpoint. */
  readonly description?: string
}

/** Decode the request with `schema` (unknown fields rejected), then run `handler`. */
export const endpoint = <S extends Schema.Top & { readonly DecodingServices: never }>(
  group: Endpoint["group"],
  name: string,
  schema: S,
  handler: (request: S["Type"]) => Effect.Effect<unknown, ServiceError>,
): Endpoint => {
  const decode = Schema.decodeUnknownExit(schema as never, { onExcessProperty: "error", errors: "all" }) as (
    u: unknown,
  ) => ReturnType<ReturnType<typeof Schema.decodeUnknownExit<S>>>
  return {
    group,
    name,
    request: schema,
    handle: (body) => {
      const exit = decode(body)
      if (exit._tag === "Success") return handler(exit.value as S["Type"])
      const issue = (exit.cause as { reasons?: ReadonlyArray<{ error?: { issue?: unknown } }> }).reasons?.[0]?.error
        ?.issue
      return Effect.fail(
        new InvalidInput({ message: issue !== undefined ? describeIssue(issue as never) : "invalid request" }),
      )
    },
  }
}

/** Requests that name one trigger or run. */
export const NameRequest = Schema.Struct({ name: Schema.String })
