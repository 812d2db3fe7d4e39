// Proves what serve reports of a shared stream another program changed: the watched settings as text (durations readable), only the settings that differ, one line naming the stream, the setting, old and new.
import { expect, test } from "vitest"
import { changeLine, changesBetween, streamSettings } from "../../../src/domain/stream-drift.js"

const NS_PER_MS = 1_000_000
const DAY = 86_400_000 * NS_PER_MS
const events = {
  name: "EVENTS",
  subjects: ["event.>"],
  retention: "limits",
  storage: "file",
  max_age: 14 * DAY,
  duplicate_window: 120_000 * NS_PER_MS,
  max_bytes: -1,
}

test("stream drift - the watched settings as text; other settings (max_bytes) are not watched", () => {
  expect(streamSettings(events)).toStrictEqual({
    subjects: '["event.>"]',
    retention: "limits",
    storage: "file",
    max_age: "14d",
    duplicate_window: "2m",
  })
  const capped = { ...events, max_bytes: 1024 }
  expect(changesBetween(streamSettings(events), streamSettings(capped))).toStrictEqual([])
})

test("stream drift - every changed setting once, old and new, in a fixed order; a max age of 0 is forever", () => {
  const after = { ...events, max_age: 0, subjects: ["event.>", "other.>"], storage: "memory" }
  const changes = changesBetween(streamSettings(events), streamSettings(after))
  expect(changes).toStrictEqual([
    { setting: "subjects", from: '["event.>"]', to: '["event.>","other.>"]' },
    { setting: "storage", from: "file", to: "memory" },
    { setting: "max_age", from: "14d", to: "forever" },
  ])
  expect(changeLine("EVENTS", changes[2]!)).toBe(
    "shared stream EVENTS: max_age changed from 14d to forever by another program (dagnats leaves it as it is)",
  )
})
