/**
 * Benchmark server 2, the floor: a bare `node:http` server with no framework, no validation and no state. It answers
 * each request with a response the simulator gave to the same kind of request (same status, same body, same
 * content type and location), recorded by the load generator during its warm-up against the simulator and cycled
 * round-robin; a recorded Salesforce 204 is held for the same hold the simulator uses. It reports its own CPU time.
 */
import { createServer } from "node:http"
import { serve } from "./ipc.mjs"

const holdMs = Number(process.argv[2] ?? "20")

/** kind → { next, answers: [{ status, headers, body }] } */
let fixtures = new Map()

const kindOf = (method, url) => {
  const query = url.indexOf("?")
  const path = query === -1 ? url : url.slice(0, query)
  if (path.startsWith("/livechat/")) {
    if (path.endsWith("/get_pending_messages")) return "lc.poll"
    return path.endsWith("/send_message") ? "lc.send" : undefined
  }
  if (path.startsWith("/liveperson/")) return method === "POST" ? "lp.send" : "lp.poll"
  if (path.startsWith("/salesforce/")) {
    if (path.endsWith("/System/Messages")) return "sf.poll"
    return path.endsWith("/Chasitor/ChatMessage") ? "sf.send" : undefined
  }
  return undefined
}

const answer = (request, response) => {
  const set = fixtures.get(kindOf(request.method, request.url))
  if (set === undefined) {
    response.writeHead(404, { "content-type": "application/json" })
    response.end('{"error":"not found"}')
    return
  }
  const recorded = set.answers[set.next]
  set.next = (set.next + 1) % set.answers.length
  const send = () => {
    response.writeHead(recorded.status, recorded.headers)
    response.end(recorded.body)
  }
  if (recorded.status === 204) setTimeout(send, holdMs)
  else send()
}

const server = createServer((request, response) => {
  if (request.method === "GET") {
    answer(request, response)
    request.resume()
  } else {
    request.on("end", () => answer(request, response))
    request.resume()
  }
})

serve(async (message) => {
  switch (message.type) {
    case "fixtures":
      fixtures = new Map(
        Object.entries(message.fixtures).map(([kind, answers]) => [
          kind,
          {
            next: 0,
            answers: answers.map(({ status, headers, body }) => ({
              status,
              headers,
              body: body === "" ? undefined : Buffer.from(body)
            }))
          }
        ])
      )
      return {}
    case "cpu":
      return { cpu: process.cpuUsage() }
    case "stop":
      server.closeAllConnections()
      server.close(() => process.exit(0))
      return {}
    default:
      throw new Error(`unknown message ${message.type}`)
  }
})

server.listen(0, "127.0.0.1", () => {
  process.send({ type: "ready", origin: `http://127.0.0.1:${server.address().port}` })
})
