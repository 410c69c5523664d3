import { defineConfig } from "vitest/config"

export default defineConfig({
  ssr: { resolve: { conditions: ["@switchboard/source"] } },
  test: {
    reporters: ["default", "json"],
    outputFile: { json: "test-results/vitest.json" },
    // Scenarios over real loopback HTTP (and Prism), side by side with other packages' suites on a 2-core CI
    // machine: vitest's 5 s default is a budget for unit tests, not for these.
    testTimeout: 30_000
  }
})
