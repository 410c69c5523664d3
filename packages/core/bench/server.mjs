// A bare LiveChat visitor API on 127.0.0.1 for the benches, run as its own process (child_process.fork):
// `start` answers a secured session id, `get_pending_messages` an empty page, `send_message`/`close` success.
// It keeps no state and never fails. The parent reads its CPU and peak socket count over IPC.
import http from "node:http"

const PAGE = '{"events":[]}'
const SUCCESS = '{"success":true}'

let sockets = 0
let peakSockets = 0
let requests = 0

const answer = (res, body, status = 200) => {
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(body) })
  res.end(body)
}

const server = http.createServer((req, res) => {
  requests += 1
  const url = req.url ?? ""
  if (req.method === "GET" && url.includes("/chat/get_pending_messages")) return answer(res, PAGE)
  if (req.method === "POST") {
    req.resume()
    req.on("end", () => {
      if (url.endsWith("/chat/start")) {
        const visitor = url.slice(url.indexOf("/visitors/") + 10, url.indexOf("/chat/"))
        return answer(res, `{"secured_session_id":"CS${visitor}.a1b2c3d4e5","banned":false}`)
      }
      answer(res, SUCCESS)
    })
    return
  }
  answer(res, '{"error":"not found"}', 404)
})
server.keepAliveTimeout = 65_000
server.headersTimeout = 66_000
server.requestTimeout = 0
server.maxRequestsPerSocket = 0
server.on("connection", (socket) => {
  sockets += 1
  if (sockets > peakSockets) peakSockets = sockets
  socket.on("close", () => {
    sockets -= 1
  })
})

let cpuMark = process.cpuUsage()
process.on("message", (message) => {
  if (message === "mark") {
    cpuMark = process.cpuUsage()
    peakSockets = sockets
    requests = 0
    process.send({ type: "marked" })
  } else if (message === "stats") {
    const cpu = process.cpuUsage(cpuMark)
    process.send({ type: "stats", cpuMicros: cpu.user + cpu.system, peakSockets, sockets, requests })
  } else if (message === "stop") {
    server.closeAllConnections()
    server.close(() => process.exit(0))
  }
})
process.on("disconnect", () => process.exit(0))
// Bounded: never outlives a bench.
setTimeout(() => process.exit(0), 120_000).unref()

server.listen(0, "127.0.0.1", () => {
  process.send({ type: "listening", port: server.address().port })
})
