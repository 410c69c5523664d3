import { defineConfig } from "vitest/config"

export default defineConfig({
  ssr: { resolve: { conditions: ["@switchboard/source"] } },
  test: {
    reporters: ["default", "json"],
    outputFile: { json: "test-results/vitest.json" },
    // Scenarios run over real loopback HTTP against the simulators, side by side with other packages' suites on a
    // 2-core CI machine: vitest's 5 s default is a time budget for unit tests, not for these.
    testTimeout: 30_000,
    // Most of the suite's time is spent waiting (deadlines, budgets and polls of the hostile and health suites, at a
    // quarter of one core): three files at a time, not vitest's default of one on a 2-core machine.
    maxWorkers: 3,
    minWorkers: 1
  }
})
