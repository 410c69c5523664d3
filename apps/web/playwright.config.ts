import { defineConfig } from "@playwright/test"

// Debian's Chromium, never a downloaded browser (.ci/run installs it when missing).
const chromium = {
  executablePath: "/usr/bin/chromium",
  args: [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync"
  ]
}

// One stack (simulator with the scripted agent off + relay + the built widget) per provider, each on its own port.
const ports = {
  livechat: Number(process.env.SB_TEST_PORT ?? 5180),
  salesforce: Number(process.env.SB_TEST_PORT ?? 5180) + 1
}
const server = (provider: keyof typeof ports) => ({
  command: `node test/server.mjs --provider ${provider} --port ${ports[provider]}`,
  url: `http://127.0.0.1:${ports[provider]}/healthz`,
  reuseExistingServer: false,
  timeout: 60_000,
  stdout: "pipe" as const,
  stderr: "pipe" as const
})

export default defineConfig({
  testDir: "test",
  testMatch: "*.spec.ts",
  outputDir: "test-results/artifacts",
  timeout: 90_000,
  expect: { timeout: 15_000 },
  fullyParallel: true,
  workers: 2,
  retries: 0,
  forbidOnly: process.env.CI !== undefined,
  reporter: [["list"], ["json", { outputFile: "test-results/playwright.json" }]],
  use: { launchOptions: chromium, trace: "retain-on-failure", screenshot: "only-on-failure" },
  webServer: [server("livechat"), server("salesforce")],
  projects: [
    { name: "livechat", use: { baseURL: `http://127.0.0.1:${ports.livechat}` } },
    {
      name: "salesforce",
      use: { baseURL: `http://127.0.0.1:${ports.salesforce}` },
      // Salesforce shows queue positions and typing both ways: the chat flow runs there too.
      grep: /@all-providers/
    }
  ]
})
