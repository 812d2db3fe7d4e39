// The console's two HTML documents: the page shell (navigation, an empty main the script fills, the
// session's CSRF token in a meta tag) and the login form. Static text; the only value put in is the
// CSRF token, which is base64url and escaped regardless.
const escape = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!)

const head = (title: string, extra: string) => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(title)}</title>
${extra}</head>`

export const mainPage = (csrf: string) => `${head(
  "dagnats console",
  `<link rel="stylesheet" href="/style.css">
<meta name="dagnats-csrf" content="${escape(csrf)}">
<script src="/app.js" defer></script>
`,
)}
<body>
<header>
<span class="brand">dagnats</span>
<nav aria-label="pages">
<a href="#/">Overview</a>
<a href="#/triggers">Triggers</a>
<a href="#/deliveries">Deliveries</a>
<a href="#/runs">Runs</a>
<a href="#/schedules">Schedules</a>
<a href="#/dead">Dead letters</a>
</nav>
</header>
<main id="main" tabindex="-1"><p>Loading…</p></main>
</body>
</html>
`

/** The login form; without the token even the style sheet is refused, so it needs none. */
export const loginPage = (problem: string | undefined) => `${head("dagnats console: log in", "")}
<body>
<main id="main">
<h1>dagnats console</h1>
${problem !== undefined ? `<p role="alert">${escape(problem)}</p>\n` : ""}<form method="post" action="/login">
<label for="token">Console token (DAGNATS_CONSOLE_TOKEN)</label>
<input id="token" name="token" type="password" autocomplete="current-password" required autofocus>
<button type="submit">Log in</button>
</form>
</main>
</body>
</html>
`
