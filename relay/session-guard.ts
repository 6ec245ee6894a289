/**
 * Who may use the session endpoints (`POST /token`, `POST /sign-out`): only the app's own pages.
 * SameSite=Strict alone does not settle it (RFC 10017 asks for a CSRF defence of its own), so a
 * request must come from an allowed origin (the origins of RELAY_ALLOWED_CALLBACKS) and carry a
 * static custom header, `X-Bitbucket-Relay: 1`. A page of another origin can add that header only
 * after a CORS preflight, which the relay refuses; a form, an image or a `no-cors` fetch cannot add it.
 *
 * @see https://fetch.spec.whatwg.org/#http-cors-protocol
 */
import { json, noContent } from './responses.ts';
import type { HeaderList } from './responses.ts';

/** The custom header every session request must carry, as the app sends it. */
export const RELAY_HEADER = 'X-Bitbucket-Relay';

/** The header's one accepted value. */
export const RELAY_HEADER_VALUE = '1';

/** How long a browser may reuse an accepted preflight, in seconds. */
export const PREFLIGHT_MAX_AGE_SECONDS = 600;

/** Why a session request was refused before its cookie was looked at. */
export type GuardRefusalCode = 'origin_not_allowed' | 'relay_header_missing';

/** The outcome of {@link checkSessionRequest}: the CORS headers to answer with, or the refusal. */
export type GuardResult =
  { readonly ok: true; readonly cors: HeaderList } | { readonly ok: false; readonly code: GuardRefusalCode; readonly response: Response };

const DESCRIPTIONS: Record<GuardRefusalCode, string> = {
  origin_not_allowed:
    "This request did not come from an app the relay serves: its Origin is missing or is not the origin of one of the relay's allowed callbacks (RELAY_ALLOWED_CALLBACKS).",
  relay_header_missing: `Session requests must carry the header ${RELAY_HEADER}: ${RELAY_HEADER_VALUE}.`,
};

// Caches must keep answers for different origins apart (the answers are no-store as well).
const VARY: HeaderList = [['vary', 'Origin']];

/** The origins the session endpoints answer: those of the allowed app callbacks. */
export function allowedOrigins(callbacks: readonly string[]): ReadonlySet<string> {
  return new Set(callbacks.map((callback) => new URL(callback).origin));
}

/** The CORS headers for an allowed `origin`: that origin exactly (never `*`), with credentials. */
export function corsHeaders(origin: string): HeaderList {
  return [['access-control-allow-origin', origin], ['access-control-allow-credentials', 'true'], ...VARY];
}

/** Checks a session request's `Origin` and custom header. */
export function checkSessionRequest(request: Request, origins: ReadonlySet<string>): GuardResult {
  const origin = request.headers.get('origin');
  // Browsers send Origin with every POST, same-origin ones included: one without it is no app's.
  if (origin === null || !origins.has(origin)) return refusal('origin_not_allowed', VARY);
  const cors = corsHeaders(origin);
  if (request.headers.get(RELAY_HEADER) !== RELAY_HEADER_VALUE) return refusal('relay_header_missing', cors);
  return { ok: true, cors };
}

/** Answers a CORS preflight: allowed only from an allowed origin, for POST with at most the custom header. */
export function answerPreflight(request: Request, origins: ReadonlySet<string>): Response {
  const origin = request.headers.get('origin');
  const requested = (request.headers.get('access-control-request-headers') ?? '')
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter((name) => name !== '');
  if (
    origin === null ||
    !origins.has(origin) ||
    request.headers.get('access-control-request-method') !== 'POST' ||
    requested.some((name) => name !== RELAY_HEADER.toLowerCase())
  ) {
    // No CORS headers: the browser then refuses to send the request itself.
    return json(
      403,
      {
        error: 'preflight_refused',
        error_description: `Only the app's own origins may call this, with POST and the ${RELAY_HEADER} header.`,
      },
      VARY,
    );
  }
  return noContent([
    ...corsHeaders(origin),
    ['access-control-allow-methods', 'POST'],
    ['access-control-allow-headers', RELAY_HEADER],
    ['access-control-max-age', String(PREFLIGHT_MAX_AGE_SECONDS)],
  ]);
}

function refusal(code: GuardRefusalCode, headers: HeaderList): GuardResult {
  return { ok: false, code, response: json(403, { error: code, error_description: DESCRIPTIONS[code] }, headers) };
}
