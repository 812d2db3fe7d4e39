// Free TCP ports on 127.0.0.1 for servers started by tests.
import { createConnection, createServer } from "node:net"

export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const s = createServer()
    s.once("error", reject)
    s.listen(0, "127.0.0.1", () => {
      const address = s.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      s.close(() => resolve(port))
    })
  })

/** Resolves once something accepts TCP connections on 127.0.0.1:`port`; rejects while nothing does. */
export const acceptsTcp = (port: number) =>
  new Promise<void>((resolve, reject) => {
    const s = createConnection({ port, host: "127.0.0.1" })
    s.once("connect", () => {
      s.destroy()
      resolve()
    })
    s.once("error", reject)
  })
