// `dagnats trigger list` as plain promises: fetch every page, print a table or `{"triggers":[…]}`.
// Both the effect command and the start-up fast path run this, so their output is one and the same.
import type { Trigger } from "../replies.js"
import { printJson, printLine, printTable } from "../output.js"

export { listTriggers } from "../trigger-pages.js"

type ListedTrigger = Trigger

export const triggerSource = (t: Trigger) =>
  t.type === "webhook"
    ? `POST /v1/webhooks/${t.name}`
    : t.type === "schedule"
      ? `cron "${t.cron ?? ""}" ${t.timezone ?? "UTC"}${t.next_fire_at !== undefined ? `, next ${t.next_fire_at}` : ""}`
      : t.source === undefined
        ? (t.subject ?? "")
        : `${t.subject ?? ""} (${t.source.stream !== undefined ? `stream ${t.source.stream}` : `kv ${t.source.kv}`})`

const triggerMode = (t: Trigger) =>
  t.debounce !== undefined
    ? `debounce ${t.debounce.period}`
    : t.batch !== undefined
      ? `batch ${t.batch.max_size}/${t.batch.timeout}`
      : "-"

export const printTriggers = (triggers: ReadonlyArray<ListedTrigger>, json: boolean): void => {
  if (json) return printJson({ triggers })
  if (triggers.length === 0) {
    return printLine("no triggers; create one with `dagnats trigger create NAME --workflow W --webhook`")
  }
  printTable(
    ["NAME", "TYPE", "WORKFLOW", "ENABLED", "MODE", "OPEN", "SOURCE"],
    triggers.map((t) => [
      t.name,
      t.type,
      t.workflow,
      t.enabled === false ? "no" : "yes",
      triggerMode(t),
      t.open ? String(t.open) : "-",
      triggerSource(t),
    ]),
  )
}
