// Shared inputs for the signature tests: one fixture per scheme saying which headers it needs,
// how to break them, and two secrets valid for it (Standard Webhooks secrets must be base64).
import {
  schemes,
  headerLookupFrom,
  type SchemeName,
  type VerifyResult,
} from "../../../../src/domain/signatures/index.js"

export const NOW_MS = 1_700_000_000_000
export const BODY = Buffer.from('{"id":"evt_1NG8Du2eZvKYlo2CUI79vXWy","event_id":"Ev0PV52K25","type":"ping"}')
export const TOLERANCE_MS = 300_000

export type Headers = Record<string, string>

export interface SchemeFixture {
  readonly scheme: SchemeName
  readonly secret: string
  readonly otherSecret: string
  /** Header names `sign` produces that verification needs; removing any one means "missing header". */
  readonly required: ReadonlyArray<string>
  /** Headers whose values are present but unparseable. Empty for gitlab: any token is well-formed. */
  readonly malformed: ReadonlyArray<{ readonly what: string; readonly change: (h: Headers) => Headers }>
  /** Replaces the signature by a well-formed one of the wrong length. */
  readonly wrongLength: (h: Headers) => Headers
}

const set = (h: Headers, name: string, value: string): Headers => ({ ...h, [name]: value })
const get = (h: Headers, name: string): string => {
  const value = h[name]
  if (value === undefined) throw new Error(`fixture expects header ${name}`)
  return value
}
const GITHUB_HEX = "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"

export const fixtures: ReadonlyArray<SchemeFixture> = [
  {
    scheme: "hmac-sha256",
    secret: "s3cret-one",
    otherSecret: "s3cret-two",
    required: ["X-Signature-256"],
    malformed: [
      { what: "no sha256= prefix", change: (h) => set(h, "X-Signature-256", GITHUB_HEX) },
      { what: "a non-hex digest", change: (h) => set(h, "X-Signature-256", `sha256=${"zz".repeat(32)}`) },
    ],
    wrongLength: (h) => set(h, "X-Signature-256", get(h, "X-Signature-256").slice(0, -2)),
  },
  {
    scheme: "github",
    secret: "It's a Secret to Everybody",
    otherSecret: "another secret",
    required: ["X-Hub-Signature-256"],
    malformed: [
      { what: "a sha1= signature", change: (h) => set(h, "X-Hub-Signature-256", `sha1=${"ab".repeat(20)}`) },
      { what: "a non-hex digest", change: (h) => set(h, "X-Hub-Signature-256", "sha256=not-hex") },
    ],
    wrongLength: (h) => set(h, "X-Hub-Signature-256", `${get(h, "X-Hub-Signature-256")}00`),
  },
  {
    scheme: "stripe",
    secret: "whsec_test_secret_one",
    otherSecret: "whsec_test_secret_two",
    required: ["Stripe-Signature"],
    malformed: [
      { what: "no t=", change: (h) => set(h, "Stripe-Signature", get(h, "Stripe-Signature").replace(/^t=\d+,/, "")) },
      { what: "no v1=", change: (h) => set(h, "Stripe-Signature", get(h, "Stripe-Signature").replace(",v1=", ",v0=")) },
      {
        what: "a non-integer t",
        change: (h) => set(h, "Stripe-Signature", get(h, "Stripe-Signature").replace(/^t=(\d+)/, "t=$1.5")),
      },
      {
        what: "a non-hex v1",
        change: (h) => set(h, "Stripe-Signature", get(h, "Stripe-Signature").replace(/v1=\w+/, "v1=xyz")),
      },
    ],
    wrongLength: (h) => set(h, "Stripe-Signature", get(h, "Stripe-Signature").slice(0, -2)),
  },
  {
    scheme: "slack",
    secret: "8f742231b10e8888abcd99yyyzzz85a5",
    otherSecret: "0000000000000000aaaaaaaaaaaaaaaa",
    required: ["X-Slack-Signature", "X-Slack-Request-Timestamp"],
    malformed: [
      { what: "no v0= prefix", change: (h) => set(h, "X-Slack-Signature", get(h, "X-Slack-Signature").slice(3)) },
      { what: "a non-integer timestamp", change: (h) => set(h, "X-Slack-Request-Timestamp", "1700000000.0") },
    ],
    wrongLength: (h) => set(h, "X-Slack-Signature", `${get(h, "X-Slack-Signature")}ab`),
  },
  {
    scheme: "standard",
    secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    otherSecret: `whsec_${Buffer.from("a second secret, 32 bytes long!!").toString("base64")}`,
    required: ["webhook-id", "webhook-timestamp", "webhook-signature"],
    malformed: [
      { what: "a signature that is not base64", change: (h) => set(h, "webhook-signature", "v1,not*base64") },
      {
        what: "no v1 signature",
        change: (h) => set(h, "webhook-signature", get(h, "webhook-signature").replace("v1,", "v2,")),
      },
      { what: "a non-integer timestamp", change: (h) => set(h, "webhook-timestamp", "soon") },
    ],
    wrongLength: (h) => set(h, "webhook-signature", `v1,${Buffer.alloc(31, 7).toString("base64")}`),
  },
  {
    scheme: "shopify",
    secret: "my_client_secret",
    otherSecret: "my_rotated_client_secret",
    required: ["X-Shopify-Hmac-Sha256"],
    malformed: [
      { what: "hex instead of base64", change: (h) => set(h, "X-Shopify-Hmac-Sha256", "zz-not-base64") },
      {
        what: "unpadded base64",
        change: (h) => set(h, "X-Shopify-Hmac-Sha256", get(h, "X-Shopify-Hmac-Sha256").replace(/=+$/, "")),
      },
    ],
    wrongLength: (h) => set(h, "X-Shopify-Hmac-Sha256", Buffer.alloc(33, 1).toString("base64")),
  },
  {
    scheme: "gitlab",
    secret: "gitlab-token-one",
    otherSecret: "gitlab-token-two",
    required: ["X-Gitlab-Token"],
    malformed: [],
    wrongLength: (h) => set(h, "X-Gitlab-Token", `${get(h, "X-Gitlab-Token")}-and-more`),
  },
]

export interface VerifyOptions {
  readonly body?: Uint8Array
  readonly secrets?: ReadonlyArray<string>
  readonly nowMs?: number
  readonly toleranceMs?: number
}

/** Verifies `headers` under `scheme` with the fixture defaults for anything not given. */
export const verifyWith = (
  scheme: SchemeName,
  headers: Headers,
  secrets: ReadonlyArray<string>,
  options: VerifyOptions = {},
): VerifyResult =>
  schemes[scheme].verify({
    rawBody: options.body ?? BODY,
    header: headerLookupFrom(headers),
    secrets: options.secrets ?? secrets,
    nowMs: options.nowMs ?? NOW_MS,
    toleranceMs: options.toleranceMs ?? TOLERANCE_MS,
  })

export const signWith = (
  scheme: SchemeName,
  secret: string,
  nowMs = NOW_MS,
  body: Uint8Array = BODY,
  deliveryId?: string,
): Headers =>
  schemes[scheme].sign({ rawBody: body, secret, nowMs, ...(deliveryId === undefined ? {} : { deliveryId }) })

export const without = (h: Headers, name: string): Headers =>
  Object.fromEntries(Object.entries(h).filter(([k]) => k !== name))
