import { defineConfig } from "vitest/config"

// Each test file starts its own nats-server children, so files run in parallel
// processes; 2 workers matches the 2-core CI machines.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/support/global-setup.ts"],
    pool: "forks",
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
})
