import { defaultClientConditions, defineConfig } from "vite"

// Two pages: the widget on a demo shop page, and the agent console for the simulator. The relay's browser client is
// compiled from its sources (the workspace's `@switchboard/source` condition), so no build of it is needed here.
export default defineConfig({
  resolve: { conditions: ["@switchboard/source", ...defaultClientConditions] },
  build: {
    target: "es2022",
    rollupOptions: { input: { widget: "index.html", console: "console.html" } }
  }
})
