/**
 * The one server-side call the relay exists for: trading an authorization code for an access
 * token at Bitbucket's token endpoint, with the consumer secret the browser must never see.
 *
 * @see https://datatracker.ietf.org/doc/html/rfc6749#section-4.1.3 (request)
 * @see https://datatracker.ietf.org/doc/html/rfc6749#section-5.1 (response)
 */
import { bytesToBase64, utf8Bytes } from './encoding.ts';

/** What the relay passes on to the app. The refresh token is deliberately not part of it. */
export interface AccessToken {
  readonly accessToken: string;
  readonly tokenType: 'bearer';
  /** Seconds until the token expires, as Bitbucket said. */
  readonly expiresIn: number;
  /** Space-separated scopes, from Bitbucket's `scope` (or the older `scopes`), when it sent one. */
  readonly scope?: string;
}

/** Why an exchange failed; stable codes for logs and tests. */
export type TokenFailureCode =
  'TIMEOUT' | 'NETWORK' | 'UPSTREAM_ERROR' | 'INVALID_GRANT' | 'CLIENT_REJECTED' | 'REQUEST_REJECTED' | 'BAD_RESPONSE';

/** An exchange failure, with the OAuth error the app should see (RFC 6749 §4.1.2.1 / §5.2). */
export interface TokenFailure {
  readonly code: TokenFailureCode;
  readonly error: 'invalid_grant' | 'server_error' | 'temporarily_unavailable';
  readonly errorDescription: string;
}

/** The outcome of {@link exchangeCode} and {@link processTokenResponse}. */
export type TokenExchangeResult =
  { readonly ok: true; readonly token: AccessToken } | { readonly ok: false; readonly failure: TokenFailure };

/** Everything needed to call the token endpoint once. */
export interface TokenRequestOptions {
  readonly tokenUrl: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly code: string;
  /** Only when the authorize request carried one: RFC 6749 §4.1.3 then requires the same value. */
  readonly redirectUri?: string;
}

/** How long to wait for the token endpoint, body included, before telling the user to retry. */
export const DEFAULT_TOKEN_TIMEOUT_MS = 10_000;

/** Builds the token request: a form POST authenticated with HTTP Basic `client_id:secret`. */
export function tokenRequest(options: TokenRequestOptions): { url: string; init: RequestInit } {
  const body = new URLSearchParams({ grant_type: 'authorization_code', code: options.code });
  if (options.redirectUri !== undefined) body.set('redirect_uri', options.redirectUri);
  return {
    url: options.tokenUrl,
    init: {
      method: 'POST',
      headers: {
        authorization: `Basic ${bytesToBase64(utf8Bytes(`${options.clientId}:${options.clientSecret}`))}`,
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
      },
      body,
      // Never follow a redirect: it could carry the Basic credentials somewhere else.
      redirect: 'manual',
    },
  };
}

/** Sends the token request with a timeout and checks the answer; never throws. */
export async function exchangeCode(
  options: TokenRequestOptions,
  deps: { readonly fetch: typeof fetch; readonly timeoutMs?: number },
): Promise<TokenExchangeResult> {
  const { url, init } = tokenRequest(options);
  try {
    // One signal covers connecting, the status line and reading the body.
    const signal = AbortSignal.timeout(deps.timeoutMs ?? DEFAULT_TOKEN_TIMEOUT_MS);
    const response = await deps.fetch(url, { ...init, signal });
    return await processTokenResponse(response);
  } catch (error) {
    if (error instanceof Error && error.name === 'TimeoutError') {
      return failure('TIMEOUT', 'temporarily_unavailable', 'Bitbucket did not answer in time. Please try again.');
    }
    return failure('NETWORK', 'temporarily_unavailable', 'Bitbucket could not be reached. Please try again.');
  }
}

/** Checks a token endpoint response and returns the token, or why it cannot be used. */
export async function processTokenResponse(response: Response): Promise<TokenExchangeResult> {
  if (response.status >= 500 || response.status === 429) {
    await response.body?.cancel();
    return failure('UPSTREAM_ERROR', 'temporarily_unavailable', 'Bitbucket is not available right now. Please try again.');
  }
  if (response.status === 400 || response.status === 401) {
    const body = await readJson(response);
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

  const body = await readJson(response);
  if (!isRecord(body)) return badResponse();
  const { access_token: accessToken, token_type: tokenType, expires_in: expiresIn } = body;
  // Bitbucket renamed `scopes` to `scope` in May 2026; either may arrive.
  const scope = body['scope'] ?? body['scopes'];
  if (
    typeof accessToken !== 'string' ||
    accessToken === '' ||
    typeof tokenType !== 'string' ||
    tokenType.toLowerCase() !== 'bearer' ||
    typeof expiresIn !== 'number' ||
    !Number.isFinite(expiresIn) ||
    // Below one second it would round down to 0, which the app (rightly) refuses.
    expiresIn < 1 ||
    (scope !== undefined && typeof scope !== 'string')
  ) {
    return badResponse();
  }
  return {
    ok: true,
    token: {
      accessToken,
      tokenType: 'bearer',
      expiresIn: Math.floor(expiresIn),
      ...(scope === undefined ? {} : { scope }),
    },
  };
}

// Undefined for anything that is not JSON, whatever the Content-Type claims.
async function readJson(response: Response): Promise<unknown> {
  const contentType = response.headers.get('content-type') ?? '';
  if (!/^application\/([\w.+-]+\+)?json\b/i.test(contentType)) {
    await response.body?.cancel();
    return undefined;
  }
  try {
    return JSON.parse(await response.text());
  } catch (error) {
    // A timeout while reading the body is not a bad answer: let the caller report it as one.
    if (error instanceof Error && error.name === 'TimeoutError') throw error;
    return undefined;
  }
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
