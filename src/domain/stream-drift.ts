// What serve watches of the streams it shares with other programs (the DagNats engine rewrites their
// limits on every start): the settings dagnats relies on or set, as text, and what changed between
// two looks. Pure: the watch reads the stream configs and reports what this returns.
import { formatRetention } from "./retention.js"

/** The watched settings, a bounded set (a metric label). */
export const SHARED_STREAM_SETTINGS = ["subjects", "retention", "storage", "max_age", "duplicate_window"] as const
export type SharedStreamSetting = (typeof SHARED_STREAM_SETTINGS)[number]

export type StreamSettings = Readonly<Record<SharedStreamSetting, string>>

/** The fields of a stream config this reads (JetStream's names; durations in nanoseconds). */
interface ConfigFields {
  readonly subjects?: ReadonlyArray<string> | undefined
  readonly retention?: string | undefined
  readonly storage?: string | undefined
  readonly max_age?: number | undefined
  readonly duplicate_window?: number | undefined
}

const duration = (nanos: number | undefined) => formatRetention(Math.round((nanos ?? 0) / 1_000_000))

export const streamSettings = (c: ConfigFields): StreamSettings => ({
  subjects: JSON.stringify(c.subjects ?? []),
  retention: String(c.retention ?? ""),
  storage: String(c.storage ?? ""),
  max_age: duration(c.max_age),
  duplicate_window: duration(c.duplicate_window),
})

export interface SettingChange {
  readonly setting: SharedStreamSetting
  readonly from: string
  readonly to: string
}

export const changesBetween = (before: StreamSettings, after: StreamSettings): ReadonlyArray<SettingChange> =>
  SHARED_STREAM_SETTINGS.filter((s) => before[s] !== after[s]).map((s) => ({
    setting: s,
    from: before[s],
    to: after[s],
  }))

/** The one log line of a change: what changed, from what to what, and that dagnats leaves it. */
export const changeLine = (stream: string, c: SettingChange): string =>
  `shared stream ${stream}: ${c.setting} changed from ${c.from} to ${c.to} by another program ` +
  "(dagnats leaves it as it is)"
