/**
 * Who is calling the API: an OAuth access token as `Authorization: Bearer`, or an Atlassian API
 * token as HTTP Basic `email:api_token`. Tokens anywhere else are refused, as since May 2026.
 */
import { apiError, header, json, errorBody } from './http.ts';
import type { SimRequest, SimResponse } from './http.ts';
import type { SimState } from './state.ts';
import { API_TOKEN_SCOPES } from './options.ts';
import type { ExpiredTokenMessage } from './options.ts';

/**
 * The caller's scopes, or the 401 to answer. OAuth tokens carry the consumer's scopes
 * (`account`, `repository`); API tokens carry Atlassian's (`read:user:bitbucket`, …).
 */
export type ApiAuth = { ok: true; kind: 'oauth' | 'api-token'; scopes: string[] } | { ok: false; response: SimResponse };

/** The messages a client meets, as Bitbucket words them. */
export const AUTH_MESSAGES = {
  expired: 'Access token expired. Use your refresh token to obtain a new access token.',
  invalid: 'Token is invalid, expired, or not supported for this endpoint.',
  inQuery: 'Access tokens are accepted only in the Authorization header, not in the query string.',
  missing: 'Authentication required',
  badBasic: 'Invalid email address or API token.',
  scopes: 'Your credentials lack one or more required privilege scopes.',
} as const;

/**
 * The message of the 401 for an expired access token. Bitbucket has sent both: the classic one,
 * which clients such as Decap CMS take as their cue to refresh, and the newer, general one.
 */
export function expiredMessage(choice: ExpiredTokenMessage): string {
  return choice === 'classic' ? AUTH_MESSAGES.expired : AUTH_MESSAGES.invalid;
}

/** Identifies the caller of an API request. */
export function authenticate(state: SimState, request: SimRequest): ApiAuth {
  const refuse = (message: string, detail?: string): ApiAuth => ({ ok: false, response: apiError(401, message, detail) });

  // Checked first: a token in the URL is refused even when it is valid, so nobody relies on it.
  if (request.url.searchParams.has('access_token')) {
    return refuse(AUTH_MESSAGES.inQuery, 'Send it as "Authorization: Bearer <token>".');
  }
  const authorization = header(request, 'authorization');
  if (authorization === undefined || authorization.trim() === '') {
    return refuse(AUTH_MESSAGES.missing, 'Send "Authorization: Bearer <access token>" or HTTP Basic with an API token.');
  }

  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  if (bearer !== null) {
    const checked = state.tokens.checkToken(bearer[1] ?? '', state.options.now());
    if (checked.ok) return { ok: true, kind: 'oauth', scopes: checked.record.scopes.split(' ') };
    return refuse(checked.problem === 'expired' ? expiredMessage(state.options.expiredTokenMessage) : AUTH_MESSAGES.invalid);
  }

  const basic = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization);
  if (basic !== null) {
    const decoded = Buffer.from(basic[1] ?? '', 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const email = decoded.slice(0, colon);
    const token = decoded.slice(colon + 1);
    const known = colon > 0 ? state.options.apiTokens.find((entry) => entry.email === email && entry.token === token) : undefined;
    if (known === undefined) return refuse(AUTH_MESSAGES.badBasic);
    return { ok: true, kind: 'api-token', scopes: [...(known.scopes ?? API_TOKEN_SCOPES)] };
  }

  return refuse(AUTH_MESSAGES.invalid);
}

/** The 403 Bitbucket answers when a token lacks a scope; its detail lists granted and required. */
export function missingScope(granted: string[], required: string): SimResponse {
  return json(403, errorBody(AUTH_MESSAGES.scopes, { granted, required: [required] }));
}
