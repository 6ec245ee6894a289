/**
 * The relay's calls to Bitbucket's token endpoint, with the consumer secret the browser must never
 * see: trading an authorization code for tokens, and a refresh token for new ones. Each answer is
 * read within bounds (its size, its time) and checked field by field before anything is passed on.
 *
 * @see https://datatracker.ietf.org/doc/html/rfc6749#section-4.1.3 (code request)
 * @see https://datatracker.ietf.org/doc/html/rfc6749#section-6 (refresh request)
 * @see https://datatracker.ietf.org/doc/html/rfc6749#section-5.1 (response)
 */
import { readBoundedText } from './bounded-read.ts';
import { bytesToBase64, utf8Bytes } from './encoding.ts';

/** What the token endpoint issued, checked and bounded. */
export interface AccessToken {
  readonly accessToken: string;
  readonly tokenType: 'bearer';
  /** Seconds until the token expires, as Bitbucket said, within 1 and {@link MAX_EXPIRES_IN_SECONDS}. */
  readonly expiresIn: number;
  /** Space-separated scopes, from Bitbucket's `scope` (or the older `scopes`), when it sent one. */
  readonly scope?: string;
  /** The refresh token, when Bitbucket sent one: it stays with the relay, never reaching the app. */
  readonly refreshToken?: string;
}

/** Why a call failed; stable codes for logs and tests. */
export type TokenFailureCode =
  'TIMEOUT' | 'NETWORK' | 'UPSTREAM_ERROR' | 'INVALID_GRANT' | 'CLIENT_REJECTED' | 'REQUEST_REJECTED' | 'BAD_RESPONSE' | 'TOO_LARGE';

/** A failure, with the OAuth error the app should see (RFC 6749 §4.1.2.1 / §5.2). */
export interface TokenFailure {
  readonly code: TokenFailureCode;
  readonly error: 'invalid_grant' | 'server_error' | 'temporarily_unavailable';
  readonly errorDescription: string;
}

/** The outcome of {@link exchangeCode}, {@link refreshAccessToken} and {@link processTokenResponse}. */
export type TokenExchangeResult =
  { readonly ok: true; readonly token: AccessToken } | { readonly ok: false; readonly failure: TokenFailure };

/** Where the token endpoint is, and the consumer that calls it. */
export interface TokenEndpoint {
  readonly tokenUrl: string;
  readonly clientId: string;
  readonly clientSecret: string;
}

/** Everything needed to trade a code once. */
export interface TokenRequestOptions extends TokenEndpoint {
  readonly code: string;
  /** Only when the authorize request carried one: RFC 6749 §4.1.3 then requires the same value. */
  readonly redirectUri?: string | undefined;
}

/** Everything needed to trade a refresh token once. */
export interface RefreshRequestOptions extends TokenEndpoint {
  readonly refreshToken: string;
}

/** What a call needs from outside: `fetch`, and how long it may take. */
export interface TokenCallDeps {
  readonly fetch: typeof fetch;
  readonly timeoutMs?: number | undefined;
}

/** How long to wait for the token endpoint, body included, before telling the user to retry. */
export const DEFAULT_TOKEN_TIMEOUT_MS = 10_000;

/** The most of a token endpoint answer the relay reads: a real one is under 1 kB. */
export const MAX_TOKEN_RESPONSE_BYTES = 32 * 1024;

/** The longest `expires_in` passed on (a day; Bitbucket's are one or two hours): a larger one is cut to it. */
export const MAX_EXPIRES_IN_SECONDS = 86_400;

/** The longest access token accepted: it travels in a redirect's Location and the session cookie. */
export const MAX_ACCESS_TOKEN_LENGTH = 4096;

/** The longest refresh token accepted: it must fit into the session cookie on its own. */
export const MAX_REFRESH_TOKEN_LENGTH = 1024;

/** The longest scope list accepted. */
export const MAX_SCOPE_LENGTH = 1024;

// RFC 6749 Appendix A: tokens are VSCHARs; without the space, which would split an Authorization header.
const TOKEN_TEXT = /^[\x21-\x7E]+$/;
// RFC 6749 §3.3: scope tokens are NQCHARs, separated by spaces.
const SCOPE_TEXT = /^[\x20\x21\x23-\x5B\x5D-\x7E]*$/;

/** Builds the code request: a form POST authenticated with HTTP Basic `client_id:secret`. */
export function tokenRequest(options: TokenRequestOptions): { url: string; init: RequestInit } {
  const body = new URLSearchParams({ grant_type: 'authorization_code', code: options.code });
  if (options.redirectUri !== undefined) body.set('redirect_uri', options.redirectUri);
  return formPost(options, body);
}

/** Builds the refresh request: the same form POST with `grant_type=refresh_token`. */
export function refreshRequest(options: RefreshRequestOptions): { url: string; init: RequestInit } {
  return formPost(options, new URLSearchParams({ grant_type: 'refresh_token', refresh_token: options.refreshToken }));
}

/** Trades a code for tokens, with a timeout, and checks the answer; never throws. */
export function exchangeCode(options: TokenRequestOptions, deps: TokenCallDeps): Promise<TokenExchangeResult> {
  return callTokenEndpoint(tokenRequest(options), deps);
}

/** Trades a refresh token for new tokens (Bitbucket rotates it), with a timeout, and checks the answer; never throws. */
export function refreshAccessToken(options: RefreshRequestOptions, deps: TokenCallDeps): Promise<TokenExchangeResult> {
  return callTokenEndpoint(refreshRequest(options), deps);
}

function formPost(endpoint: TokenEndpoint, body: URLSearchParams): { url: string; init: RequestInit } {
  return {
    url: endpoint.tokenUrl,
    init: {
      method: 'POST',
      headers: {
        authorization: `Basic ${bytesToBase64(utf8Bytes(`${endpoint.clientId}:${endpoint.clientSecret}`))}`,
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
      },
      body,
      // Never follow a redirect: it could carry the Basic credentials somewhere else.
      redirect: 'manual',
    },
  };
}

async function callTokenEndpoint({ url, init }: { url: string; init: RequestInit }, deps: TokenCallDeps): Promise<TokenExchangeResult> {
  // One signal covers connecting, the status line and reading the body.
  const signal = AbortSignal.timeout(deps.timeoutMs ?? DEFAULT_TOKEN_TIMEOUT_MS);
  try {
    const response = await deps.fetch(url, { ...init, signal });
    return await processTokenResponse(response, signal);
  } catch (error) {
    if (error instanceof Error && error.name === 'TimeoutError') {
      return failure('TIMEOUT', 'temporarily_unavailable', 'Bitbucket did not answer in time. Please try again.');
    }
    return failure('NETWORK', 'temporarily_unavailable', 'Bitbucket could not be reached. Please try again.');
  }
}

/** Checks a token endpoint response and returns the token, or why it cannot be used; `signal` bounds reading its body. */
export async function processTokenResponse(response: Response, signal?: AbortSignal): Promise<TokenExchangeResult> {
  if (response.status >= 500 || response.status === 429) {
    await response.body?.cancel();
    return failure('UPSTREAM_ERROR', 'temporarily_unavailable', 'Bitbucket is not available right now. Please try again.');
  }
  if (response.status === 400 || response.status === 401) {
    const body = await readJson(response, signal);
    const error = isRecord(body) ? body['error'] : undefined;
    if (error === 'invalid_grant') {
      return failure('INVALID_GRANT', 'invalid_grant', 'The sign-in code was invalid, expired or already used. Please sign in again.');
    }
    // RFC 6749 says invalid_client; Bitbucket has been seen answering unauthorized_client.
    if (error === 'invalid_client' || error === 'unauthorized_client' || response.status === 401) {
      return failure('CLIENT_REJECTED', 'server_error', 'The sign-in relay is misconfigured (its OAuth consumer was rejected).');
    }
    return failure('REQUEST_REJECTED', 'server_error', "Bitbucket refused the sign-in relay's request.");
  }
  if (response.status !== 200) {
    await response.body?.cancel();
    return badResponse();
  }

  const body = await readJson(response, signal);
  if (body === TOO_LARGE) return failure('TOO_LARGE', 'server_error', "Bitbucket's answer could not be understood.");
  if (!isRecord(body)) return badResponse();
  const { access_token: accessToken, token_type: tokenType, expires_in: expiresIn, refresh_token: refreshToken } = body;
  // Bitbucket renamed `scopes` to `scope` in May 2026; either may arrive.
  const scope = body['scope'] ?? body['scopes'];
  if (
    !isToken(accessToken, MAX_ACCESS_TOKEN_LENGTH) ||
    typeof tokenType !== 'string' ||
    tokenType.toLowerCase() !== 'bearer' ||
    typeof expiresIn !== 'number' ||
    !Number.isFinite(expiresIn) ||
    // Below one second it would round down to 0, which the app (rightly) refuses.
    expiresIn < 1 ||
    (scope !== undefined && !(typeof scope === 'string' && scope.length <= MAX_SCOPE_LENGTH && SCOPE_TEXT.test(scope))) ||
    (refreshToken !== undefined && !isToken(refreshToken, MAX_REFRESH_TOKEN_LENGTH))
  ) {
    return badResponse();
  }
  return {
    ok: true,
    token: {
      accessToken,
      tokenType: 'bearer',
      // A whole number of seconds, never more than a day: the app plans its timers with it.
      expiresIn: Math.min(Math.floor(expiresIn), MAX_EXPIRES_IN_SECONDS),
      ...(scope === undefined ? {} : { scope }),
      ...(refreshToken === undefined ? {} : { refreshToken }),
    },
  };
}

// Stands for a body longer than MAX_TOKEN_RESPONSE_BYTES, which is not read to its end.
const TOO_LARGE = Symbol('too large');

// Undefined for anything that is not JSON, whatever the Content-Type claims.
async function readJson(response: Response, signal: AbortSignal | undefined): Promise<unknown> {
  const contentType = response.headers.get('content-type');
  if (contentType === null || !/^application\/([\w.+-]+\+)?json\b/i.test(contentType)) {
    await response.body?.cancel();
    return undefined;
  }
  // A body that breaks off or times out is not a bad answer: the caller reports it as NETWORK or TIMEOUT.
  const text = await readBoundedText(response, MAX_TOKEN_RESPONSE_BYTES, signal);
  if (text === undefined) return TOO_LARGE;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isToken(value: unknown, maxLength: number): value is string {
  return typeof value === 'string' && value.length <= maxLength && TOKEN_TEXT.test(value);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function badResponse(): TokenExchangeResult {
  return failure('BAD_RESPONSE', 'server_error', "Bitbucket's answer could not be understood.");
}

function failure(code: TokenFailureCode, error: TokenFailure['error'], errorDescription: string): TokenExchangeResult {
  return { ok: false, failure: { code, error, errorDescription } };
}
