/**
 * The small request/answer protocol between the benchmark's processes over Node's IPC channel: the parent sends
 * `{ id, type, ... }`, the child answers `{ id, ... }` (or `{ id, error }`).
 */

/** In a child: answers every message with `handle(message)`; exits when the parent goes away. */
export const serve = (handle) => {
  process.on("message", async (message) => {
    try {
      process.send({ id: message.id, ...(await handle(message)) })
    } catch (error) {
      process.send({ id: message.id, error: error instanceof Error ? (error.stack ?? error.message) : String(error) })
    }
  })
  process.on("disconnect", () => process.exit(0))
}

/** In the parent: a function that sends a message to `child` and resolves with its answer. */
export const caller = (child, name) => {
  let next = 1
  const waiting = new Map()
  child.on("message", (message) => {
    const pending = waiting.get(message.id)
    if (pending === undefined) return
    waiting.delete(message.id)
    if (message.error !== undefined) pending.reject(new Error(`${name}: ${message.error}`))
    else pending.resolve(message)
  })
  child.on("exit", (code, signal) => {
    for (const pending of waiting.values()) pending.reject(new Error(`${name} exited (${signal ?? code})`))
    waiting.clear()
  })
  return (type, fields = {}) =>
    new Promise((resolve, reject) => {
      const id = next++
      waiting.set(id, { resolve, reject })
      child.send({ id, type, ...fields })
    })
}
