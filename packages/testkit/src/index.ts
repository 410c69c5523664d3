export * from "./recording-server.ts"
