// `webhook send` and the trigger's signature scheme: looked up through the service (triggers.get),
// and, when serve answers 401 "missing header", which header the trigger expected and why it was absent.
import { Effect } from "effect"
import { endpointSubject } from "../protocol/names.js"
import { DEFAULT_SCHEME, isSchemeName, schemes, type SchemeName } from "../domain/signatures/index.js"
import { requestAs } from "./client.js"
import { Trigger } from "./replies.js"
import { withNats } from "./shared.js"
import { Refused, withMessage } from "./exit.js"

const getTrigger = (name: string) =>
  withNats((nc) => requestAs(nc, endpointSubject("triggers", "get"), { name }, Trigger))

/** The scheme trigger `name` verifies with; a lookup that fails says how to skip it. */
export const triggerScheme = (name: string) =>
  getTrigger(name).pipe(
    Effect.mapError((e) =>
      withMessage(
        e,
        `cannot look up trigger ${name}'s signature scheme: ${e.message}\n` + "(or give --scheme to skip the lookup)",
      ),
    ),
    Effect.flatMap((t) =>
      t.type !== "webhook"
        ? Effect.fail(
            new Refused({ message: `trigger ${name} is an event trigger; webhook send needs a webhook trigger` }),
          )
        : Effect.succeed(t.scheme !== undefined && isSchemeName(t.scheme) ? t.scheme : DEFAULT_SCHEME),
    ),
  )

export const isMissingHeader = (status: number, body: unknown): boolean =>
  status === 401 && (body as { error?: { message?: unknown } } | null)?.error?.message === "missing header"

/**
 * The header trigger `name` expected and why this request lacked it. `sentAs` is the scheme the
 * request was signed with (undefined: unsigned); the trigger's own is looked up when not known.
 */
export const missingHeaderHint = (name: string, sentAs: SchemeName | undefined, schemeGiven: boolean) =>
  Effect.gen(function* () {
    // Signed with the looked-up scheme: that is the trigger's own; otherwise look it up now.
    const own =
      schemeGiven || sentAs === undefined
        ? yield* Effect.option(triggerScheme(name))
        : { _tag: "Some" as const, value: sentAs }
    if (own._tag === "None") return "the trigger's scheme could not be looked up to name the header it expects"
    const expected = schemes[own.value].signatureHeaders.join(" or ")
    const what = `trigger ${name} (scheme ${own.value}) expects the header ${expected}`
    if (sentAs === undefined) {
      return `${what}; this request was unsigned: give --secret S (or set DAGNATS_WEBHOOK_SECRET)`
    }
    if (sentAs !== own.value) {
      return `${what}; this request was signed as ${sentAs}: drop --scheme to sign with the trigger's own`
    }
    return what
  })
