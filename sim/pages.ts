/**
 * The authorization server's HTML: the consent page and its error pages. Every value is escaped;
 * no script is needed, so none is allowed.
 */
import { escapeHtml } from './http.ts';

/** What the consent page shows and carries. */
export interface ConsentPage {
  /** The consumer's name. */
  clientName: string;
  /** Who is signing in. */
  user: { display_name: string; nickname: string };
  /** Where the browser goes next. */
  redirectTarget: string;
  /** The authorize parameters, posted back as hidden fields. */
  fields: Record<string, string>;
  /** The form's target: the authorize path itself. */
  action: string;
}

/** Headers for every page: no framing (click-jacking), no scripts, no referrer leaking the query. */
export const PAGE_HEADERS: Record<string, string> = {
  'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
};

const STYLE = `
  :root { color-scheme: light; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
  body { margin: 0; background: #f4f5f7; color: #172b4d; line-height: 1.5; }
  main { max-width: 32rem; margin: 3rem auto; padding: 2rem; background: #fff; border-radius: 8px;
         box-shadow: 0 1px 3px rgba(9, 30, 66, 0.25); overflow-wrap: anywhere; }
  .notice { margin: 0 0 1rem; font-size: 0.875rem; color: #42526e; }
  h1 { font-size: 1.5rem; margin: 0 0 1rem; }
  h2 { font-size: 1rem; margin: 1.5rem 0 0.5rem; }
  ul { padding-left: 1.25rem; }
  code { background: #f4f5f7; padding: 0 0.25rem; border-radius: 3px; }
  .actions { display: flex; gap: 0.75rem; margin-top: 2rem; }
  button { font: inherit; padding: 0.5rem 1.25rem; border-radius: 4px; cursor: pointer; border: 1px solid #0052cc; }
  button:focus-visible { outline: 3px solid #4c9aff; outline-offset: 2px; }
  .primary { background: #0052cc; color: #fff; }
  .secondary { background: #fff; color: #0052cc; }
`;

function layout(title: string, content: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<p class="notice">Bitbucket Cloud simulator: a local stand-in for bitbucket.org, for development and tests.</p>
${content}
</main>
</body>
</html>
`;
}

/** The page asking the user to grant the consumer access. */
export function renderConsentPage(page: ConsentPage): string {
  const hidden = Object.entries(page.fields)
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join('\n');
  return layout(
    `Authorize ${page.clientName}`,
    `<h1>Authorize ${escapeHtml(page.clientName)}</h1>
<p>Signed in as <strong>${escapeHtml(page.user.display_name)}</strong> (${escapeHtml(page.user.nickname)}).</p>
<h2 id="permissions">This app is asking for:</h2>
<ul aria-labelledby="permissions">
<li><strong>Account: Read</strong>: your name, avatar and workspaces</li>
<li><strong>Repositories: Read</strong>: your repositories and their contents</li>
</ul>
<p>If you grant access you will be sent to <code>${escapeHtml(page.redirectTarget)}</code>.</p>
<form method="post" action="${escapeHtml(page.action)}">
${hidden}
<div class="actions">
<button type="submit" name="decision" value="grant" class="primary">Grant access</button>
<button type="submit" name="decision" value="cancel" class="secondary">Cancel</button>
</div>
</form>`,
  );
}

/** A page for a request that cannot be sent back to the consumer (bad client or redirect_uri). */
export function renderErrorPage(title: string, explanation: string): string {
  return layout(title, `<h1>${escapeHtml(title)}</h1>\n<p>${escapeHtml(explanation)}</p>`);
}
