// The console's style sheet, served as /style.css (embedded for the same reason as app.ts): light
// and dark from prefers-color-scheme, a visible focus ring on everything that takes focus.
export const STYLE_CSS = String.raw`/* dagnats console: system fonts, light and dark from the operator's preference, focus always visible. */
:root {
  color-scheme: light dark;
  --bg: #ffffff;
  --fg: #1b1f24;
  --muted: #5b6470;
  --line: #d5dae0;
  --panel: #f4f6f8;
  --accent: #0b5cad;
  --ok-bg: #dff3e4;
  --ok-fg: #14532d;
  --bad-bg: #fde2e1;
  --bad-fg: #8a1c1c;
  --info-bg: #e2ecfb;
  --info-fg: #1e3a6e;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #111418;
    --fg: #e6e9ed;
    --muted: #a0a9b4;
    --line: #2f363e;
    --panel: #1a1f25;
    --accent: #79b8ff;
    --ok-bg: #15391f;
    --ok-fg: #a7f3c0;
    --bad-bg: #4a1717;
    --bad-fg: #ffc2c0;
    --info-bg: #172a4a;
    --info-fg: #bcd4ff;
  }
}
* {
  box-sizing: border-box;
}
body {
  margin: 0;
  font:
    15px/1.45 system-ui,
    -apple-system,
    "Segoe UI",
    sans-serif;
  background: var(--bg);
  color: var(--fg);
}
header {
  display: flex;
  flex-wrap: wrap;
  align-items: center;
  gap: 1rem;
  padding: 0.6rem 1.2rem;
  border-bottom: 1px solid var(--line);
  background: var(--panel);
}
header .brand {
  font-weight: 700;
}
header nav {
  display: flex;
  flex-wrap: wrap;
  gap: 0.2rem;
}
header nav a {
  padding: 0.3rem 0.6rem;
  border-radius: 4px;
  text-decoration: none;
  color: var(--fg);
}
header nav a[aria-current="page"] {
  background: var(--accent);
  color: var(--bg);
}
main {
  padding: 1rem 1.2rem 3rem;
  max-width: 1200px;
}
main:focus {
  outline: none;
}
h1 {
  font-size: 1.4rem;
  margin: 0.3rem 0 1rem;
  word-break: break-all;
}
h2 {
  font-size: 1.1rem;
  margin: 1.6rem 0 0.5rem;
}
a {
  color: var(--accent);
}
a:focus-visible,
button:focus-visible,
input:focus-visible,
select:focus-visible,
textarea:focus-visible,
.skip:focus {
  outline: 3px solid var(--accent);
  outline-offset: 2px;
}
.skip {
  position: absolute;
  left: -999px;
}
.skip:focus {
  left: 0.5rem;
  top: 0.5rem;
  background: var(--bg);
  padding: 0.3rem;
}
table {
  border-collapse: collapse;
  width: 100%;
  font-size: 0.92rem;
}
th,
td {
  text-align: left;
  padding: 0.35rem 0.5rem;
  border-bottom: 1px solid var(--line);
  vertical-align: top;
}
th {
  color: var(--muted);
  font-weight: 600;
}
td {
  word-break: break-word;
}
code,
pre,
td:last-child a {
  font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace;
  font-size: 0.88rem;
}
pre.json {
  background: var(--panel);
  border: 1px solid var(--line);
  border-radius: 4px;
  padding: 0.6rem;
  overflow: auto;
  max-height: 28rem;
  white-space: pre-wrap;
  word-break: break-word;
}
.badge {
  display: inline-block;
  padding: 0 0.45rem;
  border-radius: 999px;
  font-size: 0.82rem;
  font-weight: 600;
}
.badge.ok {
  background: var(--ok-bg);
  color: var(--ok-fg);
}
.badge.bad {
  background: var(--bad-bg);
  color: var(--bad-fg);
}
.badge.info {
  background: var(--info-bg);
  color: var(--info-fg);
}
.hint,
.empty {
  color: var(--muted);
}
.error {
  color: var(--bad-fg);
  background: var(--bad-bg);
  padding: 0.5rem;
  border-radius: 4px;
}
form.filters {
  display: flex;
  flex-wrap: wrap;
  align-items: center;
  gap: 0.5rem;
  margin: 0.5rem 0 1rem;
}
label {
  font-weight: 600;
}
section > label {
  display: block;
  margin-top: 0.6rem;
}
input,
select,
textarea,
button {
  font: inherit;
  color: inherit;
  background: var(--bg);
  border: 1px solid var(--line);
  border-radius: 4px;
  padding: 0.3rem 0.5rem;
}
textarea {
  width: 100%;
  font-family: ui-monospace, Menlo, Consolas, monospace;
}
button {
  cursor: pointer;
  background: var(--panel);
}
.actions {
  display: flex;
  gap: 0.5rem;
  margin: 0.6rem 0;
}
.pager {
  display: flex;
  gap: 1rem;
  margin-top: 0.8rem;
}
dl.facts {
  display: grid;
  grid-template-columns: max-content 1fr;
  gap: 0.3rem 1rem;
}
dl.facts dt {
  color: var(--muted);
}
dl.facts dd {
  margin: 0;
  word-break: break-all;
}
`
