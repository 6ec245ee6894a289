/**
 * The token relay: lets a static app that expects the implicit grant (token in the fragment of
 * its callback) sign in to Bitbucket Cloud through the authorization-code grant, whose token
 * endpoint needs the consumer secret. Web-standard Request/Response/fetch/crypto only, so one
 * handler serves Node (relay/node.ts) and Cloudflare Workers (relay/worker.ts).
 *
 *   app ──/authorize?state&redirect_uri──▶ relay ──302 ?response_type=code&state=<signed>──▶ Bitbucket
 *   Bitbucket ──/callback?code&state──▶ relay ──POST code + secret──▶ token endpoint
 *   relay ──302 <app callback>#access_token=…&state=<app's state>──▶ app
 *
 *   app ──POST /token (session cookie, X-Bitbucket-Relay: 1)──▶ relay ──refresh_token──▶ token endpoint
 *
 * The relay stores nothing: what it needs at /callback travels in its sealed state and a nonce
 * cookie, and a browser's session (the refresh token) in a sealed session cookie (RFC 10017's
 * token-mediating backend).
 */
import { redeemCallback, spendCodes, startCodeGrant } from './code-grant.ts';
import type { RelayConfig } from './config.ts';
import { createDecapRoutes, DECAP_PATHS } from './decap-routes.ts';
import { checkNonce, clearNonceCookie } from './nonce-cookie.ts';
import type { NonceCookieOptions } from './nonce-cookie.ts';
import { readParam } from './query-params.ts';
import { hasBody } from './request-body.ts';
import { htmlPage, json, redirect } from './responses.ts';
import type { HeaderList } from './responses.ts';
import { createStateSealer, DEFAULT_STATE_LIFETIME_MS } from './sealed-state.ts';
import type { StateClaims, StateErrorCode } from './sealed-state.ts';
import type { SessionCookieOptions } from './session-cookie.ts';
import { createSessionRoutes, SESSION_PATHS } from './session-routes.ts';

/** Side effects the relay uses, injectable so tests need no network, real clock or globals. */
export interface RelayDeps {
  /** Calls the token endpoint; defaults to the global `fetch`. */
  readonly fetch?: typeof fetch;
  /** Milliseconds since the epoch; defaults to `Date.now`. */
  readonly now?: () => number;
  /** Cryptographically random bytes; defaults to `crypto.getRandomValues`. */
  readonly randomBytes?: (length: number) => Uint8Array;
  /** Receives one line per notable event; never given tokens, codes, states, cookies or secrets. */
  readonly log?: (line: string) => void;
  /** Token endpoint timeout; defaults to 10 seconds. */
  readonly tokenTimeoutMs?: number;
}

/** A relay: one function from request to response, as both Node's adapter and Workers use it. */
export type RelayHandler = (request: Request) => Promise<Response>;

/** Why the relay answered with its own error page instead of a redirect; shown on the page. */
export type RelayErrorCode =
  | 'NOT_FOUND'
  | 'METHOD_NOT_ALLOWED'
  | 'BODY_NOT_ALLOWED'
  | 'URL_TOO_LONG'
  | 'REPEATED_PARAMETER'
  | 'MISSING_REDIRECT_URI'
  | 'REDIRECT_URI_NOT_ALLOWED'
  | 'MISSING_STATE'
  | 'STATE_TOO_LONG'
  | 'STATE_MALFORMED'
  | 'STATE_TAMPERED'
  | 'STATE_EXPIRED'
  | 'NONCE_MISSING'
  | 'NONCE_MISMATCH'
  | 'INTERNAL_ERROR';

/** Longest request URL accepted; a real sign-in URL is well under 1 kB. */
export const MAX_URL_LENGTH = 4096;

/** Longest app `state` accepted; the app's is 43 characters, and it must fit into the relay's own. */
export const MAX_APP_STATE_LENGTH = 1024;

const STATE_ERRORS = {
  MALFORMED: 'STATE_MALFORMED',
  OVERSIZE: 'STATE_MALFORMED',
  BAD_SEAL: 'STATE_TAMPERED',
  EXPIRED: 'STATE_EXPIRED',
} as const satisfies Record<StateErrorCode, RelayErrorCode>;

/** Refusals of a state this relay sealed (its seal holds): a code with one came from Bitbucket. */
const SIGNED_STATE_REFUSALS: ReadonlySet<RelayErrorCode> = new Set([
  'STATE_EXPIRED',
  'NONCE_MISSING',
  'NONCE_MISMATCH',
  'REDIRECT_URI_NOT_ALLOWED',
]);

/** Creates the relay's request handler for a checked configuration. */
export function createRelay(config: RelayConfig, deps: RelayDeps = {}): RelayHandler {
  const fetchToken = deps.fetch ?? ((input, init) => fetch(input, init));
  const now = deps.now ?? Date.now;
  const randomBytes = deps.randomBytes ?? ((length: number) => crypto.getRandomValues(new Uint8Array(length)));
  const log = deps.log ?? ((line: string) => console.log(line));
  const states = createStateSealer(config.relaySecret, { now, randomBytes, lifetimeMs: DEFAULT_STATE_LIFETIME_MS });
  const allowedCallbacks = new Set(config.allowedCallbacks);
  const exchangeDeps = { fetch: fetchToken, timeoutMs: deps.tokenTimeoutMs };
  const sessions = createSessionRoutes(config, { ...exchangeDeps, now, randomBytes, log });
  // Decap CMS's sign-in (relay/decap-routes.ts), only for a relay that names Decap's sites.
  const decap =
    config.allowedOrigins === undefined
      ? undefined
      : createDecapRoutes(config, config.allowedOrigins, { ...exchangeDeps, now, randomBytes, log });

  return async function handleRequest(request) {
    try {
      return await route(request);
    } catch (error) {
      // The name only: a message could quote a URL or a header.
      log(`internal error (${error instanceof Error ? error.name : typeof error})`);
      return errorPage('INTERNAL_ERROR');
    }
  };

  async function route(request: Request): Promise<Response> {
    const url = new URL(request.url);
    // The session endpoints answer the app's fetch with JSON and nothing else, whatever the
    // method (they read no query, so its length does not matter to them).
    if (SESSION_PATHS.has(url.pathname)) return sessions.handle(request, url.pathname, sessionCookieOptions(url));
    if (request.url.length > MAX_URL_LENGTH) return errorPage('URL_TOO_LONG');
    if (decap !== undefined && DECAP_PATHS.has(url.pathname)) return decap.handle(request, url, cookieOptions(url));
    if (request.method !== 'GET') return errorPage('METHOD_NOT_ALLOWED', [['allow', 'GET']]);
    if (hasBody(request)) return errorPage('BODY_NOT_ALLOWED');

    switch (url.pathname) {
      case '/healthcheck':
        return json(200, { status: 'ok' });
      case '/authorize':
        return authorize(url);
      case '/callback':
        // A state sealed at Decap's /auth comes back here too: Bitbucket knows one callback URL.
        return (await decap?.callback(request, url, cookieOptions(url))) ?? callback(request, url);
      default:
        return errorPage('NOT_FOUND');
    }
  }

  /** Step 1: remember the app's state and callback in a sealed state, then send the user to Bitbucket. */
  async function authorize(url: URL): Promise<Response> {
    // client_id, response_type and scope from the app are ignored: the relay uses its own.
    const redirectUri = readParam(url.searchParams, 'redirect_uri');
    const appState = readParam(url.searchParams, 'state');
    if (redirectUri.status === 'repeated' || appState.status === 'repeated') {
      return refuse('authorize', 'REPEATED_PARAMETER');
    }
    if (redirectUri.status !== 'present') return refuse('authorize', 'MISSING_REDIRECT_URI');
    // Exact match against the list, never a prefix: anything else would be an open redirect.
    if (!allowedCallbacks.has(redirectUri.value)) return refuse('authorize', 'REDIRECT_URI_NOT_ALLOWED');
    if (appState.status !== 'present') return refuse('authorize', 'MISSING_STATE');
    if (appState.value.length > MAX_APP_STATE_LENGTH) return refuse('authorize', 'STATE_TOO_LONG');

    const started = await startCodeGrant(config, randomBytes, cookieOptions(url), (nonceHash) =>
      states.seal({ redirectUri: redirectUri.value, appState: appState.value, nonceHash }),
    );
    // Only a callback URL far longer than any real one (the allow-list is the operator's) gets here.
    if (started === undefined) return refuse('authorize', 'STATE_TOO_LONG');
    log('authorize: redirecting to Bitbucket');
    return started;
  }

  /** Step 2: check the state came back to the same browser, exchange the code, hand the token to the app. */
  async function callback(request: Request, url: URL): Promise<Response> {
    const options = cookieOptions(url);
    // Whatever happens, this sign-in attempt is over: a second use of the same state must fail.
    const clearCookie: HeaderList = [['set-cookie', clearNonceCookie(options)]];

    const checked = await checkReturningState(request, url, options);
    if (!checked.ok) {
      // The code of a refused callback may still be live, and anyone who reads it later (history,
      // a proxy log, the losing one of two sign-ins in one browser) could redeem it through this
      // relay with a sign-in of their own. Spent now, it is worth nothing to them. Only when the
      // state is this relay's own: Bitbucket always sends one back with a real code, and anyone
      // else's request must not make the relay call the token endpoint in the consumer's name.
      if (SIGNED_STATE_REFUSALS.has(checked.code)) await spendCodes(url.searchParams, config, exchangeDeps, log, 'callback');
      // Without a trusted state the relay cannot know where to send the user: a page, not a redirect.
      return refuse('callback', checked.code, clearCookie);
    }

    // With a good state, every outcome goes back to the app as an OAuth answer (RFC 6749 §4.2.2).
    const { redirectUri, appState } = checked.claims;
    const outcome = await outcomeForApp(url.searchParams, url);
    const fragment = new URLSearchParams({ ...outcome.fragment, state: appState });
    return redirect(`${redirectUri}#${fragment.toString()}`, [...clearCookie, ...outcome.session]);
  }

  async function checkReturningState(
    request: Request,
    url: URL,
    options: NonceCookieOptions,
  ): Promise<{ ok: true; claims: StateClaims } | { ok: false; code: RelayErrorCode }> {
    const state = readParam(url.searchParams, 'state');
    if (state.status !== 'present') {
      return { ok: false, code: state.status === 'repeated' ? 'REPEATED_PARAMETER' : 'MISSING_STATE' };
    }
    const verified = await states.open(state.value);
    if (!verified.ok) return { ok: false, code: STATE_ERRORS[verified.code] };

    const refused = await checkNonce(request.headers.get('cookie'), options, verified.claims.nonceHash);
    if (refused) return { ok: false, code: refused };
    // The list may have changed since the state was signed; the current list decides.
    if (!allowedCallbacks.has(verified.claims.redirectUri)) return { ok: false, code: 'REDIRECT_URI_NOT_ALLOWED' };
    return { ok: true, claims: verified.claims };
  }

  /** The fragment fields for the app (without `state`): a token, or an OAuth error; and the session cookie a token starts. */
  async function outcomeForApp(params: URLSearchParams, url: URL): Promise<{ fragment: Record<string, string>; session: HeaderList }> {
    const result = await redeemCallback(params, config, { ...exchangeDeps, now, log }, 'callback');
    if (!result.ok) return failed({ error: result.error, error_description: result.errorDescription });

    log(`callback: token issued${result.token.refreshToken === undefined ? '' : ', session kept'}, redirecting to the app`);
    // Only these fields reach the browser; the refresh token stays in the sealed session cookie.
    const { accessToken, tokenType, expiresIn, scope } = result.token;
    return {
      fragment: {
        access_token: accessToken,
        token_type: tokenType,
        expires_in: String(expiresIn),
        ...(scope === undefined ? {} : { scope }),
      },
      session: await sessions.start(result.token, result.issuedAt, sessionCookieOptions(url)),
    };
  }

  function refuse(step: string, code: RelayErrorCode, headers: HeaderList = []): Response {
    log(`${step}: refused (${code})`);
    return errorPage(code, headers);
  }

  // The relay on https (as RELAY_PUBLIC_URL says; without it, only on loopback, as it is reached)
  // gets Secure __Host- cookies. Never from forwarded headers: whoever sends a request can write them.
  function isHttps(url: URL): boolean {
    return (config.publicOrigin ?? url.origin).startsWith('https:');
  }

  function cookieOptions(url: URL): NonceCookieOptions {
    return { secure: isHttps(url) };
  }

  function sessionCookieOptions(url: URL): SessionCookieOptions {
    return { hostPrefix: isHttps(url) };
  }
}

/** An outcome that goes back to the app as an OAuth error, leaving any session as it is. */
function failed(fragment: Record<string, string>): { fragment: Record<string, string>; session: HeaderList } {
  return { fragment, session: [] };
}

const PAGES: Record<RelayErrorCode, { status: number; message: string }> = {
  NOT_FOUND: { status: 404, message: 'There is nothing at this address.' },
  METHOD_NOT_ALLOWED: { status: 405, message: 'The sign-in relay only answers GET requests.' },
  BODY_NOT_ALLOWED: { status: 413, message: 'The sign-in relay does not accept request bodies.' },
  URL_TOO_LONG: { status: 414, message: 'This address is too long.' },
  REPEATED_PARAMETER: {
    status: 400,
    message: 'This sign-in link repeats a parameter. Go back to the app and sign in again.',
  },
  MISSING_REDIRECT_URI: {
    status: 400,
    message: 'This sign-in link does not say where to return to. Go back to the app and sign in again.',
  },
  REDIRECT_URI_NOT_ALLOWED: {
    status: 400,
    message:
      'This sign-in link asks to return to an address the relay does not serve. If you run this app, add its callback URL to RELAY_ALLOWED_CALLBACKS.',
  },
  MISSING_STATE: {
    status: 400,
    message: 'This sign-in link is incomplete (it has no state). Go back to the app and sign in again.',
  },
  STATE_TOO_LONG: { status: 400, message: "This sign-in link's state is too long." },
  STATE_MALFORMED: { status: 400, message: 'This sign-in answer is not valid. Go back to the app and sign in again.' },
  STATE_TAMPERED: {
    status: 400,
    message: 'This sign-in answer has been altered. Go back to the app and sign in again.',
  },
  STATE_EXPIRED: {
    status: 400,
    message: 'This sign-in took too long and has expired. Go back to the app and sign in again.',
  },
  NONCE_MISSING: {
    status: 400,
    message:
      'This sign-in was started in another browser, has already been completed, or cookies are blocked. Go back to the app and sign in again.',
  },
  NONCE_MISMATCH: {
    status: 400,
    message: 'This sign-in was started in another browser or tab. Go back to the app and sign in again.',
  },
  INTERNAL_ERROR: { status: 500, message: 'The sign-in relay ran into a problem. Please try again.' },
};

/** The relay's HTML error page for `code`; `extraHeaders` may add e.g. a cookie to clear. */
export function errorPage(code: RelayErrorCode, extraHeaders: HeaderList = []): Response {
  const page = PAGES[code];
  return htmlPage(page.status, { title: 'Sign-in could not continue', message: page.message, code }, extraHeaders);
}
