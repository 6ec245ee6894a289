/**
 * Decap CMS's external-OAuth protocol for `provider=bitbucket`, on the relay's own origin (Decap
 * compares its `base_url` with the popup's origin exactly, and calls `/auth/refresh` at that
 * origin's root): the code grant as /authorize runs it, ending in a page that hands the outcome to
 * Decap by message (relay/decap-page.ts), and the refresh Decap asks for when Bitbucket says its
 * token expired. Served only when RELAY_ALLOWED_ORIGINS names Decap's sites.
 *
 *   Decap ──popup: GET /auth?provider=bitbucket&site_id=S&scope=repo──▶ relay ──302, state, nonce cookie──▶ Bitbucket
 *   Bitbucket ──/callback?code&state──▶ relay ──code──▶ token endpoint
 *   relay ──the handshake page──▶ popup ──"authorization:bitbucket:success:{token, refresh_token: sealed}"──▶ Decap
 *   Decap ──POST /auth/refresh?provider=bitbucket&site_id=S, refresh_token=sealed──▶ relay ──refresh──▶ token endpoint
 *
 * A Decap sign-in keeps no session cookie: Decap keeps its refresh token, sealed (relay/decap-seals.ts).
 *
 * @see https://github.com/decaporg/decap-cms/tree/main/packages/decap-cms-lib-auth (the client: netlify-auth.js)
 */
import { redeemCallback, spendCodes, startCodeGrant } from './code-grant.ts';
import type { RelayConfig } from './config.ts';
import { readBoundedText } from './bounded-read.ts';
import { handshakePage } from './decap-page.ts';
import { createDecapSeals } from './decap-seals.ts';
import type { DecapAudience } from './decap-seals.ts';
import { checkNonce, clearNonceCookie } from './nonce-cookie.ts';
import type { NonceCookieOptions } from './nonce-cookie.ts';
import { readParam } from './query-params.ts';
import { hasBody } from './request-body.ts';
import { json } from './responses.ts';
import type { HeaderList } from './responses.ts';
import { refreshAccessToken } from './token-exchange.ts';
import type { TokenCallDeps } from './token-exchange.ts';

/** The paths Decap's routes answer, at the relay's root. */
export const DECAP_PATHS: ReadonlySet<string> = new Set(['/auth', '/auth/refresh']);

/** The one provider served. */
export const DECAP_PROVIDER = 'bitbucket';

/** The most of a refresh request's body read: Decap's form holds one sealed value. */
export const MAX_REFRESH_BODY_BYTES = 4096;

/** What Decap's routes need from outside. */
export interface DecapRouteDeps extends TokenCallDeps {
  readonly now: () => number;
  readonly randomBytes: (length: number) => Uint8Array;
  /** Receives one line per outcome; never given tokens, codes, states, cookies or secrets. */
  readonly log: (line: string) => void;
}

/** Decap's routes. */
export interface DecapRoutes {
  /** Answers a request to one of {@link DECAP_PATHS}, whatever its method. */
  handle(request: Request, url: URL, cookie: NonceCookieOptions): Promise<Response>;
  /** Answers a /callback whose state Decap's /auth sealed; undefined for any other (the app's /callback decides). */
  callback(request: Request, url: URL, cookie: NonceCookieOptions): Promise<Response | undefined>;
}

/** Why Decap's sign-in was refused before Bitbucket's answer could be used; shown on the page and sent to Decap. */
export type DecapRefusalCode =
  | 'METHOD_NOT_ALLOWED'
  | 'BODY_NOT_ALLOWED'
  | 'REPEATED_PARAMETER'
  | 'PROVIDER_NOT_SUPPORTED'
  | 'INVALID_SITE_ID'
  | 'STATE_EXPIRED'
  | 'NONCE_MISSING'
  | 'NONCE_MISMATCH';

const REFUSALS: Record<DecapRefusalCode, { readonly status: number; readonly message: string }> = {
  METHOD_NOT_ALLOWED: { status: 405, message: 'Decap CMS signs in here with GET only.' },
  BODY_NOT_ALLOWED: { status: 413, message: 'Decap CMS signs in here without a request body.' },
  REPEATED_PARAMETER: { status: 400, message: 'This sign-in link repeats a parameter. Sign in again from Decap CMS.' },
  PROVIDER_NOT_SUPPORTED: { status: 400, message: 'This relay signs in to Bitbucket only (provider=bitbucket).' },
  INVALID_SITE_ID: { status: 400, message: 'This sign-in link has no valid site_id (a host name). Sign in again from Decap CMS.' },
  STATE_EXPIRED: { status: 400, message: 'This sign-in took too long and has expired. Sign in again from Decap CMS.' },
  NONCE_MISSING: {
    status: 400,
    message:
      'This sign-in was started in another browser, has already been completed, or cookies are blocked. Sign in again from Decap CMS.',
  },
  NONCE_MISMATCH: { status: 400, message: 'Another sign-in was started in this browser since. Sign in again from Decap CMS.' },
};

/** Why a refresh got a JSON error; the `error` of its body (RFC 6749 §5.2 where it has one). */
export type DecapRefreshError =
  'method_not_allowed' | 'origin_not_allowed' | 'invalid_request' | 'invalid_grant' | 'server_error' | 'temporarily_unavailable';

// A host name, as Decap sends it (its site's host, or the config's site_domain): bounded, and only
// the characters a host name has.
const SITE_ID = /^[a-z0-9](?:[a-z0-9.-]{0,251}[a-z0-9])?$/i;

const INVALID_GRANT =
  'This sign-in no longer works here (it expired, was altered, was already used, belongs to another site, or Bitbucket revoked it): sign in again.';

/** Creates Decap's routes for a checked configuration and its allowed origins (RELAY_ALLOWED_ORIGINS). */
export function createDecapRoutes(config: RelayConfig, allowedOrigins: readonly string[], deps: DecapRouteDeps): DecapRoutes {
  const seals = createDecapSeals(config.relaySecret, { ...deps, lifetimeSeconds: config.sessionLifetimeSeconds });
  const origins = new Set(allowedOrigins);
  const endpoint = { tokenUrl: config.tokenUrl, clientId: config.clientId, clientSecret: config.clientSecret };

  return {
    async handle(request, url, cookie) {
      if (url.pathname === '/auth/refresh') return refresh(request, url);
      if (request.method !== 'GET') return refusal('auth', 'METHOD_NOT_ALLOWED', [['allow', 'GET']]);
      if (hasBody(request)) return refusal('auth', 'BODY_NOT_ALLOWED');
      return auth(url, cookie);
    },

    async callback(request, url, cookie) {
      const state = readParam(url.searchParams, 'state');
      if (state.status !== 'present') return undefined;
      const opened = await seals.openState(state.value);
      // Sealed with another key (the app's), or by nobody: not Decap's. An expired state's seal held.
      if (!opened.ok && opened.code !== 'EXPIRED') return undefined;

      // Whatever happens, this sign-in attempt is over: a second use of the same state must fail.
      const clearCookie: HeaderList = [['set-cookie', clearNonceCookie(cookie)]];
      if (!opened.ok) return refuseCallback(url, 'STATE_EXPIRED', clearCookie);
      const refused = await checkNonce(request.headers.get('cookie'), cookie, opened.claims.nonceHash);
      if (refused !== undefined) return refuseCallback(url, refused, clearCookie);
      return outcome(url.searchParams, opened.claims.siteId, clearCookie);
    },
  };

  /** Decap's popup starts here: check what Decap sent, seal it into a state, go to Bitbucket. */
  async function auth(url: URL, cookie: NonceCookieOptions): Promise<Response> {
    // scope (Decap sends `repo`) is ignored: Bitbucket takes the scopes from the consumer's permissions.
    const provider = readParam(url.searchParams, 'provider');
    const siteId = readParam(url.searchParams, 'site_id');
    if (provider.status === 'repeated' || siteId.status === 'repeated') return refusal('auth', 'REPEATED_PARAMETER');
    if (provider.status !== 'present' || provider.value !== DECAP_PROVIDER) return refusal('auth', 'PROVIDER_NOT_SUPPORTED');
    if (siteId.status !== 'present' || !SITE_ID.test(siteId.value)) return refusal('auth', 'INVALID_SITE_ID');

    const started = await startCodeGrant(config, deps.randomBytes, cookie, (nonceHash) =>
      seals.sealState({ siteId: siteId.value, nonceHash }),
    );
    // Stryker disable next-line ConditionalExpression,BlockStatement,StringLiteral: a 253-character site_id and a hash seal to far less than a state may be.
    if (started === undefined) throw new Error('the Decap state is too long');
    deps.log('auth: redirecting to Bitbucket');
    return started;
  }

  // As for the app's sign-in (relay/relay.ts): a code that comes with this relay's own state came
  // from Bitbucket, and whoever reads it later could redeem it here. Spent, it is worthless.
  async function refuseCallback(url: URL, code: DecapRefusalCode, clearCookie: HeaderList): Promise<Response> {
    await spendCodes(url.searchParams, config, deps, deps.log, 'decap callback');
    return refusal('decap callback', code, clearCookie);
  }

  /** With a good state: the page that hands Decap its token (or Bitbucket's error), with the refresh token sealed for each allowed origin. */
  async function outcome(params: URLSearchParams, siteId: string, clearCookie: HeaderList): Promise<Response> {
    const result = await redeemCallback(params, config, deps, 'decap callback');
    if (!result.ok) return errorPage(400, result.error, result.errorDescription, clearCookie);

    const { accessToken, refreshToken } = result.token;
    const messages: [string, string][] = [];
    for (const origin of origins) {
      const sealed = refreshToken === undefined ? undefined : await seals.sealRefreshToken(refreshToken, { origin, siteId });
      if (refreshToken !== undefined && sealed === undefined) {
        deps.log('decap callback: the refresh token is too long to hand to Decap CMS');
        return errorPage(502, 'server_error', "Bitbucket's answer could not be used. Please try again.", clearCookie);
      }
      // Decap reads `token` and `refresh_token`; the order is the protocol's.
      messages.push([
        origin,
        `authorization:${DECAP_PROVIDER}:success:${JSON.stringify({ token: accessToken, provider: DECAP_PROVIDER, refresh_token: sealed })}`,
      ]);
    }
    deps.log(`decap callback: token issued${refreshToken === undefined ? '' : ', refresh token sealed'}, handing it to Decap CMS`);
    return handshakePage(
      {
        status: 200,
        title: 'Signing in to Decap CMS',
        text: 'Handing your sign-in to Decap CMS…',
        sent: 'Signed in. Decap CMS closes this window; if it stays open, close it.',
        messages,
      },
      clearCookie,
    );
  }

  /** Decap's refresh: its sealed refresh token, from an allowed origin, for Bitbucket's next tokens. */
  async function refresh(request: Request, url: URL): Promise<Response> {
    if (request.method !== 'POST')
      return refreshError(405, 'method_not_allowed', 'Decap CMS refreshes with POST only.', [['allow', 'POST']]);
    const origin = request.headers.get('origin');
    // Checked before anything is read or Bitbucket is called: a page elsewhere learns nothing, not even whether its value was good.
    if (origin === null || !origins.has(origin)) {
      return refreshError(403, 'origin_not_allowed', 'This request did not come from a site the relay serves (RELAY_ALLOWED_ORIGINS).', [
        ['vary', 'Origin'],
      ]);
    }
    // That origin alone may read the answer; Decap sends no cookie, so no credentials are allowed.
    const cors: HeaderList = [
      ['access-control-allow-origin', origin],
      ['vary', 'Origin'],
    ];
    const invalid = (why: string) => refreshError(400, 'invalid_request', why, cors);

    const provider = readParam(url.searchParams, 'provider');
    const siteId = readParam(url.searchParams, 'site_id');
    if (provider.status !== 'present' || provider.value !== DECAP_PROVIDER) return invalid('Only provider=bitbucket is refreshed here.');
    if (siteId.status !== 'present' || !SITE_ID.test(siteId.value)) return invalid('The refresh has no valid site_id (a host name).');
    const form = await readForm(request);
    if (form === undefined)
      return invalid(`The body must be a form (application/x-www-form-urlencoded) of at most ${MAX_REFRESH_BODY_BYTES} bytes.`);
    // Decap sends the sealed value in its form; the query is accepted too. Once, in one place.
    const presented = [...url.searchParams.getAll('refresh_token'), ...form.getAll('refresh_token')];
    const [sealed] = presented;
    if (presented.length !== 1 || sealed === undefined || sealed === '')
      return invalid('Send refresh_token once, in the query or in the form.');

    const audience: DecapAudience = { origin, siteId: siteId.value };
    const opened = await seals.openRefreshToken(sealed, audience);
    if (!opened.ok) {
      deps.log(`decap refresh: sealed refresh token refused (${opened.code})`);
      return refreshError(400, 'invalid_grant', INVALID_GRANT, cors);
    }
    const result = await refreshAccessToken({ ...endpoint, refreshToken: opened.refreshToken }, deps);
    if (!result.ok) {
      const { code, error, errorDescription } = result.failure;
      deps.log(`decap refresh: refresh failed (${code})`);
      if (code === 'INVALID_GRANT') return refreshError(400, 'invalid_grant', INVALID_GRANT, cors);
      return refreshError(code === 'TIMEOUT' ? 504 : 502, error, errorDescription, cors);
    }
    // Bitbucket rotates: the refresh token in `sealed` works no more, and the new one replaces it.
    const next = result.token.refreshToken ?? opened.refreshToken;
    // The sign-in's end stays where it was: renewing does not extend it.
    const resealed = await seals.sealRefreshToken(next, audience, opened.expiresAt);
    if (resealed === undefined) {
      deps.log('decap refresh: the refresh token is too long to hand to Decap CMS');
      return refreshError(502, 'server_error', "Bitbucket's answer could not be used. Please try again.", cors);
    }
    deps.log(`decap refresh: renewed at Bitbucket${result.token.refreshToken === undefined ? '' : ', refresh token rotated'}`);
    return json(200, { token: result.token.accessToken, refresh_token: resealed }, cors);
  }

  function refusal(step: string, code: DecapRefusalCode, headers: HeaderList = []): Promise<Response> {
    deps.log(`${step}: refused (${code})`);
    const { status, message } = REFUSALS[code];
    return errorPage(status, code, message, headers);
  }

  /** An error page that also tells Decap, by the same handshake, never with a token. */
  function errorPage(status: number, code: string, message: string, headers: HeaderList): Promise<Response> {
    const error = `authorization:${DECAP_PROVIDER}:error:${JSON.stringify({ provider: DECAP_PROVIDER, error: code, message })}`;
    return handshakePage(
      {
        status,
        title: 'Sign-in could not continue',
        text: message,
        code,
        sent: message,
        messages: [...origins].map((origin) => [origin, error]),
      },
      headers,
    );
  }

  function refreshError(status: number, error: DecapRefreshError, description: string, headers: HeaderList): Response {
    return json(status, { error, error_description: description }, headers);
  }
}

// The request's form, or an empty one without a body; undefined for a body that is no form, or too long.
async function readForm(request: Request): Promise<URLSearchParams | undefined> {
  if (!hasBody(request)) return new URLSearchParams();
  const type = request.headers.get('content-type');
  if (type === null || !/^application\/x-www-form-urlencoded\s*(;|$)/i.test(type)) return undefined;
  const text = await readBoundedText(request, MAX_REFRESH_BODY_BYTES);
  return text === undefined ? undefined : new URLSearchParams(text);
}
