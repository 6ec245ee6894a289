/**
 * Every answer the relay gives is built here, so every one of them (redirects, error pages,
 * 404s, the healthcheck) carries the same protective headers.
 */

/** Headers on every answer: nothing is cached and no URL leaks onward in a Referer. */
export const BASELINE_HEADERS: Readonly<Record<string, string>> = {
  // Answers carry tokens (in Location) or one-time states: no cache may keep them.
  'cache-control': 'no-store',
  // Bitbucket and the app must not learn each other's URLs (with codes or states) via Referer.
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
};

/** The CSP of the relay's HTML pages: no scripts, no loads, no framing, inline styles only. */
export const PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** Extra headers as name/value pairs, so a name may repeat (several `Set-Cookie`s). */
export type HeaderList = readonly (readonly [string, string])[];

/** What an error page says. `code` is shown too, so a user can quote it and tests can find it. */
export interface PageContent {
  readonly title: string;
  readonly message: string;
  readonly code: string;
}

/** A redirect (302) to `location`. */
export function redirect(location: string, extraHeaders: HeaderList = []): Response {
  return answer(302, null, [['location', location], ...extraHeaders]);
}

/** A small HTML page, escaped and under {@link PAGE_CSP}. */
export function htmlPage(status: number, content: PageContent, extraHeaders: HeaderList = []): Response {
  const html = htmlDocument(
    content.title,
    `<p>${escapeHtml(content.message)}</p>\n<p>Error code: <code>${escapeHtml(content.code)}</code></p>`,
  );
  return htmlAnswer(status, html, PAGE_CSP, extraHeaders);
}

/** An HTML document (see {@link htmlDocument}) under the Content-Security-Policy `csp`. */
export function htmlAnswer(status: number, html: string, csp: string, extraHeaders: HeaderList = []): Response {
  return answer(status, html, [['content-type', 'text/html; charset=utf-8'], ['content-security-policy', csp], ...extraHeaders]);
}

/**
 * The relay's HTML document: `title` (escaped) as its title and heading, then `main` inside its
 * `<main>` and `after` after it, both HTML the caller has escaped.
 */
export function htmlDocument(title: string, main: string, after = ''): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;color:#172b4d}code{background:#f4f5f7;padding:0 .25em}</style>
</head>
<body>
<main>
<h1>${escapeHtml(title)}</h1>
${main}
</main>
${after}</body>
</html>
`;
}

/** A JSON answer; `extraHeaders` may add CORS headers or a cookie. */
export function json(status: number, body: unknown, extraHeaders: HeaderList = []): Response {
  return answer(status, JSON.stringify(body), [['content-type', 'application/json; charset=utf-8'], ...extraHeaders]);
}

/** An answer without a body (204), with `extraHeaders`. */
export function noContent(extraHeaders: HeaderList = []): Response {
  return answer(204, null, extraHeaders);
}

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;').replaceAll("'", '&#39;');
}

function answer(status: number, body: string | null, extraHeaders: HeaderList): Response {
  const headers = new Headers(BASELINE_HEADERS);
  for (const [name, value] of extraHeaders) headers.append(name, value);
  return new Response(body, { status, headers });
}
