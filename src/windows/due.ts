// A window's timer falling due: fire the window if it is over, or say how long to wait. Reads that
// decide something irreversible (giving up on a window) go to the stream leader: a replica may
// answer with an older revision. Under a burst of due windows a timer's fire starts the run first:
// it reads before the due time, its debounce payload is in the state, and its bookkeeping waits for
// the other timers' runs (starting.ts).
import { Effect } from "effect"
import { slotOwner, stepTimer, type TimerMessage, type WindowState } from "../domain/windows.js"
import type { Unavailable } from "../domain/errors.js"
import type { WindowDeps } from "./deps.js"
import type { Events } from "./events.js"
import type { Firing } from "./fire.js"
import type { Progress } from "./progress.js"
import type { Starting, StartingMember } from "./starting.js"
import type { WindowStore } from "./state.js"

/** How soon a due timer looks again while events that may belong to its window are unevaluated. */
const CATCH_UP_POLL_MS = 100
/**
 * A timer comes back this long before its window is due: it reads the window then, waits in
 * process, and at the due time only writes the close (revision-checked against what it read) and
 * starts the run. Reads and timer deliveries of a burst of windows happen before the burst.
 */
const EARLY_MS = 250

/** Ack the timer, or hand it back to JetStream for `delayMs`. */
export type TimerVerdict = { readonly ack: true } | { readonly ack: false; readonly delayMs: number }

interface DueParts {
  readonly store: WindowStore
  readonly events: Events
  readonly firing: Firing
  readonly progress: Progress
  readonly starting: Starting
}

export const makeDue = (d: WindowDeps, { store, events, firing, progress, starting }: DueParts) => {
  const onTimerWith = Effect.fnUntraced(function* (
    timer: TimerMessage,
    member: StartingMember,
  ): Effect.fn.Return<TimerVerdict, Unavailable> {
    let fromLeader = false
    let waited = false
    while (true) {
      const cur = yield* store.read<WindowState>(timer.kind, timer.key, fromLeader)
      let step = stepTimer(timer, cur.value, d.now())
      // Close to due: wait here with what was read, once; the close write's revision check
      // still catches any change made meanwhile. Further off: come back EARLY_MS before due.
      if (step.type === "wait" && !waited && step.ms <= EARLY_MS) {
        waited = true
        yield* member.leave
        yield* Effect.sleep(step.ms)
        yield* member.enter
        step = stepTimer(timer, cur.value, d.now())
      }
      switch (step.type) {
        case "stale":
          // Giving up on a window is irreversible: a replica's "nothing here" or older window
          // must not make the timer drop a window that is open at the leader.
          if (!fromLeader) {
            fromLeader = true
            continue
          }
          return { ack: true }
        case "wait":
          return { ack: false, delayMs: step.ms > EARLY_MS ? step.ms - EARLY_MS : step.ms }
        case "close": {
          const mayClose = yield* progress.mayClose(step.next, slotOwner(timer.key))
          if (!mayClose) return { ack: false, delayMs: CATCH_UP_POLL_MS }
          // The payloads are read while the close is written: one round trip fewer per window.
          const [rev, prefetched] = yield* Effect.all(
            [store.write(timer.kind, timer.key, step.next, cur), events.payloadsOf(step.next)],
            { concurrency: 2 },
          )
          if (rev === undefined) {
            fromLeader = true
            continue
          }
          yield* firing.fireAndClear(step.next, timer.key, rev, { prefetched, started: member.leave })
          return { ack: true }
        }
        case "fire":
          yield* firing.fireAndClear(step.state, timer.key, cur.revision, { started: member.leave })
          return { ack: true }
      }
    }
  })

  /** A due timer: fire the window if it is over, or say how long to wait. */
  const onTimer = (timer: TimerMessage): Effect.Effect<TimerVerdict, Unavailable> =>
    Effect.suspend(() => {
      const member = starting.member()
      return member.enter.pipe(Effect.andThen(onTimerWith(timer, member)), Effect.ensuring(member.leave))
    })

  /** Give up on a timer's window after it failed again and again: dead letters, history `error`. */
  const failTimer = Effect.fnUntraced(function* (timer: TimerMessage, error: string) {
    const cur = yield* store.read<WindowState>(timer.kind, timer.key, true)
    if (cur.value === undefined || cur.value.id !== timer.id) return
    yield* firing.failWindow(cur.value, timer.key, `gave up after repeated failures: ${error}`)
    yield* store.clear(cur.value, timer.key, cur.revision)
  })

  return { onTimer, failTimer }
}
