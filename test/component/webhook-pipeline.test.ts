// Proves the webhook pipeline (verify, decode, store) against a real nats-server, without serve or HTTP:
// a verified request is stored on EVENTS exactly as received with dagnats' headers, a delivery repeated is
// one message, one delivery id sent to two triggers is two messages, every refusal is the typed error the
// HTTP mapping answers with and stores nothing, and the signature clock is the `nowMs` the pipeline is given.
// Each test uses triggers of its own, so it reads only the messages it stored.
import { afterAll, beforeAll, describe, expect, test } from "vitest"
import { Effect, Exit, Scope } from "effect"
import { connect } from "@nats-io/transport-node"
import type { NatsConnection } from "@nats-io/nats-core"
import { jetstream, jetstreamManager } from "@nats-io/jetstream"
import { startNatsServer, type TestNatsServer } from "../support/nats-server.js"
import { ensureResources } from "../../src/nats/resources.js"
import type { NatsHandles } from "../../src/nats/connection.js"
import * as TriggerStore from "../../src/triggers/store.js"
import { makeJetStreamPublisher, type JetStreamPublisher } from "../../src/nats/jetstream-publisher.js"
import { makePublish } from "../../src/ingest/publish.js"
import { makePipeline, type Outcome, type WebhookRequest } from "../../src/ingest/pipeline.js"
import { schemes, type SchemeName } from "../../src/domain/signatures/index.js"
import type { StoredTrigger } from "../../src/domain/trigger.js"
import { Headers, Streams, Subjects } from "../../src/protocol/names.js"
import { natsHandles } from "../support/nats-handles.js"

const encoder = new TextEncoder()
const MAX_BODY = 4_096
const SECRET = "s3cret-for-the-pipeline"
/** The pipeline's clock: fixed, so a signed timestamp is judged against the time the test chooses. */
const T0 = Date.UTC(2026, 0, 15, 12, 0, 0)

let nats: TestNatsServer
let nc: NatsConnection
let handles: NatsHandles
let store: TriggerStore.TriggerStoreShape
let scope: Scope.Closeable
let publisher: JetStreamPublisher
const triggers = new Map<string, StoredTrigger>()

beforeAll(async () => {
  nats = await startNatsServer()
  nc = await connect({ servers: nats.url })
  handles = await natsHandles(nc)
  const buckets = await Effect.runPromise(ensureResources(handles, { replicas: 1 }))
  store = TriggerStore.make(buckets.triggers)
  scope = Effect.runSync(Scope.make())
  publisher = await Effect.runPromise(Scope.provide(scope)(makeJetStreamPublisher(nc, 5_000)))
})

afterAll(async () => {
  await Effect.runPromise(Scope.close(scope, Exit.void))
  await nc?.close()
  await nats?.dispose()
})

/** A webhook trigger signed with SECRET, or with no secret of its own when `secrets` is null. */
const webhookTrigger = async (name: string, extra: Record<string, unknown> = {}) => {
  const { secrets = [SECRET], ...rest } = extra
  const definition = { name, workflow: "wf", type: "webhook", ...rest, ...(secrets === null ? {} : { secrets }) }
  const t = await Effect.runPromise(store.create(definition))
  triggers.set(name, t)
  return t
}

const pipelineWith = (o: { nowMs?: number; defaultSecret?: string; connected?: boolean } = {}) =>
  makePipeline({
    trigger: (name) => triggers.get(name),
    defaultSecret: o.defaultSecret,
    maxBodyBytes: MAX_BODY,
    publish: makePublish(publisher, { connected: () => o.connected ?? true }, () => undefined),
    storedSubject: (seq) =>
      Effect.promise(async () => (await handles.jsm.streams.getMessage(Streams.events, { seq }))?.subject),
    nowMs: () => o.nowMs ?? T0,
    logUnauthorized: false,
  })

interface RequestOptions {
  readonly method?: string
  readonly contentLength?: number
  readonly onBodyRead?: () => void
}

/** A request as the HTTP adapter hands it over: header names lowercased for lookup, raw ones as sent. */
const request = (
  name: string,
  body: string,
  headers: Record<string, string>,
  o: RequestOptions = {},
): WebhookRequest => {
  const bytes = encoder.encode(body)
  const lower = new Map(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]))
  return {
    name,
    method: o.method ?? "POST",
    contentLength: o.contentLength ?? bytes.length,
    contentType: lower.get("content-type"),
    header: (n) => lower.get(n),
    rawHeaders: Object.entries(headers).flat(),
    body: Effect.sync(() => {
      o.onBodyRead?.()
      return bytes
    }),
  }
}

/** Headers `scheme` signs `body` with at `nowMs`, plus a JSON content type. */
const signedBy = (
  scheme: SchemeName,
  body: string,
  o: { nowMs?: number; deliveryId?: string; secret?: string } = {},
) => ({
  "Content-Type": "application/json",
  ...schemes[scheme].sign({
    rawBody: encoder.encode(body),
    secret: o.secret ?? SECRET,
    nowMs: o.nowMs ?? T0,
    ...(o.deliveryId !== undefined ? { deliveryId: o.deliveryId } : {}),
  }),
})

const outcomeOf = (pipeline: ReturnType<typeof pipelineWith>, req: WebhookRequest): Promise<Outcome> =>
  Effect.runPromise(pipeline(req))

/** The typed error the pipeline failed with (it must fail). */
const failureOf = async (pipeline: ReturnType<typeof pipelineWith>, req: WebhookRequest) => {
  const exit = await Effect.runPromiseExit(pipeline(req))
  if (Exit.isSuccess(exit)) throw new Error(`expected a refusal, got ${JSON.stringify(exit.value)}`)
  const reason = exit.cause.reasons.find((r) => r._tag === "Fail")
  if (reason === undefined) throw new Error("expected a typed failure, got a defect")
  return reason.error
}

/** How many messages EVENTS holds on trigger `name`'s subject. */
const storedOn = async (name: string): Promise<number> => {
  const subject = Subjects.webhook(name)
  const info = await handles.jsm.streams.info(Streams.events, { subjects_filter: subject })
  return info.state.subjects?.[subject] ?? 0
}

const nextSeq = async () => (await handles.jsm.streams.info(Streams.events)).state.last_seq + 1

describe("webhook pipeline - stored", () => {
  test("webhook pipeline - a signed GitHub delivery is Stored at the next EVENTS sequence, body and headers as sent", async () => {
    await webhookTrigger("gh-store", { scheme: "github" })
    const body = '{"action":"opened","number":7}'
    const headers = { ...signedBy("github", body, { deliveryId: "d-100" }), "X-Custom": "kept" }
    const seq = await nextSeq()
    expect(await outcomeOf(pipelineWith(), request("gh-store", body, headers))).toStrictEqual({
      _tag: "Stored",
      subject: Subjects.webhook("gh-store"),
      stream: Streams.events,
      seq,
      duplicate: false,
    })
    const m = (await handles.jsm.streams.getMessage(Streams.events, { seq }))!
    expect(m.subject).toBe(Subjects.webhook("gh-store"))
    expect(new TextDecoder().decode(m.data)).toBe(body)
    expect(m.header.get(Headers.contentType)).toBe("application/json")
    expect(m.header.get(Headers.trigger)).toBe("gh-store")
    expect(m.header.get(Headers.msgId)).toBe("d-100")
    expect(m.header.get(Headers.deliveryId)).toBe("d-100")
    expect(m.header.get("X-Custom")).toBe("kept")
    expect(m.header.get("X-Hub-Signature-256")).toBe("")
  })

  test("webhook pipeline - the same delivery twice stores one message; the second is the first's sequence marked duplicate", async () => {
    await webhookTrigger("gh-twice", { scheme: "github" })
    const body = '{"n":1}'
    const req = () => request("gh-twice", body, signedBy("github", body, { deliveryId: "d-200" }))
    const first = await outcomeOf(pipelineWith(), req())
    const again = await outcomeOf(pipelineWith(), req())
    expect(first).toMatchObject({ _tag: "Stored", duplicate: false })
    expect(again).toStrictEqual({ ...first, duplicate: true })
    expect(await storedOn("gh-twice")).toBe(1)
  })

  test("webhook pipeline - one delivery id sent to two triggers stores both, the second under a trigger-scoped Nats-Msg-Id", async () => {
    await webhookTrigger("gh-one", { scheme: "github" })
    await webhookTrigger("gh-two", { scheme: "github" })
    const body = '{"n":2}'
    const headers = signedBy("github", body, { deliveryId: "d-300" })
    const one = await outcomeOf(pipelineWith(), request("gh-one", body, headers))
    const two = await outcomeOf(pipelineWith(), request("gh-two", body, headers))
    const twoAgain = await outcomeOf(pipelineWith(), request("gh-two", body, headers))
    expect(two).toMatchObject({ _tag: "Stored", subject: Subjects.webhook("gh-two"), duplicate: false })
    expect(two._tag === "Stored" && one._tag === "Stored" && two.seq > one.seq).toBe(true)
    expect(twoAgain).toStrictEqual({ ...two, duplicate: true })
    const m = (await handles.jsm.streams.getMessage(Streams.events, { seq: two._tag === "Stored" ? two.seq : 0 }))!
    expect(m.header.get(Headers.msgId)).toBe("gh-two:d-300")
    expect(m.header.get(Headers.deliveryId)).toBe("d-300")
    expect([await storedOn("gh-one"), await storedOn("gh-two")]).toStrictEqual([1, 1])
  })

  test("webhook pipeline - a trigger without secrets of its own verifies with the default secret", async () => {
    const body = '{"d":1}'
    const headers = signedBy("github", body, { secret: "the-default" })
    await webhookTrigger("default-secret-gh", { secrets: null, scheme: "github" })
    const outcome = await outcomeOf(
      pipelineWith({ defaultSecret: "the-default" }),
      request("default-secret-gh", body, headers),
    )
    expect(outcome).toMatchObject({ _tag: "Stored", subject: Subjects.webhook("default-secret-gh"), duplicate: false })
    expect(await storedOn("default-secret-gh")).toBe(1)
  })
})

describe("webhook pipeline - refusals are typed and store nothing", () => {
  test("webhook pipeline - an unknown trigger is NotFound (404) naming it", async () => {
    const body = "{}"
    expect(await failureOf(pipelineWith(), request("nobody", body, signedBy("github", body)))).toMatchObject({
      _tag: "NotFound",
      kind: "webhook trigger",
      name: "nobody",
    })
    expect(await storedOn("nobody")).toBe(0)
  })

  test("webhook pipeline - GET is MethodNotAllowed (405) allowing POST", async () => {
    await webhookTrigger("get-me", { scheme: "github" })
    const body = "{}"
    const req = request("get-me", body, signedBy("github", body), { method: "GET" })
    expect(await failureOf(pipelineWith(), req)).toMatchObject({
      _tag: "MethodNotAllowed",
      method: "GET",
      allow: "POST",
    })
    expect(await storedOn("get-me")).toBe(0)
  })

  test("webhook pipeline - a declared length over the limit is PayloadTooLarge (413) before the body is read", async () => {
    await webhookTrigger("too-big", { scheme: "github" })
    let read = false
    const body = "{}"
    const req = request("too-big", body, signedBy("github", body), {
      contentLength: MAX_BODY + 1,
      onBodyRead: () => void (read = true),
    })
    expect(await failureOf(pipelineWith(), req)).toMatchObject({ _tag: "PayloadTooLarge", limitBytes: MAX_BODY })
    expect(read).toBe(false)
    expect(await storedOn("too-big")).toBe(0)
  })

  test("webhook pipeline - text/plain is UnsupportedMediaType (415) listing application/json", async () => {
    await webhookTrigger("plain-text", { scheme: "github" })
    const body = "{}"
    const req = request("plain-text", body, { ...signedBy("github", body), "Content-Type": "text/plain" })
    expect(await failureOf(pipelineWith(), req)).toMatchObject({
      _tag: "UnsupportedMediaType",
      got: "text/plain",
      accepted: ["application/json"],
    })
    expect(await storedOn("plain-text")).toBe(0)
  })

  test("webhook pipeline - a signature by another secret is InvalidSignature (401) 'signature mismatch'", async () => {
    await webhookTrigger("bad-sig", { scheme: "github" })
    const body = '{"n":1}'
    const req = request("bad-sig", body, signedBy("github", body, { secret: "not-the-secret" }))
    expect(await failureOf(pipelineWith(), req)).toMatchObject({
      _tag: "InvalidSignature",
      trigger: "bad-sig",
      scheme: "github",
      reason: "signature mismatch",
    })
    expect(await storedOn("bad-sig")).toBe(0)
  })

  test("webhook pipeline - an unsigned request is InvalidSignature 'missing header', even when its body is not JSON", async () => {
    await webhookTrigger("unsigned", { scheme: "github" })
    const req = request("unsigned", "not json", { "Content-Type": "application/json" })
    expect(await failureOf(pipelineWith(), req)).toMatchObject({ _tag: "InvalidSignature", reason: "missing header" })
    expect(await storedOn("unsigned")).toBe(0)
  })

  test("webhook pipeline - a trigger with no secret and no default secret is NoSecretConfigured (401)", async () => {
    await webhookTrigger("no-secret", { secrets: null, scheme: "github" })
    const body = "{}"
    expect(await failureOf(pipelineWith(), request("no-secret", body, signedBy("github", body)))).toMatchObject({
      _tag: "NoSecretConfigured",
      trigger: "no-secret",
    })
    expect(await storedOn("no-secret")).toBe(0)
  })

  test("webhook pipeline - a signed body that is not JSON is InvalidJson (400); an empty one says it is empty", async () => {
    await webhookTrigger("not-json", { scheme: "github" })
    const bad = "{nope"
    expect(await failureOf(pipelineWith(), request("not-json", bad, signedBy("github", bad)))).toMatchObject({
      _tag: "InvalidJson",
      message: "the body is not valid JSON",
    })
    expect(await failureOf(pipelineWith(), request("not-json", "", signedBy("github", "")))).toMatchObject({
      _tag: "InvalidJson",
      message: "the body is empty",
    })
    expect(await storedOn("not-json")).toBe(0)
  })

  test("webhook pipeline - with NATS disconnected a verified request is Unavailable (503) and nothing is stored", async () => {
    await webhookTrigger("nats-down", { scheme: "github" })
    const body = "{}"
    const req = request("nats-down", body, signedBy("github", body))
    expect(await failureOf(pipelineWith({ connected: false }), req)).toMatchObject({
      _tag: "Unavailable",
      message: "NATS is disconnected; retry later",
    })
    expect(await storedOn("nats-down")).toBe(0)
  })
})

describe("webhook pipeline - the signature clock is nowMs", () => {
  test("webhook pipeline - a Slack request signed 4 min before nowMs is stored; 6 min before is 'timestamp outside tolerance'", async () => {
    await webhookTrigger("slack-clock", { scheme: "slack" })
    const body = '{"type":"event_callback","event_id":"Ev1"}'
    const headers = signedBy("slack", body, { nowMs: T0 })
    const stale = pipelineWith({ nowMs: T0 + 6 * 60_000 })
    expect(await failureOf(stale, request("slack-clock", body, headers))).toMatchObject({
      _tag: "InvalidSignature",
      scheme: "slack",
      reason: "timestamp outside tolerance",
    })
    expect(await storedOn("slack-clock")).toBe(0)
    const fresh = pipelineWith({ nowMs: T0 + 4 * 60_000 })
    expect(await outcomeOf(fresh, request("slack-clock", body, headers))).toMatchObject({
      _tag: "Stored",
      subject: Subjects.webhook("slack-clock"),
      duplicate: false,
    })
    expect(await storedOn("slack-clock")).toBe(1)
  })

  test("webhook pipeline - a Slack url_verification is answered with its Challenge and not stored", async () => {
    await webhookTrigger("slack-challenge", { scheme: "slack" })
    const body = '{"type":"url_verification","challenge":"ch-42"}'
    const outcome = await outcomeOf(pipelineWith(), request("slack-challenge", body, signedBy("slack", body)))
    expect(outcome).toStrictEqual({ _tag: "Challenge", challenge: "ch-42" })
    expect(await storedOn("slack-challenge")).toBe(0)
  })
})
