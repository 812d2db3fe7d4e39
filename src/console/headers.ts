// The headers every console answer carries: a Content-Security-Policy that lets the page run only
// the console's own script and style (nothing inline, nothing from elsewhere, never in a frame), and
// no content-type sniffing, so no payload shown on a page can become a script.
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "content-security-policy":
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  // same-origin, not no-referrer: with no-referrer a form POST says `Origin: null`, and the origin check needs it.
  "referrer-policy": "same-origin",
  "cache-control": "no-store",
}
