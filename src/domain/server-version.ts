// Which nats-server versions dagnats can run on. Replicated KV buckets need revision checks that
// are serialized through the stream's leader; before nats-server 2.9.21 two writers at the same
// revision could both win on R3 (nats-server issue 4320), which breaks exactly-once run starts.
import { Schema } from "effect"

/** The first release whose KV revision checks are safe on replicated buckets. */
const MIN_REPLICATED_VERSION = "2.9.21"

/** serve refuses this server; `message` is the one line that says why and what to do. */
export class UnsupportedServer extends Schema.TaggedError<UnsupportedServer>()("UnsupportedServer", {
  message: Schema.String,
}) {}

interface Version {
  readonly numbers: readonly [number, number, number]
  /** "RC.1" in "2.9.21-RC.1"; a pre-release comes before its release. */
  readonly preRelease: string | undefined
}

/** "2.9.10", "v2.15.2", "2.10.0-beta.3" → parts; undefined when it is not a version at all. */
export const parseVersion = (text: string): Version | undefined => {
  const m = /^v?(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+.*)?$/.exec(text.trim())
  if (m === null) return undefined
  return { numbers: [Number(m[1]), Number(m[2]), Number(m[3])], preRelease: m[4] }
}

/** Negative when a < b, 0 when equal, positive when a > b (pre-release details are not ordered). */
export const compareVersions = (a: Version, b: Version): number => {
  for (let i = 0; i < 3; i++) {
    const d = a.numbers[i]! - b.numbers[i]!
    if (d !== 0) return d
  }
  if (a.preRelease === b.preRelease) return 0
  if (a.preRelease === undefined) return 1
  if (b.preRelease === undefined) return -1
  return 0
}

/**
 * Why serve must not run with `replicas` on a server reporting `serverVersion`, or undefined when it
 * may. A single replica is safe on every supported server; an unreadable version is not trusted.
 */
export const replicasRefusal = (serverVersion: string | undefined, replicas: number): string | undefined => {
  if (replicas <= 1) return undefined
  const min = parseVersion(MIN_REPLICATED_VERSION)!
  const v = serverVersion === undefined ? undefined : parseVersion(serverVersion)
  if (v !== undefined && compareVersions(v, min) >= 0) return undefined
  const which = serverVersion === undefined ? "nats-server (version unknown)" : `nats-server ${serverVersion}`
  return (
    `${which} is older than ${MIN_REPLICATED_VERSION}, the minimum for --replicas ${replicas} ` +
    `(its KV revision checks are unsafe on replicated buckets): upgrade nats-server or use --replicas 1`
  )
}
