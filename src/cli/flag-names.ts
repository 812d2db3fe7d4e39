// Validation messages name trigger fields as the service sees them (`secrets[0]`, `debounce.period`);
// a person typed flags. This rewrites each `field: problem` part of a message to the flag that sets
// the field. The service keeps field names: it speaks JSON, where they are the right words.

const FLAG_OF_FIELD: Readonly<Record<string, string>> = {
  name: "NAME",
  workflow: "--workflow",
  type: "--webhook / --subject",
  enabled: "--disabled",
  secrets: "--secret",
  scheme: "--scheme",
  verify: "--verify",
  tolerance: "--tolerance",
  subject: "--subject",
  filters: "--filter-field / --filter-header",
  "filters.field": "--filter-field",
  "filters.header": "--filter-header",
  "filters.value": "--filter-value / --filter-header value",
  when: "--when",
  input: "--input-map",
  debounce: "--debounce",
  "debounce.period": "--debounce",
  "debounce.timeout": "--debounce-timeout",
  "debounce.key": "--debounce-key",
  batch: "--batch-size / --batch-timeout",
  "batch.max_size": "--batch-size",
  "batch.timeout": "--batch-timeout",
  "batch.key": "--batch-key",
  respond: "--respond",
  source: "--stream / --kv",
  "source.stream": "--stream",
  "source.kv": "--kv",
  "source.ops": "--ops",
  "respond.timeout": "--respond-timeout",
}

// A field path as describeIssue writes it: `secrets[1]`, `debounce.period`, `filters[0].field`.
const PART = /(^|; )([a-z_]+(?:\[\d+\])?(?:\.[a-z_]+)?): /g

const flagFor = (path: string): string | undefined => {
  const index = /\[(\d+)\]/.exec(path)
  const flag = FLAG_OF_FIELD[path.replace(/\[\d+\]/, "")]
  if (flag === undefined) return undefined
  // Which one of repeated flags: `--secret #2` for secrets[1].
  return index !== undefined && index !== null ? `${flag} #${Number(index[1]) + 1}` : flag
}

/** `message` with every `field: problem` part's field replaced by its flag; other text unchanged. */
export const withFlagNames = (message: string): string =>
  message.replace(PART, (whole, lead: string, path: string) => {
    const flag = flagFor(path)
    return flag === undefined ? whole : `${lead}${flag}: `
  })
