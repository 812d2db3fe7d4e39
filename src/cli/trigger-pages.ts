// Every page of `dagnats.triggers.list`, each decoded, for `trigger list` on either start-up path.
// The service pages by name (`next` is the name to continue after), so a `next` that does not grow
// would page forever; and however it grows, the CLI follows a bounded number of pages.
import type { NatsConnection } from "../nats/core-api.js"
import { endpointSubject } from "../protocol/names.js"
import { ExitError } from "./exit-codes.js"
import { requestReply, triggerPage, type Trigger } from "./replies.js"
import { safeText } from "./terminal-text.js"

/** Triggers per list request: a page stays far below the default 1 MiB NATS max_payload. */
export const LIST_PAGE = 500
/**
 * Pages followed at most. A page may hold fewer than LIST_PAGE triggers (the service cuts a page to
 * fit the max payload, down to one large trigger), so the bound is on pages: 1,000 is at least 1,000
 * triggers however large, 500,000 at full pages, and a service paging forever costs a few seconds.
 */
export const MAX_LIST_PAGES = 1_000

export const listTriggers = async (nc: NatsConnection): Promise<ReadonlyArray<Trigger>> => {
  const subject = endpointSubject("triggers", "list")
  const triggers: Array<Trigger> = []
  let after: string | undefined
  for (let pages = 1; ; pages++) {
    const page = await requestReply(
      nc,
      subject,
      { limit: LIST_PAGE, ...(after !== undefined ? { after } : {}) },
      triggerPage(LIST_PAGE),
    )
    triggers.push(...page.triggers)
    const { next } = page
    if (next === undefined) return triggers
    if (after !== undefined && next <= after) {
      const message =
        `the service's reply to ${subject} names "${safeText(next)}" as the page after "${safeText(after)}"; ` +
        "names only grow, so following it would never end: stopped"
      throw new ExitError("refused", message)
    }
    if (pages >= MAX_LIST_PAGES) {
      const message =
        `stopped after ${MAX_LIST_PAGES} pages (${triggers.length} triggers) of ${subject}: ` +
        "the service still answers with a next page"
      throw new ExitError("refused", message)
    }
    after = next
  }
}
