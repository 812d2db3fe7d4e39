// Reading a nats.js iterator (a pull's `consume()`, a KV watch) until the reader has what it needs:
// the one `for await` over such an iterator that stops it however the read ends.

/** Each item in order until `done` says so or the iterator ends; then `stop` (a pull's close, a watch's stop). */
export const readUntil = async <T>(
  iter: AsyncIterable<T>,
  stop: () => unknown,
  done: (item: T) => boolean,
): Promise<void> => {
  // try/finally must stay: leaving a `for await` early (done, or a throw from `done`) does not stop
  // nats.js's pull or watcher, which would keep fetching messages for a reader that is gone.
  try {
    for await (const item of iter) if (done(item)) return
  } finally {
    await stop()
  }
}
