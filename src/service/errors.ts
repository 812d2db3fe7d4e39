// The one mapping from dagnats conditions to micro error codes and JSON error bodies (the same body
// HTTP answers with): a tagged error, a request that is not JSON, or a failure no handler expected.
import { Cause } from "effect"
import { Internal, InvalidInput, type ServiceError } from "../domain/errors.js"
import { errorBody, type ErrorBody } from "../domain/errors.js"

export interface MicroError {
  readonly code: 400 | 404 | 409 | 500 | 503
  readonly body: ErrorBody
}

const TABLE = {
  InvalidInput: { code: 400, name: "invalid" },
  NotFound: { code: 404, name: "not_found" },
  Conflict: { code: 409, name: "conflict" },
  Unavailable: { code: 503, name: "unavailable" },
  Internal: { code: 500, name: "internal" },
} as const satisfies Record<ServiceError["_tag"], { code: MicroError["code"]; name: string }>

export const toMicroError = (e: ServiceError): MicroError => {
  const { code, name } = TABLE[e._tag]
  return { code, body: errorBody(name, e.message) }
}

/** A request body that does not parse as JSON is invalid input, before any endpoint sees it. */
export const invalidJsonRequest = (): MicroError =>
  toMicroError(new InvalidInput({ message: "request body is not valid JSON" }))

/** A handler's failure: its tagged error, or for a defect a 500 that points at the log (`unexpected` is set). */
export const causeToMicroError = (cause: Cause.Cause<ServiceError>): MicroError & { readonly unexpected: boolean } => {
  const failure = cause.reasons.find(Cause.isFailReason)
  return failure !== undefined
    ? { ...toMicroError(failure.error), unexpected: false }
    : { ...toMicroError(new Internal({ message: "internal error; see the serve log" })), unexpected: true }
}
