// A delivery id for a signed request whose sender gives none (Slack slash commands and interactivity
// carry no `event_id`): derived from what the signature covers, so a replay of the request gets the
// same id and cannot start a second run. Pure.
import { createHash } from "node:crypto"

/**
 * `slack:{timestamp}:{sha256(body), 32 hex}`. Why this is safe:
 * - A replay must repeat the signed timestamp and the exact body (changing either breaks the
 *   signature), so it maps to the same id: JetStream drops it as a duplicate within the 2 min
 *   window, and after that the run id derived from this id already exists. Past the timestamp
 *   tolerance (5 min) the replay is refused 401 anyway.
 * - Two genuine requests collide only with the same second and byte-identical bodies; Slack's
 *   bodies carry a fresh `trigger_id` / `response_url` per request, so they never are.
 */
export const signedRequestId = (prefix: string, timestamp: string, body: Uint8Array): string =>
  `${prefix}:${timestamp}:${createHash("sha256").update(body).digest("hex").slice(0, 32)}`
