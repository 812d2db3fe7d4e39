// Proves the console's access checks: the token by bearer header or login cookie (never the token
// itself in the cookie), the session's CSRF token, and the cross-site refusal of actions.
import { describe, expect, test } from "vitest"
import {
  crossSiteRefusal,
  csrfFor,
  hasBearer,
  hasToken,
  loginValue,
  newSession,
  parseCookies,
  sameSecret,
  strictCookie,
} from "../../../src/console/access.js"

const TOKEN = "correct-horse-battery-staple"
const SECRET = Buffer.alloc(32, 7)

describe("console access", () => {
  test("access - the token is accepted as Authorization: Bearer or as the login cookie, and nothing else is", () => {
    expect(hasToken({ authorization: `Bearer ${TOKEN}` }, TOKEN)).toBe(true)
    expect(hasToken({ authorization: `bearer ${TOKEN}` }, TOKEN)).toBe(true)
    expect(hasToken({ cookie: `a=b; dagnats_login=${loginValue(TOKEN)}` }, TOKEN)).toBe(true)
    expect(hasToken({ authorization: "Bearer nope" }, TOKEN)).toBe(false)
    expect(hasToken({ authorization: `Basic ${TOKEN}` }, TOKEN)).toBe(false)
    expect(hasToken({ cookie: `dagnats_login=${TOKEN}` }, TOKEN)).toBe(false)
    expect(hasToken({}, TOKEN)).toBe(false)
    expect(loginValue(TOKEN)).not.toContain(TOKEN)
    expect(hasBearer({ authorization: `Bearer ${TOKEN}` }, TOKEN)).toBe(true)
    expect(hasBearer({ cookie: `dagnats_login=${loginValue(TOKEN)}` }, TOKEN)).toBe(false)
  })

  test("access - sameSecret compares strings of any lengths", () => {
    expect([sameSecret("a", "a"), sameSecret("a", "ab"), sameSecret("", "x")]).toEqual([true, false, false])
  })

  test("access - cookies parse by name; pairs without a name are skipped", () => {
    expect([...parseCookies("a=1; b = 2;=3; c")]).toEqual([
      ["a", "1"],
      ["b", "2"],
    ])
    expect(strictCookie("x", "y", 60)).toBe("x=y; HttpOnly; SameSite=Strict; Path=/; Max-Age=60")
  })

  test("access - a POST with its session's CSRF token from the same origin passes; each missing or foreign part is refused", () => {
    const session = newSession()
    const own = {
      host: "127.0.0.1:8081",
      cookie: `dagnats_session=${session}`,
      "x-dagnats-csrf": csrfFor(SECRET, session),
    }
    expect(crossSiteRefusal(own, SECRET)).toBeUndefined()
    expect(crossSiteRefusal({ ...own, origin: "http://127.0.0.1:8081", "sec-fetch-site": "same-origin" }, SECRET)).toBe(
      undefined,
    )
    expect(crossSiteRefusal({ ...own, "sec-fetch-site": "cross-site" }, SECRET)).toBe("a cross-site request")
    expect(crossSiteRefusal({ ...own, "sec-fetch-site": "same-site" }, SECRET)).toBe("a same-site request")
    expect(crossSiteRefusal({ ...own, origin: "http://evil.example" }, SECRET)).toBe(
      "a request from http://evil.example",
    )
    const missing = "a request without this session's CSRF token"
    expect(crossSiteRefusal({ ...own, "x-dagnats-csrf": undefined }, SECRET)).toBe(missing)
    expect(crossSiteRefusal({ ...own, "x-dagnats-csrf": csrfFor(SECRET, newSession()) }, SECRET)).toBe(missing)
    expect(crossSiteRefusal({ ...own, cookie: undefined }, SECRET)).toBe(missing)
    expect(crossSiteRefusal(own, Buffer.alloc(32, 8))).toBe(missing)
  })
})
