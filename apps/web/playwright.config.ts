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

// One stack (simulator with the scripted agent off + relay + the built widget) per project, each on its own port
// (5182 to 5184 are the dev-command test's). `availability` is Salesforce's again, for the one test that turns its
// agents off: on a stack of its own, it cannot refuse the chats of the tests running beside it.
const base = Number(process.env.SB_TEST_PORT ?? 5180)
const ports = { livechat: base, salesforce: base + 1, availability: base + 5 }
const server = (project: keyof typeof ports) => ({
  command:
    project === "availability"
      ? `node test/server.mjs --provider salesforce --port ${ports[project]} --availability-cache "0 millis"`
      : `node test/server.mjs --provider ${project} --port ${ports[project]}`,
  url: `http://127.0.0.1:${ports[project]}/healthz`,
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
  webServer: [server("livechat"), server("salesforce"), server("availability")],
  projects: [
    { name: "livechat", use: { baseURL: `http://127.0.0.1:${ports.livechat}` }, grepInvert: /@availability/ },
    {
      name: "salesforce",
      use: { baseURL: `http://127.0.0.1:${ports.salesforce}` },
      // Salesforce shows queue positions and typing both ways: the chat flow runs there too.
      grep: /@all-providers/
    },
    {
      name: "availability",
      use: { baseURL: `http://127.0.0.1:${ports.availability}` },
      grep: /@availability/
    }
  ]
})
