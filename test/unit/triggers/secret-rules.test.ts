// Proves a webhook secret is checked against its scheme when a trigger is defined: a Standard
// Webhooks secret must be whsec_ + base64; the schemes keyed by the secret's bytes take any.
import { describe, expect, test } from "vitest"
import { Effect } from "effect"
import { parseDefinition } from "../../../src/triggers/store.js"
import { secretProblem, SchemeNames } from "../../../src/domain/signatures/index.js"
import { decodeStoredTrigger } from "../../../src/triggers/store.js"

const parse = (input: unknown) => Effect.runSync(Effect.result(parseDefinition(input)))
const standard = { name: "svix", workflow: "billing", type: "webhook", scheme: "standard" } as const
const RULE =
  "standard secret must be base64 after its whsec_ prefix, as Standard Webhooks and Svix issue it " +
  "(such as whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw)"

describe("secrets per scheme", () => {
  test("secret rules - standard accepts whsec_ + base64 (and bare base64, as its verifier does)", () => {
    const good = [
      "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
      "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
      "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD",
    ]
    for (const secret of good) {
      expect({ secret, problem: secretProblem("standard", secret) }).toStrictEqual({ secret, problem: undefined })
    }
  })

  test("secret rules - a standard trigger whose secret is not base64 is refused naming the secret's position", () => {
    const r = parse({ ...standard, secrets: ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_not-base64!"] })
    expect(r._tag === "Failure" && r.failure.message).toBe(`secrets[1]: ${RULE}`)
    const empty = parse({ ...standard, secrets: ["whsec_"] })
    expect(empty._tag === "Failure" && empty.failure.message).toBe(`secrets[0]: ${RULE}`)
  })

  test("secret rules - every other scheme takes any non-empty secret", () => {
    for (const scheme of SchemeNames.filter((s) => s !== "standard")) {
      expect({ scheme, problem: secretProblem(scheme, "not base64 at all!") }).toStrictEqual({
        scheme,
        problem: undefined,
      })
      expect(parse({ ...standard, scheme, secrets: ["not base64 at all!"] })._tag).toBe("Success")
    }
  })

  test("secret rules - a trigger stored before the rule stays readable", () => {
    const fields = { enabled: true, verify: true, created_at: "t", updated_at: "t", revision: 1 }
    const stored = { ...standard, ...fields, secrets: ["whsec_bad!"] }
    const decoded = decodeStoredTrigger("svix", new TextEncoder().encode(JSON.stringify(stored)))
    expect(typeof decoded).toBe("object")
  })
})
