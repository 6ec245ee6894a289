/**
 * The Bitbucket REST API client: one GET with the token in the `Authorization` header, retries
 * that are bounded, and errors as values with a stable code.
 * @see https://developer.atlassian.com/cloud/bitbucket/rest/intro/
 */

import type { LimitCode } from './paginate.js';

/** Why an API call failed: the HTTP status as a word, the network, a refused answer, or a bound (of `list`). */
export type ApiErrorCode =
  | 'NO_SESSION'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'ENDPOINT_REMOVED'
  | 'GONE'
  | 'RATE_LIMITED'
  | 'SERVER_ERROR'
  | 'HTTP_ERROR'
  | 'NETWORK'
  | 'BAD_RESPONSE'
  | 'ABORTED'
  | LimitCode;

/**
 * What an endpoint needs the app to be allowed: the OAuth consumer's permission (as Bitbucket's
 * settings name it) and the Atlassian API token's scope. Each named call declares its own, so a
 * refusal can name the right one.
 * @see https://developer.atlassian.com/cloud/bitbucket/rest/intro/#authentication
 */
export interface Permission {
  oauth: 'Account: Read' | 'Repositories: Read';
  apiToken: 'read:user:bitbucket' | 'read:workspace:bitbucket' | 'read:repository:bitbucket';
}

/** A failed API call. The message names the method and path; it never holds the token. */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly code: ApiErrorCode,
    readonly path: string,
    readonly status?: number,
    /** Bitbucket's own `error.message`, when it sent one. */
    readonly detail?: string,
    /** What the call needed (from its declaration), so a 403 can name the missing permission. */
    readonly needs?: Permission,
    /** On a 403 for a missing scope: what the endpoint requires and what the credentials have. */
    readonly scopes?: { readonly required: readonly string[]; readonly granted: readonly string[] },
  ) {
    super(`${code}: GET ${path}`);
  }
}

/** What the user is told while the client waits to try again. */
export interface RetryNotice {
  reason: 'RATE_LIMITED' | 'SERVER_ERROR' | 'NETWORK' | 'OFFLINE';
  attempt: number;
  delayMs: number;
}

export interface ClientOptions {
  /** The API base, e.g. `https://api.bitbucket.org/2.0`, without a trailing slash. */
  apiUrl: string;
  /** The `Authorization` header value, read at each request for its `path` (it may throw to stop the request). */
  authorization: (path: string) => string;
  fetch: typeof fetch;
  sleep?: ((ms: number) => Promise<void>) | undefined;
  /** A number in [0, 1) for jitter. */
  random?: (() => number) | undefined;
  /** When the browser is offline, a promise that resolves once it is back; otherwise null. */
  offline?: (() => Promise<void> | null) | undefined;
}

/** How one request is made: cancelled by `signal`; `needs` is what the endpoint requires. */
export interface RequestOptions {
  signal?: AbortSignal | undefined;
  /** What the endpoint needs the credentials to be allowed, so that a 403 can name it. */
  needs?: Permission | undefined;
  /** Told each time the request waits to try again (a 429, a 5xx, the network, offline). */
  onRetry?: ((notice: RetryNotice) => void) | undefined;
}

export interface BitbucketClient {
  /** GETs a path below the API base (`/user`) or an absolute `next` link on the API origin. */
  get(pathOrUrl: string, options?: RequestOptions): Promise<unknown>;
}

/** Retries after a 429; each waits about twice as long as the one before (1, 2, 4, 8 s). */
const RATE_LIMIT_RETRIES = 4;
/** Retries after a 5xx or a dropped connection. */
const SERVER_RETRIES = 2;
const RATE_LIMIT_BASE_DELAY_MS = 1000;
const SERVER_BASE_DELAY_MS = 500;
const MAX_DELAY_MS = 16_000;

/** Makes a client. `fetch`, the clock and randomness are injected so tests never patch globals. */
export function createClient(options: ClientOptions): BitbucketClient {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const random = options.random ?? Math.random;
  const base = new URL(`${options.apiUrl}/`);

  async function get(pathOrUrl: string, { signal, needs, onRetry }: RequestOptions = {}): Promise<unknown> {
    const url = resolveApiUrl(base, pathOrUrl);
    const path = `${url.pathname}${url.search}`;
    const tries = { rateLimited: 0, failed: 0 };
    for (;;) {
      if (signal?.aborted) throw new ApiError('ABORTED', path);
      const outcome = await attempt(options, url, path, signal, needs);
      if (!(outcome instanceof ApiError)) return outcome;
      const back = outcome.code === 'NETWORK' ? options.offline?.() : null;
      if (back) {
        // Offline is not a failure of the request: wait for the network without spending a retry.
        onRetry?.({ reason: 'OFFLINE', attempt: tries.failed, delayMs: 0 });
        await back;
        continue;
      }
      const retry = retryAfter(outcome, tries, random);
      if (retry.reason === null) throw outcome;
      onRetry?.({
        reason: retry.reason,
        attempt: retry.reason === 'RATE_LIMITED' ? tries.rateLimited : tries.failed,
        delayMs: retry.delayMs,
      });
      await sleep(retry.delayMs);
    }
  }

  return { get };
}

/**
 * Whether a failed request is tried again, why and after how long; counts the try in `tries`.
 * A 429 up to 4 times, a 5xx or a dropped connection twice; anything else not at all.
 */
function retryAfter(
  error: ApiError,
  tries: { rateLimited: number; failed: number },
  random: () => number,
): { reason: Exclude<RetryNotice['reason'], 'OFFLINE'> | null; delayMs: number } {
  if (error.code === 'RATE_LIMITED' && tries.rateLimited < RATE_LIMIT_RETRIES) {
    return { reason: 'RATE_LIMITED', delayMs: backoff(RATE_LIMIT_BASE_DELAY_MS, tries.rateLimited++, random) };
  }
  if ((error.code === 'SERVER_ERROR' || error.code === 'NETWORK') && tries.failed < SERVER_RETRIES) {
    return { reason: error.code, delayMs: backoff(SERVER_BASE_DELAY_MS, tries.failed++, random) };
  }
  return { reason: null, delayMs: 0 };
}

/** One request. Returns the parsed JSON, or the error (retryable or not) as a value. */
async function attempt(options: ClientOptions, url: URL, path: string, signal?: AbortSignal, needs?: Permission): Promise<unknown> {
  // Read before the request: without credentials there is nothing to send (and nothing to retry).
  const authorization = options.authorization(path);
  let response: Response;
  try {
    response = await options.fetch(url, {
      // The token goes here and nowhere else. No cookies go (fetch sends none cross-origin by
      // default), and no referrer.
      headers: { Authorization: authorization },
      referrerPolicy: 'no-referrer',
      // A redirect would carry the Authorization header on to wherever it points: refuse it.
      redirect: 'error',
      // Always ask Bitbucket (a browser may keep an answer such as a 410 without being told to).
      cache: 'no-cache',
      ...(signal ? { signal } : {}),
    });
  } catch {
    return new ApiError(signal?.aborted ? 'ABORTED' : 'NETWORK', path);
  }
  if (!response.ok) {
    const body = await errorBody(response);
    return new ApiError(codeForStatus(response.status, body.message), path, response.status, body.message, needs, body.scopes);
  }
  const type = response.headers.get('content-type');
  if (type === null || !/^application\/(.+\+)?json\b/i.test(type)) {
    return new ApiError('BAD_RESPONSE', path, response.status);
  }
  try {
    return await response.json();
  } catch {
    return new ApiError(signal?.aborted ? 'ABORTED' : 'BAD_RESPONSE', path, response.status);
  }
}

/** Resolves a path or a `next` link below `base`, refusing any URL that would carry the token elsewhere. */
function resolveApiUrl(base: URL, pathOrUrl: string): URL {
  const url = new URL(pathOrUrl.replace(/^\//, ''), base);
  if (url.origin !== base.origin || !url.pathname.startsWith(base.pathname)) {
    throw new ApiError('BAD_RESPONSE', '(a link outside the API)');
  }
  return url;
}

/**
 * The error code for an HTTP status and Bitbucket's `error.message`. A 410 means the removed
 * endpoints of CHANGE-2770 only when the message says so: the description also uses 410 for an
 * account marked as spam.
 */
export function codeForStatus(status: number, message?: string): ApiErrorCode {
  if (status === 410) return message?.startsWith('CHANGE-2770') ? 'ENDPOINT_REMOVED' : 'GONE';
  return STATUS_CODES[status] ?? (status >= 500 ? 'SERVER_ERROR' : 'HTTP_ERROR');
}

const STATUS_CODES: Record<number, ApiErrorCode> = {
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  429: 'RATE_LIMITED',
};

/** Exponential backoff with jitter: base·2^attempt, scaled by a random factor in [0.5, 1.5). */
export function backoff(baseMs: number, attempt: number, random: () => number): number {
  return Math.round(Math.min(MAX_DELAY_MS, baseMs * 2 ** attempt) * (0.5 + random()));
}

/**
 * What an error body says, when it is Bitbucket's JSON error: `error.message`, and on a 403 for a
 * missing scope the `{required, granted}` lists in `error.detail` (an object there, although the
 * OpenAPI description types `detail` as a string).
 */
async function errorBody(response: Response): Promise<{ message?: string; scopes?: { required: string[]; granted: string[] } }> {
  // Not JSON (a 429 is text/plain) or not Bitbucket's shape: the status says enough.
  const body = (await response.json().catch(() => null)) as { error?: { message?: unknown; detail?: unknown } } | null;
  const message = typeof body?.error?.message === 'string' ? body.error.message.slice(0, 300) : undefined;
  const detail = body?.error?.detail as { required?: unknown; granted?: unknown } | undefined;
  const required = scopeList(detail?.required);
  const scopes = required !== undefined && required.length > 0 ? { required, granted: scopeList(detail?.granted) ?? [] } : undefined;
  return { ...(message === undefined ? {} : { message }), ...(scopes === undefined ? {} : { scopes }) };
}

/** A list of scope names, or undefined for anything else; at most ten, each one short. */
function scopeList(value: unknown): string[] | undefined {
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string' && /^[\w:.-]{1,64}$/.test(item))) return undefined;
  return value.slice(0, 10);
}
