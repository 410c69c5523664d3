/** No test leaves a process behind, even one that timed out. */
import { afterAll } from "vitest"
import { running } from "./helpers.ts"

afterAll(() => {
  for (const child of running) child.dispose()
})
