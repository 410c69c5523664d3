import { defineConfig } from "vitest/config"

export default defineConfig({
  ssr: { resolve: { conditions: ["@switchboard/source"] } },
  // Real HTTP and a polling provider: generous limits for a loaded CI machine (the waits poll, they never sleep).
  test: {
    testTimeout: 30_000,
    reporters: ["default", "json"],
    outputFile: { json: "test-results/vitest.json" }
  }
})
