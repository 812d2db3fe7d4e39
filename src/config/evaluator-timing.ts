// The evaluator's timing settings: how long JetStream waits for an ack before redelivering an event
// to another serve, and how long a failed evaluation waits before its next delivery.
import { parseDurationMs } from "../domain/duration.js"
import type { Env } from "./settings.js"

export interface EvaluatorTiming {
  /**
   * How long JetStream waits for an ack before handing an event to another serve. Short, so the
   * events a killed serve held are evaluated again within seconds; a live serve working on a slow
   * event keeps it with progress heartbeats, so a short wait costs no double work.
   */
  readonly ackWaitMs: number
  /** The first NAK delay after a failed evaluation; it doubles per delivery, up to 30 s. */
  readonly retryDelayMs: number
}

export const DEFAULT_TIMING: EvaluatorTiming = { ackWaitMs: 4_000, retryDelayMs: 500 }

/**
 * Timing from `DAGNATS_ACK_WAIT` and `DAGNATS_RETRY_DELAY` (durations such as "4s", "250ms"), or the
 * message naming the variable that is wrong.
 */
export const evaluatorTiming = (env: Env): EvaluatorTiming | string => {
  const read = (name: string, fallback: number, min: number, max: number): number | string => {
    const text = env[name]
    if (text === undefined || text === "") return fallback
    const ms = parseDurationMs(text)
    if (ms !== undefined && ms >= min && ms <= max) return ms
    return `${name}: must be a duration from ${min}ms to ${max / 1000}s, such as "4s" (got "${text}")`
  }
  const ackWaitMs = read("DAGNATS_ACK_WAIT", DEFAULT_TIMING.ackWaitMs, 1_000, 300_000)
  if (typeof ackWaitMs === "string") return ackWaitMs
  const retryDelayMs = read("DAGNATS_RETRY_DELAY", DEFAULT_TIMING.retryDelayMs, 1, 30_000)
  if (typeof retryDelayMs === "string") return retryDelayMs
  return { ackWaitMs, retryDelayMs }
}
