import { defineConfig } from "vitest/config"

// Each test file starts its own nats-server children, so files run in parallel processes: 3 workers on
// the 2-core CI machines, since most of an e2e file's time is waiting on timers and windows, not CPU.
// Six projects, so the Makefile's server matrix can pick legs with --project: unit (pure), component
// (parts against one real nats-server), e2e (one nats-server, the one DAGNATS_NATS_SERVER_BIN names),
// nats-cli (the real `nats` CLI against serve), cluster (3-node clusters of the servers it needs) and browser
// (the console in Debian's Chromium).
// `npx vitest run` alone runs all six on the default server.
const e2e = {
  globalSetup: ["test/support/global-setup.ts"],
}
const CLUSTER = "test/e2e/cluster*.test.ts"
const NATS_CLI = "test/e2e/nats-cli*.test.ts"
const BROWSER = "test/e2e/console*.test.ts"

export default defineConfig({
  test: {
    pool: "forks",
    maxWorkers: 3,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    projects: [
      { extends: true, test: { name: "unit", include: ["test/unit/**/*.test.ts"] } },
      { extends: true, test: { ...e2e, name: "component", include: ["test/component/**/*.test.ts"] } },
      {
        extends: true,
        test: { ...e2e, name: "e2e", include: ["test/e2e/**/*.test.ts"], exclude: [CLUSTER, NATS_CLI, BROWSER] },
      },
      { extends: true, test: { ...e2e, name: "nats-cli", include: [NATS_CLI] } },
      { extends: true, test: { ...e2e, name: "cluster", include: [CLUSTER], testTimeout: 180_000 } },
      { extends: true, test: { ...e2e, name: "browser", include: [BROWSER] } },
    ],
  },
})
