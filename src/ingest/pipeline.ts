// POST /v1/webhooks/{name} as one Effect from a received request to an outcome, with the checks in
// a fixed order: trigger, method, size, content type, secret, signature, JSON, so a request is
// answered for the first check it fails and nothing is parsed before it is verified. Owns no
// transport: server.ts hands it the request and a bounded body reader, and publish.ts stores the
// event. Everything here is per request, so it stays lean.
import { Effect, Schema } from "effect"
import { NotFound, type Unavailable } from "../domain/errors.js"
import type { StoredTrigger } from "../domain/trigger.js"
import { parseDurationMs } from "../domain/duration.js"
import {
  DEFAULT_SCHEME,
  DEFAULT_TOLERANCE_MS,
  schemes,
  type HeaderLookup,
  type SchemeName,
} from "../domain/signatures/index.js"
import { Headers, Subjects } from "../protocol/names.js"
import { runIdFor, storedEventIdentity } from "../domain/run-id.js"
import { respondTimeoutMs } from "../domain/trigger.js"
import type { ResponderShape, Waited } from "../respond/index.js"
import {
  InvalidJson,
  InvalidSignature,
  MethodNotAllowed,
  NoSecretConfigured,
  PayloadTooLarge,
  UnsupportedMediaType,
  type IngestError,
  type RequestAborted,
} from "./errors.js"
import { headersToStore } from "./headers.js"
import { decodeUtf8, jsonTextDepthWithin, jsonValueDepthWithin, TOO_DEEP } from "../domain/json-limits.js"
import { parseJson } from "../domain/json.js"
import { decodeFormBody } from "../domain/form-body.js"
import { signedRequestId } from "../domain/signed-request-id.js"

/** The header Slack signs its timestamp in (lowercase: Node's header names). */
const SLACK_TIMESTAMP = "x-slack-request-timestamp"
import { acceptedTypes, bodyKind, type BodyKind } from "./media-type.js"
import { SpanNames } from "../telemetry/index.js"

/** What the adapter knows about a request before its body is read. */
export interface WebhookRequest {
  readonly name: string
  readonly method: string
  /** Declared Content-Length, when the request has one. */
  readonly contentLength: number | undefined
  readonly contentType: string | undefined
  /** Lookup by lowercase name (Node lowercases incoming names). */
  readonly header: HeaderLookup
  /** Node's rawHeaders: names as the client sent them, values in order. */
  readonly rawHeaders: ReadonlyArray<string>
  /** Reads the body, failing at the first byte over the limit; run only after the cheap checks. */
  readonly body: Effect.Effect<Uint8Array, PayloadTooLarge | RequestAborted>
  /** dagnats' delivery id of this request, stored on the event so it leads back to its delivery. */
  readonly delivery?: string
  /** The query string after `?`, when there is one (a synchronous webhook's run sees it). */
  readonly query?: string
  /** Registers a listener for the client going away before it was answered (synchronous webhooks). */
  readonly onGone?: (listener: () => void) => void
}

/** The message to store on EVENTS. */
export interface EventToStore {
  readonly subject: string
  readonly body: Uint8Array
  readonly contentType: string
  readonly trigger: string
  readonly headers: ReadonlyArray<readonly [string, string]>
  readonly msgId: string | undefined
  /** The sender's delivery id, kept in its own header whatever Nats-Msg-Id says. */
  readonly deliveryId: string | undefined
  /** dagnats' own delivery id (Dagnats-Delivery). */
  readonly delivery?: string | undefined
}

/** JetStream's acknowledgement, the only proof that the event is durable. */
export interface Stored {
  readonly stream: string
  readonly seq: number
  readonly duplicate: boolean
}

export type Outcome =
  | ({ readonly _tag: "Stored"; readonly subject: string } & Stored)
  /** A Slack url_verification handshake: answered with the challenge, never stored. */
  | { readonly _tag: "Challenge"; readonly challenge: string }
  /** A synchronous webhook: stored, then answered with what its run responded (or why not). */
  | ({ readonly _tag: "Responded"; readonly subject: string; readonly waited: Waited } & Stored)

interface PipelineDeps {
  readonly trigger: (name: string) => StoredTrigger | undefined
  /** DAGNATS_WEBHOOK_SECRET: for every webhook trigger without secrets of its own. */
  readonly defaultSecret: string | undefined
  readonly maxBodyBytes: number
  readonly publish: (event: EventToStore) => Effect.Effect<Stored, Unavailable | PayloadTooLarge>
  /** The subject of the stored message at `seq`, to tell whose delivery id a duplicate was. */
  readonly storedSubject: (seq: number) => Effect.Effect<string | undefined, Unavailable>
  readonly nowMs: () => number
  /** Log each 401 with trigger and reason (debug level only: a scanner would flood the log). */
  readonly logUnauthorized: boolean
  /** Traces are exported: verification gets its own span. */
  readonly traced?: boolean
  /** Synchronous webhooks: subscribe for the run's answer, store the event, wait. */
  readonly respond?: ResponderShape["wait"]
}

const SlackUrlVerification = Schema.Struct({ type: Schema.Literal("url_verification"), challenge: Schema.String })
const isSlackUrlVerification = Schema.is(SlackUrlVerification)

/** The trigger's own secrets win; the default secret applies only to triggers without any. */
const secretsFor = (trigger: StoredTrigger, defaultSecret: string | undefined): ReadonlyArray<string> =>
  trigger.secrets !== undefined && trigger.secrets.length > 0
    ? trigger.secrets
    : defaultSecret !== undefined
      ? [defaultSecret]
      : []

const toleranceMs = (trigger: StoredTrigger): number =>
  (trigger.tolerance !== undefined ? parseDurationMs(trigger.tolerance) : undefined) ?? DEFAULT_TOLERANCE_MS

type Parsed = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly message: string }

/**
 * The body as JSON, or why not: invalid UTF-8 and nesting over the limit are refused here, before
 * the event is stored, because every later step (evaluator, run record, engine) would fail on it.
 * The depth is checked on the bytes first, so a hostile body costs one linear scan.
 */
const parseBody = (body: Uint8Array): Parsed => {
  const text = decodeUtf8(body)
  if (text === undefined) return { ok: false, message: "the body is not valid UTF-8" }
  if (!jsonTextDepthWithin(body)) return { ok: false, message: `the body ${TOO_DEEP}` }
  const value = parseJson(text)
  return value._tag === "Some" ? { ok: true, value: value.value } : { ok: false, message: "the body is not valid JSON" }
}

/**
 * Slack signs a timestamp but sends no delivery id outside Events API bodies: derive one from the
 * signed timestamp and the body, so a replayed request is a duplicate rather than a second run.
 * The id only ever joins requests with the same timestamp and identical bytes.
 */
const derivedDeliveryId = (scheme: string, header: HeaderLookup, body: Uint8Array): string | undefined => {
  if (scheme !== "slack") return undefined
  const timestamp = header(SLACK_TIMESTAMP)
  if (timestamp === undefined || !/^\d{1,12}$/.test(timestamp)) return undefined
  return signedRequestId("slack", timestamp, body)
}

export const makePipeline = (deps: PipelineDeps) => {
  const unauthorized = (error: NoSecretConfigured | InvalidSignature) =>
    deps.logUnauthorized
      ? Effect.logDebug(
          `webhook ${error.trigger}: 401 ${error._tag === "InvalidSignature" ? `invalid_signature (${error.scheme}: ${error.reason})` : "no_secret_configured"}`,
        ).pipe(Effect.annotateLogs({ trigger: error.trigger }), Effect.andThen(Effect.fail(error)))
      : Effect.fail(error)

  // After the signature: the body's checks, then storing it (and, for a synchronous webhook,
  // waiting for its run's answer).
  const storeBody = (
    req: WebhookRequest,
    trigger: StoredTrigger,
    schemeName: SchemeName,
    kind: BodyKind,
    body: Uint8Array,
  ): Effect.Effect<Outcome, IngestError> => {
    if (body.length === 0) return Effect.fail(new InvalidJson({ message: "the body is empty" }))
    // Form bodies are stored as received; the evaluator decodes them. Only JSON is parsed here.
    let parsed: unknown = undefined
    if (kind === "json") {
      const result = parseBody(body)
      if (!result.ok) return Effect.fail(new InvalidJson({ message: result.message }))
      parsed = result.value
    } else {
      // A form body is stored as received, but it must decode later: UTF-8, its JSON field bounded.
      const text = decodeUtf8(body)
      if (text === undefined) return Effect.fail(new InvalidJson({ message: "the body is not valid UTF-8" }))
      if (!jsonValueDepthWithin(decodeFormBody(text))) {
        return Effect.fail(new InvalidJson({ message: `the body ${TOO_DEEP}` }))
      }
    }
    if (schemeName === "slack" && isSlackUrlVerification(parsed))
      return Effect.succeed({ _tag: "Challenge", challenge: parsed.challenge } as const)

    const scheme = schemes[schemeName]
    const subject = Subjects.webhook(trigger.name)
    // A synchronous webhook must know its run id before the event is stored: without a sender's
    // delivery id, dagnats' own identifies the event (and so its run).
    const respond = deps.respond !== undefined && req.delivery !== undefined ? trigger.respond : undefined
    const deliveryId =
      scheme.deliveryId(req.header, parsed) ??
      derivedDeliveryId(schemeName, req.header, body) ??
      (respond !== undefined ? req.delivery : undefined)
    const forwarded = headersToStore(req.rawHeaders)
    const event = {
      subject,
      body,
      contentType: req.contentType!,
      trigger: trigger.name,
      headers:
        respond !== undefined && req.query !== undefined && req.query !== ""
          ? [...forwarded, [Headers.query, req.query] as const]
          : forwarded,
      msgId: deliveryId,
      deliveryId,
      delivery: req.delivery,
    }
    const store = deps.publish(event).pipe(
      Effect.flatMap((stored) =>
        // JetStream deduplicates by Nats-Msg-Id across the whole stream. A provider that sends one
        // delivery id to two endpoints (Svix does) must not lose the second trigger's event: when
        // the duplicate is another trigger's message, store it under an id scoped to this trigger.
        stored.duplicate && deliveryId !== undefined
          ? deps
              .storedSubject(stored.seq)
              .pipe(
                Effect.flatMap((storedAs) =>
                  storedAs === subject
                    ? Effect.succeed(stored)
                    : deps.publish({ ...event, msgId: `${trigger.name}:${deliveryId}` }),
                ),
              )
          : Effect.succeed(stored),
      ),
      Effect.map((stored) => ({ _tag: "Stored", subject, ...stored }) as const),
    )
    if (respond === undefined || deliveryId === undefined || deps.respond === undefined) return store
    const runId = runIdFor(trigger.name, storedEventIdentity({ deliveryId, seq: 0 }))
    return deps
      .respond(
        {
          trigger: trigger.name,
          runId,
          timeoutMs: respondTimeoutMs(respond),
          ...(req.onGone !== undefined ? { onGone: req.onGone } : {}),
        },
        store,
      )
      .pipe(Effect.map(({ stored, waited }) => ({ ...stored, _tag: "Responded", waited }) as const))
  }

  // A pipeline rather than a generator: this runs once per webhook, and Effect.gen costs ~2 µs a
  // call. Suspended, so the trigger is looked up when the pipeline runs, not when it is built.
  return (req: WebhookRequest): Effect.Effect<Outcome, IngestError> =>
    Effect.suspend(() => {
      const trigger = deps.trigger(req.name)
      if (trigger === undefined || trigger.type !== "webhook")
        return Effect.fail(new NotFound({ kind: "webhook trigger", name: req.name.slice(0, 100) }))
      if (req.method !== "POST") return Effect.fail(new MethodNotAllowed({ method: req.method, allow: "POST" }))
      // A declared length over the limit is refused before a byte of the body is read.
      if (req.contentLength !== undefined && req.contentLength > deps.maxBodyBytes) {
        return Effect.fail(new PayloadTooLarge({ limitBytes: deps.maxBodyBytes }))
      }
      return Effect.flatMap(req.body, (body): Effect.Effect<Outcome, IngestError> => {
        const schemeName = trigger.scheme ?? DEFAULT_SCHEME
        const kind = bodyKind(req.contentType, schemeName)
        if (kind === undefined)
          return Effect.fail(
            new UnsupportedMediaType({ got: req.contentType ?? "", accepted: acceptedTypes(schemeName) }),
          )
        if (trigger.verify === false) return storeBody(req, trigger, schemeName, kind, body)
        const secrets = secretsFor(trigger, deps.defaultSecret)
        if (secrets.length === 0) return unauthorized(new NoSecretConfigured({ trigger: trigger.name }))
        const tolerance = toleranceMs(trigger)
        const scheme = schemes[schemeName]
        // Written out, not `{ ...input, nowMs }`: on Node 20 a spread followed by more keys costs ~1 µs.
        const verify = () =>
          scheme.verify({ rawBody: body, header: req.header, secrets, toleranceMs: tolerance, nowMs: deps.nowMs() })
        const verified = (verdict: ReturnType<typeof verify>) =>
          verdict.ok
            ? storeBody(req, trigger, schemeName, kind, body)
            : unauthorized(new InvalidSignature({ trigger: trigger.name, scheme: schemeName, reason: verdict.reason }))
        if (deps.traced !== true) return verified(verify())
        const span = { attributes: { "dagnats.scheme": schemeName } }
        return Effect.sync(verify).pipe(Effect.withSpan(SpanNames.verify, span), Effect.flatMap(verified))
      })
    })
}
