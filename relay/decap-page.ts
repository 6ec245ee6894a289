/**
 * The page that ends Decap CMS's sign-in in its popup: it hands the outcome (a token, or an error)
 * to the window that opened it, by Decap's handshake, and only to an allowed origin.
 *
 *   popup ──"authorizing:bitbucket" (to any origin: it carries nothing)──▶ opener
 *   opener ──"authorizing:bitbucket"──▶ popup: from window.opener, from an origin on RELAY_ALLOWED_ORIGINS?
 *   popup ──"authorization:bitbucket:success:{…}" (or :error:), to that origin alone──▶ opener
 *
 * Its one script is fixed text, allowed by its hash in the page's CSP; what it hands over is data
 * in a `<script type="application/json">` block, never part of the script.
 *
 * @see https://html.spec.whatwg.org/multipage/web-messaging.html#authors (check origin and source)
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-4.18 (postMessage: check both origins)
 */
import { bytesToBase64, utf8Bytes } from './encoding.ts';
import { escapeHtml, htmlAnswer, htmlDocument } from './responses.ts';
import type { HeaderList } from './responses.ts';

/** How long the page waits for its opener's answer before it gives up and forgets what it holds. */
export const HANDSHAKE_TIMEOUT_MS = 15_000;

/** The `id` of the page's data block. */
export const HANDSHAKE_DATA_ID = 'decap-handshake';

/**
 * The page's script. It reads its data block (and takes it out of the page), announces itself to
 * its opener, and answers the first message that is the announcement echoed back by the opener
 * itself from an origin its data names, with that origin's message, sent to that origin alone.
 * Anything else it ignores; after {@link HANDSHAKE_TIMEOUT_MS} without an answer it stops and
 * says so. Plain text rather than a function's source: a bundler's helpers would end up in it.
 */
export const HANDSHAKE_SCRIPT = `(() => {
  'use strict';
  const block = document.getElementById('${HANDSHAKE_DATA_ID}');
  const status = document.getElementById('status');
  let data = JSON.parse(block.textContent);
  block.remove();
  const opener = window.opener;
  if (!opener) {
    status.textContent = data.noOpener;
    data = null;
    return;
  }
  const announcement = 'authorizing:bitbucket';
  const answer = (event) => {
    if (event.source !== opener || event.data !== announcement) return;
    const found = data.messages.find((pair) => pair[0] === event.origin);
    if (found === undefined) return;
    window.removeEventListener('message', answer);
    clearTimeout(timer);
    opener.postMessage(found[1], event.origin);
    status.textContent = data.sent;
    data = null;
  };
  const timer = setTimeout(() => {
    window.removeEventListener('message', answer);
    status.textContent = data.timedOut;
    data = null;
  }, data.timeoutMs);
  window.addEventListener('message', answer);
  opener.postMessage(announcement, '*');
})();`;

/** What the page shows and hands over. */
export interface HandshakePage {
  readonly status: number;
  readonly title: string;
  /** What the page says until the handshake is done. */
  readonly text: string;
  /** A code to quote, on error pages. */
  readonly code?: string;
  /** What the page says once its opener has the message (for an error, the same as `text`). */
  readonly sent: string;
  /** Each allowed origin with the message for it: the message goes to an opener at that origin alone. */
  readonly messages: readonly (readonly [origin: string, message: string])[];
}

const NO_OPENER =
  'This window was not opened by Decap CMS (or lost its link to it), so it hands nothing over. Close it and sign in again from Decap CMS.';
const TIMED_OUT = 'Decap CMS did not answer, so this window handed nothing over. Close it and sign in again from Decap CMS.';

/** The SHA-256 of the script, as CSP names it. */
export async function handshakeScriptHash(): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', utf8Bytes(HANDSHAKE_SCRIPT));
  return `'sha256-${bytesToBase64(new Uint8Array(digest))}'`;
}

/**
 * The page's CSP: its one script by hash, nothing loaded, not framed. No
 * Cross-Origin-Opener-Policy anywhere near it: that would cut the popup from its opener.
 */
async function handshakeCsp(): Promise<string> {
  return `default-src 'none'; script-src ${await handshakeScriptHash()}; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`;
}

/** Data as the text of a `<script type="application/json">`: JSON whose `<`, `>` and `&` cannot end the element. */
export function scriptJson(data: unknown): string {
  return JSON.stringify(data).replace(/[<>&\u2028\u2029]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** The page for `page`, with `extraHeaders` (e.g. a cookie to clear). */
export async function handshakePage(page: HandshakePage, extraHeaders: HeaderList = []): Promise<Response> {
  const data = { messages: page.messages, sent: page.sent, noOpener: NO_OPENER, timedOut: TIMED_OUT, timeoutMs: HANDSHAKE_TIMEOUT_MS };
  const code = page.code === undefined ? '' : `\n<p>Error code: <code>${escapeHtml(page.code)}</code></p>`;
  const html = htmlDocument(
    page.title,
    `<p id="status" role="status">${escapeHtml(page.text)}</p>${code}`,
    `<script type="application/json" id="${HANDSHAKE_DATA_ID}">${scriptJson(data)}</script>\n<script>${HANDSHAKE_SCRIPT}</script>\n`,
  );
  return htmlAnswer(page.status, html, await handshakeCsp(), extraHeaders);
}
