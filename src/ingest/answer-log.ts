// One info line per webhook answered (delivery id, trigger, status, code, latency), so an operator
// following serve's log sees every request, accepted or refused. Rate-limited so a flood cannot turn
// into a flood of log lines: at most PER_SECOND lines in each wall-clock second, and for each second
// over the limit one summary line with the count left out (the flood cap's pure limiter, one key).
import { deliveryToken } from "../domain/delivery.js"
import { makeFloodCap } from "../domain/flood-cap.js"
import type { Answered } from "./server.js"

export const ANSWER_LINES_PER_SECOND = 20

export interface AnswerLine {
  readonly message: string
  readonly fields: Readonly<Record<string, string | number>>
}

export interface AnswerLog {
  /** The lines to write for this answer at `nowMs`: the summaries of seconds now over, then its own (if admitted). */
  readonly answered: (a: Answered, nowMs: number) => ReadonlyArray<AnswerLine>
  /** The summaries of seconds over at `nowMs` (called once a second, so a quiet second still gets its summary). */
  readonly tick: (nowMs: number) => ReadonlyArray<AnswerLine>
}

const KEY = "webhook"

export const makeAnswerLog = (perSecond = ANSWER_LINES_PER_SECOND): AnswerLog => {
  const cap = makeFloodCap(perSecond)
  const tick = (nowMs: number): ReadonlyArray<AnswerLine> =>
    cap.drain(nowMs).map((s) => ({
      message: `${s.count} more webhook answers not logged (at most ${perSecond} lines a second)`,
      fields: { suppressed: s.count, from: new Date(s.fromMs).toISOString() },
    }))
  return {
    tick,
    answered: (a, nowMs) => {
      const lines = [...tick(nowMs)]
      if (!cap.admit(KEY, nowMs)) return lines
      lines.push({
        message: "webhook answered",
        fields: {
          delivery: a.id,
          trigger: deliveryToken(a.name),
          status: a.status,
          ...(a.code !== undefined ? { code: a.code } : {}),
          latency_ms: Math.round(a.durationMs * 10) / 10,
        },
      })
      return lines
    },
  }
}
