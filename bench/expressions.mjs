// CEL expressions, in process (no NATS: what the expressions add to the evaluator's own work):
// 1. evaluateEvent events/s with 1,000 triggers filtered by CEL `when` vs the same triggers with an
//    equality filter, (a) one trigger per subject (each event reaches one trigger, as in bench/evaluator.mjs)
//    and (b) all 1,000 on one subject (each event reaches every trigger);
// 2. the median cost of one typical `when` on a ~19 KB GitHub pull_request payload (converting the
//    fields it reads to CEL values and evaluating), next to JSON.parse of the same payload.
// Run after building dist/: `node bench/run.mjs expressions` (appends to BENCHMARKS.md; BENCH_DRY_RUN=1 only prints).
import { Effect } from "effect"
import { evaluateEvent } from "../dist/evaluator/evaluate.js"
import { makeMatcher } from "../dist/evaluator/matcher.js"
import { compileExpression, evaluateWhen, expressionVars } from "../dist/domain/expressions.js"
import { appendResult, markdownTable } from "./lib.mjs"

const TRIGGERS = 1_000
const EVENTS = Number(process.env.BENCH_EXPR_EVENTS ?? 20_000)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)
const at = "2026-01-01T00:00:00.000Z"
const encoder = new TextEncoder()
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

/** A GitHub pull_request "opened" delivery of about 19 KB: the usual user/repo objects, repeated as GitHub does. */
const user = (login, id) => ({
  login,
  id,
  node_id: "MDQ6VXNlcjE=",
  avatar_url: `https://avatars.githubusercontent.com/u/${id}?v=4`,
  gravatar_id: "",
  url: `https://api.github.com/users/${login}`,
  html_url: `https://github.com/${login}`,
  followers_url: `https://api.github.com/users/${login}/followers`,
  following_url: `https://api.github.com/users/${login}/following{/other_user}`,
  gists_url: `https://api.github.com/users/${login}/gists{/gist_id}`,
  starred_url: `https://api.github.com/users/${login}/starred{/owner}{/repo}`,
  subscriptions_url: `https://api.github.com/users/${login}/subscriptions`,
  organizations_url: `https://api.github.com/users/${login}/orgs`,
  repos_url: `https://api.github.com/users/${login}/repos`,
  events_url: `https://api.github.com/users/${login}/events{/privacy}`,
  received_events_url: `https://api.github.com/users/${login}/received_events`,
  type: "User",
  site_admin: false,
})
const repo = (name, owner) => {
  const base = `https://api.github.com/repos/${owner.login}/${name}`
  const r = {
    id: 1296269,
    node_id: "MDEwOlJlcG9zaXRvcnkxMjk2MjY5",
    name,
    full_name: `${owner.login}/${name}`,
    private: false,
    owner,
  }
  for (const k of [
    "forks",
    "keys",
    "collaborators",
    "teams",
    "hooks",
    "issue_events",
    "events",
    "assignees",
    "branches",
    "tags",
    "blobs",
    "git_tags",
    "git_refs",
    "trees",
    "statuses",
    "languages",
    "stargazers",
    "contributors",
    "subscribers",
    "subscription",
    "commits",
    "git_commits",
    "comments",
    "issue_comment",
    "contents",
    "compare",
    "merges",
    "archive",
    "downloads",
    "issues",
    "pulls",
    "milestones",
    "notifications",
    "labels",
    "releases",
    "deployments",
  ])
    r[`${k}_url`] = `${base}/${k}`
  Object.assign(r, {
    created_at: "2011-01-26T19:01:12Z",
    updated_at: "2026-01-26T19:14:43Z",
    pushed_at: "2026-01-26T19:06:43Z",
    size: 108,
    stargazers_count: 80,
    watchers_count: 80,
    language: "TypeScript",
    has_issues: true,
    forks_count: 9,
    open_issues_count: 0,
    default_branch: "main",
    topics: ["octocat", "api"],
    visibility: "public",
  })
  return r
}
const octo = user("octocat", 1)
const pr = {
  action: "opened",
  number: 1347,
  pull_request: {
    url: "https://api.github.com/repos/octocat/Hello-World/pulls/1347",
    id: 1,
    number: 1347,
    state: "open",
    locked: false,
    title: "Amazing new feature",
    user: octo,
    body: "Please pull these awesome changes in!",
    labels: [
      { id: 208045946, name: "bug", color: "f29513", default: true },
      { id: 208045947, name: "deploy", color: "a2eeef", default: false },
    ],
    draft: false,
    requested_reviewers: [user("other_user", 2)],
    head: {
      label: "octocat:new-topic",
      ref: "new-topic",
      sha: "6dcb09b5b57875f334f61aebed695e2e4193db5e",
      user: octo,
      repo: repo("Hello-World", octo),
    },
    base: {
      label: "octocat:main",
      ref: "main",
      sha: "6dcb09b5b57875f334f61aebed695e2e4193db5e",
      user: octo,
      repo: repo("Hello-World", octo),
    },
    merged: false,
    comments: 10,
    commits: 3,
    additions: 100,
    deletions: 3,
    changed_files: 5,
  },
  repository: repo("Hello-World", octo),
  sender: octo,
}
const prText = JSON.stringify(pr)
const WHEN =
  'body.action in ["opened", "synchronize"] && body.pull_request.base.ref == "main" && !body.pull_request.draft'

const trigger = (i, subject, kind) => ({
  name: `t-${i}`,
  workflow: "bench-wf",
  type: "event",
  subject,
  enabled: true,
  created_at: at,
  updated_at: at,
  revision: 1,
  ...(kind === "cel"
    ? { when: 'body.action == "opened" && body.number > 1000' }
    : kind === "cel-own"
      ? // The same work with a constant of each trigger's own: no two share a compiled program.
        { when: `body.action == "opened" && body.number > ${1000 - (i % 1000)}` }
      : {
          filters: [
            { field: "action", value: "opened" },
            { field: "number", value: "1347" },
          ],
        }),
})

const throughput = (kind, fanOut) => {
  const triggers = Array.from({ length: TRIGGERS }, (_, i) => trigger(i, fanOut ? "event.t" : `event.t.${i}`, kind))
  const byName = new Map(triggers.map((t) => [t.name, t]))
  const table = {
    get: (n) => byName.get(n),
    all: () => triggers,
    subscribe: () => () => undefined,
    sync: Effect.void,
    ready: () => true,
  }
  const deps = {
    matcher: makeMatcher(table),
    starter: { start: (spec) => Effect.succeed({ runId: spec.runId, created: true }) },
    debounce: { absorb: () => Effect.die("none") },
    batch: { absorb: () => Effect.die("none") },
    lookupRunSeq: () => Effect.succeed(undefined),
  }
  const data = encoder.encode(JSON.stringify({ action: "opened", number: 1347, title: "x".repeat(200) }))
  const events = fanOut ? Math.max(50, Math.floor(EVENTS / 200)) : EVENTS
  const program = Effect.gen(function* () {
    for (let i = 0; i < events; i++) {
      yield* evaluateEvent(deps, {
        subject: fanOut ? "event.t" : `event.t.${i % TRIGGERS}`,
        seq: i + 1,
        data,
        header: () => undefined,
        deliveryId: undefined,
        redelivered: false,
        storedAtMs: 0,
      })
    }
  })
  // Programs are compiled once per trigger revision: reach every trigger once before timing.
  Effect.runSync(
    Effect.forEach(fanOut ? [0] : triggers.map((_, i) => i), (i) =>
      evaluateEvent(deps, {
        subject: fanOut ? "event.t" : `event.t.${i}`,
        seq: 0,
        data,
        header: () => undefined,
        deliveryId: undefined,
        redelivered: false,
        storedAtMs: 0,
      }),
    ),
  )
  const t0 = performance.now()
  Effect.runSync(program)
  return events / ((performance.now() - t0) / 1000)
}

const perCall = (fn, n) => {
  const samples = []
  for (let r = 0; r < 21; r++) {
    const t0 = performance.now()
    for (let i = 0; i < n; i++) fn()
    samples.push(((performance.now() - t0) * 1000) / n)
  }
  return median(samples)
}

export default async () => {
  const rows = []
  const own = []
  for (const fanOut of [false, true]) {
    const eq = []
    const cel = []
    const celOwn = []
    for (let r = 0; r < ROUNDS; r++) {
      eq.push(throughput("eq", fanOut))
      cel.push(throughput("cel", fanOut))
      celOwn.push(throughput("cel-own", fanOut))
    }
    const e = median(eq)
    const c = median(cel)
    const o = median(celOwn)
    const name = fanOut ? "1,000 triggers on one subject (each event evaluates all)" : "1,000 triggers, one per subject"
    rows.push([name, Math.round(e), Math.round(c), `${(c / e).toFixed(2)}×`])
    own.push([name, Math.round(e), Math.round(o), `${(o / e).toFixed(2)}×`])
  }
  const compiled = compileExpression("when", WHEN)
  if (!compiled.ok) throw new Error(compiled.error)
  const parsed = JSON.parse(prText)
  const vars = expressionVars(parsed, new Map([["x-github-event", "pull_request"]]), "event.webhook.github")
  if (!evaluateWhen(compiled.program, vars, "t").matched) throw new Error("the typical when should hold")
  const parseUs = perCall(() => JSON.parse(prText), 500)
  const evalUs = perCall(() => evaluateWhen(compiled.program, vars, "t"), 5_000)
  // Shared programs and programs of their own alike.
  const worst = Math.min(...[...rows, ...own].map((r) => Number.parseFloat(r[3])))
  const text = [
    `In process, no NATS: evaluateEvent over ${EVENTS.toLocaleString("en")} events (one per subject) or ` +
      `${Math.max(50, Math.floor(EVENTS / 200))} events (fan-out), run starts stubbed, so the figures are what the ` +
      `filters themselves cost; CEL \`when: body.action == "opened" && body.number > 1000\` against the equality ` +
      `filters action=opened, number=1347; medians of ${ROUNDS} rounds, alternating.`,
    "",
    markdownTable(["case", "equality filters events/s", "CEL when events/s", "CEL / equality"], rows),
    "",
    "Triggers with the same expression share one compiled program. The same CEL work with a constant of each " +
      "trigger's own (`body.number > 1000 - i`; no program shared), against the same equality filters:",
    "",
    markdownTable(["case", "equality filters events/s", "CEL when (own constants) events/s", "CEL / equality"], own),
    "",
    `One typical \`when\` (${WHEN}) on a ${prText.length}-byte GitHub pull_request payload, median of 21 runs:`,
    "",
    markdownTable(
      ["median µs", "JSON.parse of the payload", "when (decided by the direct evaluator)"],
      [["~19 KB pull_request", parseUs.toFixed(1), evalUs.toFixed(2)]],
    ),
    "",
    markdownTable(
      ["target", "result", ""],
      [
        [
          "CEL-filtered events/s ≥ 0.9× the same triggers with equality filters (worst of the four)",
          `${worst.toFixed(2)}×`,
          worst >= 0.9 ? "met" : "**missed**",
        ],
      ],
    ),
  ].join("\n")
  console.log(text)
  if (process.env.BENCH_DRY_RUN === "1") return console.log("BENCH_DRY_RUN=1: not appended")
  appendResult("CEL expressions vs equality filters", text)
  console.log("appended to BENCHMARKS.md")
}
