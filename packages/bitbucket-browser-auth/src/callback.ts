/**
 * The callback reader: turns the URL Bitbucket redirected to into credentials, or into the reason
 * it refuses them. Pure: it gets the URL, the pending sign-in and the time, and touches nothing.
 * @see https://datatracker.ietf.org/doc/html/rfc6749#section-4.2.2 (RFC 6749 §4.2.2)
 */
import type { Credentials, PendingSignIn } from './session.js';

/** Why a callback was refused. */
export type CallbackErrorCode =
  | 'ACCESS_DENIED'
  | 'GRANT_UNSUPPORTED'
  | 'OAUTH_ERROR'
  | 'NO_RESPONSE'
  | 'REPEATED_PARAMETER'
  | 'STATE_MISSING'
  | 'NO_PENDING_SIGN_IN'
  | 'STATE_MISMATCH'
  | 'TOKEN_MISSING'
  | 'TOKEN_INVALID'
  | 'TOKEN_TYPE_UNSUPPORTED'
  | 'EXPIRES_IN_INVALID';

/** The checks {@link readCallback} makes, in the order it makes them; the first that fails ends the reading. */
export type CallbackCheck =
  | 'NO_REPEATED_PARAMETER'
  | 'NO_OAUTH_ERROR'
  | 'ANSWER_PRESENT'
  | 'STATE_PRESENT'
  | 'ONE_USE'
  | 'STATE_MATCHES'
  | 'TOKEN_PRESENT'
  | 'TOKEN_TYPE'
  | 'LIFETIME'
  | 'SCOPES';

/** Told about each check as it is made (the Flow inspector records them); the reading stays pure. */
export type CheckObserver = (check: CallbackCheck, passed: boolean) => void;

/** The reader's verdict: the credentials and where to go back to, or why not. */
export type CallbackResult =
  | { ok: true; credentials: Extract<Credentials, { kind: 'bearer' }>; returnTo: string }
  | { ok: false; code: CallbackErrorCode; oauthError?: string };

/** OAuth errors that mean "this server no longer does the implicit grant for this client". */
const GRANT_UNSUPPORTED_ERRORS = new Set(['unsupported_response_type', 'unauthorized_client']);

/**
 * Reads an implicit-grant callback. The token is accepted only when every check holds: the
 * one-time state matches, no parameter is repeated, the token is a bearer token with a positive
 * lifetime. OAuth errors are read from the fragment or the query (servers differ).
 */
export function readCallback(
  url: Pick<URL, 'hash' | 'search'>,
  pending: PendingSignIn | null,
  now: number,
  observe: CheckObserver = () => {},
): CallbackResult {
  /** Makes a check: the observer hears of it, and the answer says whether it held. */
  const holds = (check: CallbackCheck, passed: boolean) => {
    observe(check, passed);
    return passed;
  };
  const present = <T>(check: CallbackCheck, value: T | null): value is T => holds(check, value !== null);
  const absent = (check: CallbackCheck, value: string | undefined): value is undefined => holds(check, value === undefined);
  // A URL's `hash` is '' or starts with '#'; URLSearchParams drops the '?' that starts `search`.
  const fragment = parseParameters(url.hash.slice(1));
  const query = parseParameters(url.search);

  const repeated = fragment.repeated || (query.values.has('error') && query.repeated);
  if (!holds('NO_REPEATED_PARAMETER', !repeated)) return { ok: false, code: 'REPEATED_PARAMETER' };

  const error = fragment.values.get('error') ?? query.values.get('error');
  if (!absent('NO_OAUTH_ERROR', error)) {
    // error_description is not shown: anyone can put words in a link, and they would appear as the app's.
    // Only a code-like value is repeated to the user: anything else a link could say is not.
    const oauthError = /^[a-z_]{1,40}$/.test(error) ? error : 'unknown';
    const code =
      oauthError === 'access_denied' ? 'ACCESS_DENIED' : GRANT_UNSUPPORTED_ERRORS.has(oauthError) ? 'GRANT_UNSUPPORTED' : 'OAUTH_ERROR';
    return { ok: false, code, oauthError };
  }

  const params = fragment.values;
  if (!holds('ANSWER_PRESENT', params.size > 0)) return { ok: false, code: 'NO_RESPONSE' };

  const state = params.get('state');
  if (!holds('STATE_PRESENT', Boolean(state))) return { ok: false, code: 'STATE_MISSING' };
  if (!present('ONE_USE', pending)) return { ok: false, code: 'NO_PENDING_SIGN_IN' };
  if (!holds('STATE_MATCHES', state === pending.state)) return { ok: false, code: 'STATE_MISMATCH' };

  const accessToken = params.get('access_token') ?? '';
  if (!holds('TOKEN_PRESENT', isToken(accessToken))) return { ok: false, code: accessToken ? 'TOKEN_INVALID' : 'TOKEN_MISSING' };
  if (!holds('TOKEN_TYPE', params.get('token_type')?.toLowerCase() === 'bearer')) return { ok: false, code: 'TOKEN_TYPE_UNSUPPORTED' };

  const expiresIn = params.get('expires_in');
  if (!holds('LIFETIME', isLifetime(expiresIn))) return { ok: false, code: 'EXPIRES_IN_INVALID' };

  // Bitbucket said `scopes` until May 2026 and `scope` since; a response with both is ambiguous.
  if (!holds('SCOPES', !(params.has('scopes') && params.has('scope')))) return { ok: false, code: 'REPEATED_PARAMETER' };

  return {
    ok: true,
    credentials: bearer(accessToken, Number(expiresIn), params.get('scopes') ?? params.get('scope'), now),
    returnTo: pending.returnTo,
  };
}

/** A token must fit in an HTTP header: printable ASCII, no spaces (RFC 6750 §2.1's b64token and more). */
export const isToken = (value: unknown): value is string => typeof value === 'string' && /^[\x21-\x7e]+$/.test(value);

/** A lifetime is a whole number of seconds above 0, at most nine digits. */
export const isLifetime = (value: unknown): value is string => typeof value === 'string' && /^[1-9][0-9]{0,8}$/.test(value);

/** The credentials of a bearer token that lives `expiresIn` seconds from `now`, with its scopes (space- or comma-separated). */
export function bearer(
  accessToken: string,
  expiresIn: number,
  scopes: string | undefined,
  now: number,
): Extract<Credentials, { kind: 'bearer' }> {
  return {
    kind: 'bearer',
    accessToken,
    expiresAt: now + expiresIn * 1000,
    obtainedAt: now,
    scopes: (scopes ?? '').split(/[\s,]/).filter(Boolean),
  };
}

/** The parameters of a query or fragment, and whether any of them appears more than once. */
function parseParameters(text: string): { values: Map<string, string>; repeated: boolean } {
  const values = new Map<string, string>();
  let repeated = false;
  for (const [name, value] of new URLSearchParams(text)) {
    repeated ||= values.has(name);
    values.set(name, value);
  }
  return { values, repeated };
}

/** Parameters kept from a callback for an observer, and characters of each: a link can say anything, at any length. */
const MAX_PARAMETERS = 20;
const MAX_VALUE = 200;

/** A query or fragment parameter as an observer is told of it: its name and value, credentials reduced. */
export type Parameter = [name: string, value: string];

/**
 * The only form in which an observer is told of a credential: its first 4 characters, an ellipsis
 * and its length. One of 8 characters or fewer shows none: 4 would give half away.
 */
export function reduceToken(token: string): string {
  return `${token.length > 8 ? token.slice(0, 4) : ''}… (${token.length} characters)`;
}

// Credentials that can turn up in a callback: a token, or an authorization code that came here
// instead of to the relay (a misconfigured consumer), which could still be redeemed.
const CREDENTIAL = /^(access_token|refresh_token|id_token|code)$|secret|password/i;

/**
 * A callback's query or fragment as an observer sees it: every credential reduced, long names and
 * values cut. `text` is a URL's `search` or `hash`: empty, or its `?` or `#` and what follows.
 */
export function callbackParameters(text: string): Parameter[] {
  return [...new URLSearchParams(text.slice(1))]
    .slice(0, MAX_PARAMETERS)
    .map(([name, value]) => [name.slice(0, MAX_VALUE), CREDENTIAL.test(name) ? reduceToken(value) : value.slice(0, MAX_VALUE)]);
}

/** Each refusal in a few words, for an app that has none of its own (the code is what to act on). */
export const CALLBACK_MESSAGES: Readonly<Record<CallbackErrorCode, string>> = {
  ACCESS_DENIED: 'Access was not granted.',
  GRANT_UNSUPPORTED: 'Bitbucket no longer gives tokens this way: sign in through a relay.',
  OAUTH_ERROR: 'Bitbucket answered with an error.',
  NO_RESPONSE: 'No answer from Bitbucket.',
  REPEATED_PARAMETER: 'A parameter is repeated.',
  STATE_MISSING: 'The answer has no state.',
  NO_PENDING_SIGN_IN: 'No sign-in was waiting in this tab.',
  STATE_MISMATCH: 'The answer is for another sign-in.',
  TOKEN_MISSING: 'No access token came.',
  TOKEN_INVALID: 'The access token is not valid.',
  TOKEN_TYPE_UNSUPPORTED: 'The token is not a bearer token.',
  EXPIRES_IN_INVALID: 'The token has no valid lifetime.',
};
