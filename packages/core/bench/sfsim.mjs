// Part 3's server: the Switchboard simulator (Salesforce Live Agent, real long polls) in its own process, driven
// over IPC: accept every queued chat, then post agent messages at a steady random rate. Each message's text carries
// the moment it was posted (process.hrtime, CLOCK_MONOTONIC: the same clock in every process), so the client can
// measure post -> visitor's `message` event.
import { startSimulator } from "@switchboard/simulator"

const sim = await startSimulator({ port: 0, host: "127.0.0.1" })
let cpuMark = process.cpuUsage()

const connected = () => sim.hub.list({ provider: "salesforce" }).filter((chat) => chat.state === "chatting")

const post = (ratePerSecond, durationMs) =>
  new Promise((resolve) => {
    const chats = connected().map((chat) => chat.id)
    let posted = 0
    let due = 0
    const started = performance.now()
    const tick = setInterval(() => {
      const elapsed = performance.now() - started
      if (elapsed >= durationMs || chats.length === 0) {
        clearInterval(tick)
        resolve(posted)
        return
      }
      due = (elapsed / 1000) * ratePerSecond
      while (posted < due) {
        const chat = chats[Math.floor(Math.random() * chats.length)]
        sim.hub.say(chat, `t=${process.hrtime.bigint()}`)
        posted += 1
      }
    }, 5)
  })

process.on("message", async (message) => {
  if (message === "accept") {
    const queued = sim.hub.list({ provider: "salesforce" }).filter((chat) => chat.state === "queued")
    for (const chat of queued) sim.hub.accept(chat.id, { name: "Grace" })
    process.send({ type: "accepted", count: queued.length })
  } else if (message?.type === "post") {
    cpuMark = process.cpuUsage()
    const posted = await post(message.rate, message.durationMs)
    const cpu = process.cpuUsage(cpuMark)
    process.send({ type: "posted", posted, cpuMicros: cpu.user + cpu.system })
  } else if (message === "stop") {
    await sim.close()
    process.exit(0)
  }
})
process.on("disconnect", () => process.exit(0))
setTimeout(() => process.exit(0), 120_000).unref()
process.send({ type: "listening", url: sim.urls.salesforce, settings: sim.settings.salesforce })
