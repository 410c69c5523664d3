import { defineConfig } from "vitest/config"

export default defineConfig({
  ssr: { resolve: { conditions: ["@switchboard/source"] } },
  test: { reporters: ["default", "json"], outputFile: { json: "test-results/vitest.json" } }
})
