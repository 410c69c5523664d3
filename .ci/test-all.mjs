#!/usr/bin/env node
// Runs every check and test of the workspace through turbo (lint, spec lint, type checks, codegen drift, tests),
// then prints one plain line "N passed, N failed" summed from the test runners' JSON reports.
// Exits non-zero when any task failed or any test failed. Used by `pnpm test:all` and by .ci/run.
import { spawnSync } from "node:child_process"
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs"
import { join } from "node:path"

const root = new URL("..", import.meta.url).pathname
const tasks = ["lint", "lint:root", "lint:specs", "typecheck", "codegen:check", "test"]

/** Workspace package folders (pnpm-workspace.yaml: specs, packages/*, apps/*). */
const packageDirs = [
  "specs",
  ...["packages", "apps"].flatMap((parent) =>
    existsSync(join(root, parent)) ? readdirSync(join(root, parent)).map((name) => join(parent, name)) : []
  )
].filter((dir) => existsSync(join(root, dir, "package.json")))

const manifest = (dir) => JSON.parse(readFileSync(join(root, dir, "package.json"), "utf8"))
const tested = packageDirs.filter((dir) => manifest(dir).scripts?.test !== undefined)

// Reports of an earlier run must never be counted: turbo restores them from its cache when a task is a hit.
for (const dir of tested) rmSync(join(root, dir, "test-results"), { recursive: true, force: true })

// At most four tasks at once: the suites wait on real loopback servers and child processes more than they compute,
// but all of them at once on CI's two cores (load 19) made bounded waits in them run out.
const turbo = spawnSync("pnpm", ["exec", "turbo", "run", ...tasks, "--continue", "--concurrency=4"], {
  cwd: root,
  stdio: "inherit"
})
// Package sources changed without a changeset fail the run (compared with the base branch, main).
const changesets = spawnSync("pnpm", ["exec", "changeset", "status"], { cwd: root, stdio: "inherit" })

let passed = 0
let failed = 0
const problems = []
for (const dir of tested) {
  const reports = ["vitest.json", "playwright.json"].map((file) => join(root, dir, "test-results", file))
  const found = reports.filter((file) => existsSync(file))
  if (found.length === 0) {
    failed += 1
    problems.push(`${manifest(dir).name}: no test report (its test task did not run to the end)`)
    continue
  }
  for (const file of found) {
    const report = JSON.parse(readFileSync(file, "utf8"))
    if (file.endsWith("vitest.json")) {
      passed += report.numPassedTests
      failed += report.numFailedTests
      // A test file that cannot even load fails its suite without failing a test: count it once.
      if (report.numFailedTests === 0 && report.numFailedTestSuites > 0) {
        failed += report.numFailedTestSuites
        problems.push(`${manifest(dir).name}: ${report.numFailedTestSuites} test file(s) failed to run`)
      }
    } else {
      passed += report.stats.expected + report.stats.flaky
      failed += report.stats.unexpected
    }
  }
}

if (turbo.status !== 0)
  problems.push(`turbo run ${tasks.join(" ")} failed (exit ${turbo.status}); see its output above`)
for (const problem of problems) console.log(`! ${problem}`)
console.log(`${passed} passed, ${failed} failed`)
process.exit(turbo.status !== 0 || changesets.status !== 0 || failed > 0 ? 1 : 0)
