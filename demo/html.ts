/**
 * A few helpers for the companion app's server-rendered pages: escaping,
 * and the layout every page shares.
 */

/** Escape text for HTML. */
export function escapeHtml(value: unknown): string {
  return String(value)
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;')
}

/** Pretty JSON, escaped for a `<pre>`. */
export function jsonBlock(value: unknown): string {
  return `<pre>${escapeHtml(JSON.stringify(value, null, 2) ?? 'undefined')}</pre>`
}

/** What every page shows about the session as it is now. */
export interface SessionPanel {
  id: string | undefined
  user: string | undefined
  /** The paths of the last pages visited, oldest first. */
  visitLog: string[]
  data: unknown
}

const style = `
  body { font: 16px/1.5 system-ui, sans-serif; max-width: 52rem; margin: 2rem auto; padding: 0 1rem; color: #1d2430; }
  nav a, nav button { margin-right: 1rem; }
  nav form { display: inline; }
  pre { background: #f3f5f8; padding: .75rem; overflow-x: auto; border-radius: 6px; }
  aside { border-left: 4px solid #7a8ca5; padding-left: 1rem; margin-top: 2rem; }
  .error { color: #a01818; }
  table { border-collapse: collapse; } td, th { text-align: left; padding: .2rem .8rem .2rem 0; vertical-align: top; }
  code { background: #f3f5f8; padding: 0 .2rem; }
`

/** The visit log as a list, oldest first. */
function visitLogHtml(log: string[]): string {
  const items = log.map((path) => `<li><code>${escapeHtml(path)}</code></li>`).join('')
  return `<p>Pages visited in this session, oldest first (the last ten):</p>\n<ol id="visit-log">${items}</ol>`
}

/** The shared layout: navigation, the page's content, and the session panel. */
export function page(title: string, body: string, panel: SessionPanel): string {
  const who = panel.user
    ? `logged in as <strong id="user">${escapeHtml(panel.user)}</strong>`
    : '<span id="user">not logged in</span>'
  const logout = panel.user
    ? '<form method="post" action="/logout"><button type="submit" id="logout">Log out</button></form>'
    : ''
  // the empty icon keeps the browser from asking for /favicon.ico after every page:
  // a request that would load the session and touch it, for nothing
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><link rel="icon" href="data:,"><title>${escapeHtml(title)} · express-session, annotated</title><style>${style}</style></head>
<body>
<nav><a href="/">Home</a><a href="/login">Log in</a><a href="/inspect">Inspect</a><a href="/store">Store</a><a href="/headers">Headers</a>${logout}</nav>
<h1>${escapeHtml(title)}</h1>
${body}
<aside>
<h2>Your session right now</h2>
<p>Session id: <code id="session-id">${escapeHtml(panel.id ?? '(none)')}</code> · ${who}</p>
${visitLogHtml(panel.visitLog)}
${jsonBlock(panel.data)}
</aside>
</body>
</html>
`
}
