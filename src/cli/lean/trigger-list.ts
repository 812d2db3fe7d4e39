// `dagnats trigger list` as plain promises: fetch every page, print a table or `{"triggers":[…]}`.
// Both the effect command and the start-up fast path run this, so their output is one and the same.
import type { NatsConnection } from "@nats-io/nats-core"
import type { TriggerView } from "../../domain/trigger.js"
import { endpointSubject } from "../../protocol/names.js"
import { requestPlain } from "../nats-client.js"
import { printJson, printLine, printTable } from "../output.js"

type ListedTrigger = TriggerView & { readonly open?: number }

/** Triggers per list request: a page stays far below the default 1 MiB NATS max_payload. */
const LIST_PAGE = 500

export const triggerSource = (t: TriggerView & { readonly next_fire_at?: string }) =>
  t.type === "webhook"
    ? `POST /v1/webhooks/${t.name}`
    : t.type === "schedule"
      ? `cron "${t.cron ?? ""}" ${t.timezone ?? "UTC"}${t.next_fire_at !== undefined ? `, next ${t.next_fire_at}` : ""}`
      : (t.subject ?? "")

const triggerMode = (t: TriggerView) =>
  t.debounce !== undefined
    ? `debounce ${t.debounce.period}`
    : t.batch !== undefined
      ? `batch ${t.batch.max_size}/${t.batch.timeout}`
      : "-"

export const listTriggers = async (nc: NatsConnection): Promise<ReadonlyArray<ListedTrigger>> => {
  const triggers: Array<ListedTrigger> = []
  let after: string | undefined
  do {
    const page = (await requestPlain(nc, endpointSubject("triggers", "list"), {
      limit: LIST_PAGE,
      ...(after !== undefined ? { after } : {}),
    })) as { triggers: ReadonlyArray<ListedTrigger>; next?: string }
    triggers.push(...page.triggers)
    after = page.next
  } while (after !== undefined)
  return triggers
}

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
