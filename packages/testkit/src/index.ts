export * from "./classify.ts"
export * from "./hostile-proxy.ts"
export * from "./recording-server.ts"
export * from "./rss.ts"
