import { defineConfig } from "vitest/config"

export default defineConfig({
  ssr: { resolve: { conditions: ["@switchboard/source"] } },
  test: {
    reporters: ["default", "json"],
    outputFile: { json: "test-results/vitest.json" },
    // The tests spawn the built binary: `dist/` is rebuilt first when it is older than `src/` (see the file).
    globalSetup: ["test/global-setup.ts"],
    setupFiles: ["test/setup.ts"],
    // Bounds for a loaded machine (each test waits on its processes' output, never on a clock).
    testTimeout: 180_000,
    hookTimeout: 180_000
  }
})
