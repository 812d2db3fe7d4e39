// Reading a request body with a hard limit: bytes are counted as they arrive and reading stops at
// the first byte over the limit, so an oversized body is never held in memory whole.
import type { Readable } from "node:stream"
import { Effect } from "effect"
import { PayloadTooLarge, RequestAborted } from "./errors.js"

const EMPTY = Buffer.alloc(0)

/**
 * The whole body, or PayloadTooLarge as soon as more than `limitBytes` arrived (the stream is
 * paused, not drained: the caller answers 413 and closes the connection), or RequestAborted when
 * the client disconnects first. Interrupting the effect detaches the listeners.
 */
export const readBody = (
  stream: Readable,
  limitBytes: number,
): Effect.Effect<Buffer, PayloadTooLarge | RequestAborted> =>
  Effect.callback<Buffer, PayloadTooLarge | RequestAborted>((resume) => {
    const chunks: Array<Buffer> = []
    let size = 0
    const detach = () => {
      stream.off("data", onData)
      stream.off("end", onEnd)
      stream.off("error", onAborted)
      stream.off("close", onAborted)
    }
    const onData = (chunk: Buffer) => {
      size += chunk.length
      if (size > limitBytes) {
        detach()
        stream.pause()
        resume(Effect.fail(new PayloadTooLarge({ limitBytes })))
        return
      }
      chunks.push(chunk)
    }
    const onEnd = () => {
      detach()
      // One chunk is the common case for webhook-sized bodies: hand it over without copying.
      resume(
        Effect.succeed(chunks.length === 1 ? chunks[0]! : chunks.length === 0 ? EMPTY : Buffer.concat(chunks, size)),
      )
    }
    // 'close' before 'end' (or 'error') means the client went away mid-body.
    const onAborted = () => {
      detach()
      resume(Effect.fail(new RequestAborted()))
    }
    stream.on("data", onData)
    stream.on("end", onEnd)
    stream.on("error", onAborted)
    stream.on("close", onAborted)
    return Effect.sync(detach)
  })
