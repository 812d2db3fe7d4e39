// Inbound webhook signatures: the scheme table, its defaults, and the public names of
// this module. Callers pick a scheme by name from `schemes`; each scheme lives in its own file.
import type { SchemeName, SignatureScheme } from "./types.js"
import { SchemeNames } from "./types.js"
import { githubScheme } from "./github.js"
import { gitlabScheme } from "./gitlab.js"
import { hmacSha256Scheme } from "./hmac-sha256.js"
import { shopifyScheme } from "./shopify.js"
import { slackScheme } from "./slack.js"
import { standardScheme } from "./standard.js"
import { stripeScheme } from "./stripe.js"

export {
  InvalidSigningSecret,
  SchemeNames,
  VerifyFailures,
  type HeaderLookup,
  type SchemeName,
  type SignatureScheme,
  type SignRequest,
  type VerifyFailure,
  type VerifyRequest,
  type VerifyResult,
} from "./types.js"
export { headerLookupFrom } from "./header-lookup.js"

export const schemes: Readonly<Record<SchemeName, SignatureScheme>> = {
  "hmac-sha256": hmacSha256Scheme,
  github: githubScheme,
  stripe: stripeScheme,
  slack: slackScheme,
  standard: standardScheme,
  shopify: shopifyScheme,
  gitlab: gitlabScheme,
}

export const DEFAULT_SCHEME: SchemeName = "hmac-sha256"

/** Five minutes: the replay window Stripe, Slack and Standard Webhooks all document. */
export const DEFAULT_TOLERANCE_MS = 300_000

/**
 * Lowercase names of every header that carries a signature or a secret under any scheme. Ingest
 * strips all of them from stored messages whatever the trigger's scheme, since a request may
 * carry another provider's headers too. Timestamp and delivery-id headers are not secret and stay.
 */
export const allSignatureHeaders: ReadonlySet<string> = new Set(
  Object.values(schemes).flatMap((scheme) => scheme.signatureHeaders),
)

export const isSchemeName = (name: string): name is SchemeName => (SchemeNames as ReadonlyArray<string>).includes(name)

/** Why `secret` cannot verify under `scheme`, or undefined when it can (see SignatureScheme.secretProblem). */
export const secretProblem = (scheme: SchemeName, secret: string): string | undefined =>
  schemes[scheme].secretProblem?.(secret)
