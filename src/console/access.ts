// Who may use the console and which requests count as the console's own: the token (a bearer header
// or the login cookie, compared in constant time), the session cookie and the CSRF token derived
// from it, and the cross-site check every action passes. Pure: headers in, verdicts out.
import { createHmac, randomBytes, timingSafeEqual, createHash } from "node:crypto"

export const SESSION_COOKIE = "dagnats_session"
export const LOGIN_COOKIE = "dagnats_login"
export const CSRF_HEADER = "x-dagnats-csrf"

export type HeaderBag = Readonly<Record<string, string | ReadonlyArray<string> | undefined>>

const first = (h: HeaderBag, name: string): string | undefined => {
  const v = h[name]
  return Array.isArray(v) ? v[0] : (v as string | undefined)
}

/** Equal strings, in time that depends on neither (both are hashed to the same length first). */
export const sameSecret = (given: string, expected: string): boolean =>
  timingSafeEqual(createHash("sha256").update(given).digest(), createHash("sha256").update(expected).digest())

/** The cookies of a Cookie header; a malformed pair is skipped. */
export const parseCookies = (header: string | undefined): ReadonlyMap<string, string> => {
  const cookies = new Map<string, string>()
  for (const part of (header ?? "").split(";")) {
    const eq = part.indexOf("=")
    if (eq <= 0) continue
    cookies.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim())
  }
  return cookies
}

/** The login cookie's value: derived from the token, so the cookie never holds the token itself. */
export const loginValue = (token: string): string =>
  createHmac("sha256", token).update("dagnats console login").digest("base64url")

/**
 * Whether a request carries `Authorization: Bearer TOKEN`. A browser never adds that header to a
 * request another site makes (it would need a CORS preflight the console never grants), so such a
 * request is a script's, not a forged one.
 */
export const hasBearer = (headers: HeaderBag, token: string): boolean => {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(first(headers, "authorization") ?? "")
  return m !== null && sameSecret(m[1]!, token)
}

/** Whether a request carries the token: `Authorization: Bearer TOKEN` or the login cookie. */
export const hasToken = (headers: HeaderBag, token: string): boolean => {
  if (hasBearer(headers, token)) return true
  const cookie = parseCookies(first(headers, "cookie")).get(LOGIN_COOKIE)
  return cookie !== undefined && sameSecret(cookie, loginValue(token))
}

/** A new session id: 32 random bytes. */
export const newSession = (): string => randomBytes(32).toString("base64url")

/** The session id a request carries, when it has the shape of one. */
export const sessionOf = (headers: HeaderBag): string | undefined => {
  const s = parseCookies(first(headers, "cookie")).get(SESSION_COOKIE)
  return s !== undefined && /^[A-Za-z0-9_-]{43}$/.test(s) ? s : undefined
}

/** The CSRF token of a session: a page of this console gets it; another site cannot compute it. */
export const csrfFor = (secret: Buffer, session: string): string =>
  createHmac("sha256", secret).update(session).digest("base64url")

/**
 * Why a POST is refused as cross-site, or undefined when it is the console's own: the browser says
 * where it came from (Sec-Fetch-Site, Origin) and it carries its session's CSRF token, which a
 * page of another origin can neither read nor send (a custom header needs a CORS preflight).
 */
export const crossSiteRefusal = (headers: HeaderBag, secret: Buffer): string | undefined => {
  const site = first(headers, "sec-fetch-site")
  if (site !== undefined && site !== "same-origin" && site !== "none") return `a ${site} request`
  const origin = first(headers, "origin")
  const host = first(headers, "host")
  if (origin !== undefined && origin !== `http://${host}` && origin !== `https://${host}`)
    return `a request from ${origin.slice(0, 100)}`
  const session = sessionOf(headers)
  const csrf = first(headers, CSRF_HEADER)
  if (session === undefined || csrf === undefined || !sameSecret(csrf, csrfFor(secret, session)))
    return "a request without this session's CSRF token"
  return undefined
}

/** The Set-Cookie value of a cookie the page's script cannot read and other sites never send. */
export const strictCookie = (name: string, value: string, maxAgeSeconds?: number): string => {
  const age = maxAgeSeconds !== undefined ? `; Max-Age=${maxAgeSeconds}` : ""
  return `${name}=${value}; HttpOnly; SameSite=Strict; Path=/${age}`
}
