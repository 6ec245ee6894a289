/**
 * The authorization server (the bitbucket.org role): the authorize endpoint with its consent page,
 * for the implicit grant (`response_type=token`) and the authorization-code grant, and the token
 * endpoint. It sends no CORS headers: Bitbucket's token endpoint is not usable from a browser.
 * @see https://developer.atlassian.com/cloud/bitbucket/oauth-2/
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4
 */
import { timingSafeEqual } from 'node:crypto';
import { header, html, json, redirect } from './http.ts';
import type { Handler, SimRequest, SimResponse } from './http.ts';
import type { SimClient } from './options.ts';
import { PAGE_HEADERS, renderConsentPage, renderErrorPage } from './pages.ts';
import type { SimState } from './state.ts';
import { DEFAULT_SCOPES } from './tokens.ts';

/** Path of the authorize endpoint. */
export const AUTHORIZE_PATH = '/site/oauth2/authorize';

/** Path of the token endpoint. */
export const TOKEN_PATH = '/site/oauth2/access_token';

/** A valid authorize request, ready for the consent decision. */
interface AuthorizeRequest {
  client: SimClient;
  /** Where to send the browser: the given `redirect_uri`, or the registered callback URL. */
  redirectUri: string;
  /** The `redirect_uri` as sent, if it was. */
  givenRedirectUri: string | undefined;
  responseType: 'token' | 'code';
  state: string | undefined;
}

// Answers that carry a token or code must not be cached or leak through Referer (RFC 6749 §5.1).
const NO_STORE = { 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer' };

/** Creates the authorization server's request handler. */
export function createAuthHandler(state: SimState): Handler {
  return (request) => {
    const path = request.url.pathname;
    if (path === AUTHORIZE_PATH && request.method === 'GET') return showConsent(state, request.url.searchParams);
    if (path === AUTHORIZE_PATH && request.method === 'POST') return decide(state, new URLSearchParams(request.body));
    if (path === TOKEN_PATH && request.method === 'POST') return exchange(state, request);
    if (path === AUTHORIZE_PATH || path === TOKEN_PATH) {
      const page = renderErrorPage('Method not allowed', `${request.method} is not supported here.`);
      return html(405, page, { ...PAGE_HEADERS, Allow: path === TOKEN_PATH ? 'POST' : 'GET, POST' });
    }
    const page = renderErrorPage('Page not found', `This server answers only ${AUTHORIZE_PATH} and ${TOKEN_PATH}.`);
    return html(404, page, PAGE_HEADERS);
  };
}

function showConsent(state: SimState, params: URLSearchParams): SimResponse {
  const checked = checkAuthorizeRequest(state, params);
  if ('response' in checked) return checked.response;
  const fields: Record<string, string> = {
    client_id: checked.client.clientId,
    response_type: checked.responseType,
  };
  if (checked.givenRedirectUri !== undefined) fields['redirect_uri'] = checked.givenRedirectUri;
  if (checked.state !== undefined) fields['state'] = checked.state;
  const page = renderConsentPage({
    clientName: checked.client.name,
    user: state.data.user,
    redirectTarget: checked.redirectUri,
    fields,
    action: AUTHORIZE_PATH,
  });
  return html(200, page, PAGE_HEADERS);
}

// The consent form posts back here. Its hidden fields are checked again: they can be edited.
function decide(state: SimState, form: URLSearchParams): SimResponse {
  const checked = checkAuthorizeRequest(state, form);
  if ('response' in checked) return checked.response;
  const decision = form.get('decision');
  const where = checked.responseType === 'token' ? 'fragment' : 'query';
  const withState = (params: Array<[string, string]>): Array<[string, string]> =>
    checked.state === undefined ? params : [...params, ['state', checked.state]];

  if (decision === 'cancel') {
    return redirectWith(
      checked.redirectUri,
      withState([
        ['error', 'access_denied'],
        ['error_description', 'The user denied access.'],
      ]),
      where,
    );
  }
  if (decision !== 'grant') {
    return html(400, renderErrorPage('Invalid request', 'Choose "Grant access" or "Cancel".'), PAGE_HEADERS);
  }

  const { options, tokens } = state;
  const now = options.now();
  if (checked.responseType === 'code') {
    const code = tokens.issueCode({
      clientId: checked.client.clientId,
      redirectUri: checked.givenRedirectUri,
      scopes: DEFAULT_SCOPES,
      lifetimeSeconds: options.codeLifetimeSeconds,
      now,
    });
    return redirectWith(checked.redirectUri, withState([['code', code]]), 'query');
  }
  const record = tokens.issueToken({
    clientId: checked.client.clientId,
    scopes: DEFAULT_SCOPES,
    lifetimeSeconds: options.tokenLifetimeSeconds,
    now,
  });
  return redirectWith(
    checked.redirectUri,
    withState([
      ['access_token', record.token],
      [options.scopeParam, record.scopes],
      ['expires_in', String(options.tokenLifetimeSeconds)],
      ['token_type', 'bearer'],
    ]),
    'fragment',
  );
}

/**
 * Checks client_id, then redirect_uri, then response_type. The first two cannot be trusted as a
 * place to send the browser, so their errors are pages here; a bad response_type is redirected.
 */
function checkAuthorizeRequest(state: SimState, params: URLSearchParams): AuthorizeRequest | { response: SimResponse } {
  const page = (title: string, explanation: string) => ({
    response: html(400, renderErrorPage(title, explanation), PAGE_HEADERS),
  });
  const repeated = ['client_id', 'response_type', 'redirect_uri', 'state'].find((name) => params.getAll(name).length > 1);
  if (repeated !== undefined) return page('Invalid request', `The parameter ${repeated} was sent more than once.`);

  const clientId = params.get('client_id');
  const client = state.options.clients.find((candidate) => candidate.clientId === clientId);
  if (clientId === null || client === undefined) {
    return page('Invalid client_id', 'No OAuth consumer has this key. Check the client_id the app sends.');
  }
  if (client.callbackUrl === '') {
    return { response: json(400, { error_description: 'No callback uri defined for the OAuth client.', error: 'invalid_request' }) };
  }

  const givenRedirectUri = params.get('redirect_uri') ?? undefined;
  // Bitbucket's rule: the redirect_uri must start with the consumer's callback URL.
  if (givenRedirectUri !== undefined && (!givenRedirectUri.startsWith(client.callbackUrl) || !URL.canParse(givenRedirectUri))) {
    return page(
      'Invalid redirect_uri — This integration is misconfigured',
      'The redirect_uri does not start with the callback URL registered for this OAuth consumer. Contact the developer of the app.',
    );
  }
  const redirectUri = givenRedirectUri ?? client.callbackUrl;
  const requestState = params.get('state') ?? undefined;

  const responseType = params.get('response_type');
  if (responseType !== 'token' && responseType !== 'code') {
    // RFC 6749 puts implicit-grant errors in the fragment and code-grant errors in the query;
    // for an unknown type, "token-like" (it names `token`) decides.
    const tokenLike = (responseType ?? '').split(' ').includes('token');
    const params: Array<[string, string]> =
      responseType === null
        ? [
            ['error', 'invalid_request'],
            ['error_description', 'response_type is required.'],
          ]
        : [
            ['error', 'unsupported_response_type'],
            ['error_description', `Unsupported response_type: ${responseType}`],
          ];
    if (requestState !== undefined) params.push(['state', requestState]);
    return { response: redirectWith(redirectUri, params, tokenLike ? 'fragment' : 'query') };
  }
  if (responseType === 'token' && !state.options.implicitGrant) {
    // As Bitbucket Cloud since 27 February 2026. Which error and description it really sends is
    // unconfirmed; this is what RFC 6749 §4.2.2.1 prescribes for a grant the server does not offer.
    const params: Array<[string, string]> = [
      ['error', 'unsupported_response_type'],
      ['error_description', 'The implicit grant is no longer supported. Use the authorization code grant.'],
    ];
    if (requestState !== undefined) params.push(['state', requestState]);
    return { response: redirectWith(redirectUri, params, 'fragment') };
  }

  return { client, redirectUri, givenRedirectUri, responseType, state: requestState };
}

// Builds `uri#a=1&b=2` or `uri?a=1&b=2`, encoding spaces as %20 (not `+`) in both.
function redirectWith(uri: string, params: Array<[string, string]>, where: 'fragment' | 'query'): SimResponse {
  const encoded = params.map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`).join('&');
  const base = uri.split('#')[0] ?? uri;
  const location = where === 'fragment' ? `${base}#${encoded}` : `${base}${base.includes('?') ? '&' : '?'}${encoded}`;
  return redirect(location, NO_STORE);
}

// The token endpoint: the consumer's server (never a browser) trades a code for a token.
function exchange(state: SimState, request: SimRequest): SimResponse {
  const tokenError = (status: number, error: string, description: string, extra: Record<string, string> = {}) =>
    json(status, { error, error_description: description }, { ...NO_STORE, ...extra });

  const contentType = header(request, 'content-type') ?? '';
  if (!contentType.toLowerCase().startsWith('application/x-www-form-urlencoded')) {
    return tokenError(400, 'invalid_request', 'The body must be application/x-www-form-urlencoded.');
  }
  const client = authenticateClient(state, header(request, 'authorization'));
  if (client === undefined) {
    // What Bitbucket has been seen to answer today (its status is unconfirmed; RFC 6749 §5.2
    // would say 401 invalid_client, which the classic behaviour keeps).
    if (state.options.bitbucketToday) {
      return tokenError(400, 'unauthorized_client', 'Requests must be authenticated using OAuth client credentials');
    }
    return tokenError(401, 'invalid_client', 'Client credentials are missing or wrong (HTTP Basic client_id:secret).', {
      'WWW-Authenticate': 'Basic realm="Bitbucket OAuth"',
    });
  }

  const form = new URLSearchParams(request.body);
  const grantType = form.get('grant_type');
  const { options, tokens } = state;
  const now = options.now();
  let scopes: string;
  let refreshToken: string;
  const issueRefresh = (granted: string) =>
    tokens.issueRefreshToken({ clientId: client.clientId, scopes: granted, lifetimeSeconds: options.refreshTokenLifetimeSeconds, now });

  if (grantType === 'authorization_code') {
    const code = form.get('code');
    if (code === null) return tokenError(400, 'invalid_request', 'code is required.');
    const redeemed = tokens.redeemCode(code, { clientId: client.clientId, redirectUri: form.get('redirect_uri') ?? undefined, now });
    if (!redeemed.ok) {
      const reasons = {
        unknown: 'The authorization code is not valid.',
        used: 'The authorization code has already been used.',
        expired: 'The authorization code has expired.',
        'wrong-client': 'The authorization code was issued to another client.',
        'redirect-mismatch': 'redirect_uri does not match the one in the authorization request.',
      };
      return tokenError(400, 'invalid_grant', reasons[redeemed.problem]);
    }
    scopes = redeemed.record.scopes;
    refreshToken = issueRefresh(scopes);
  } else if (grantType === 'refresh_token') {
    const given = form.get('refresh_token');
    if (given === null) return tokenError(400, 'invalid_request', 'refresh_token is required.');
    // Today each refresh token works once: the answer carries its successor.
    const rotate = options.bitbucketToday;
    const checked = tokens.useRefreshToken(given, { clientId: client.clientId, now, rotate });
    if (!checked.ok) {
      return tokenError(
        400,
        'invalid_grant',
        checked.problem === 'expired' ? 'The refresh token has expired.' : 'The refresh token is not valid.',
      );
    }
    scopes = checked.scopes;
    refreshToken = rotate ? issueRefresh(scopes) : given;
  } else if (grantType === null) {
    return tokenError(400, 'invalid_request', 'grant_type is required.');
  } else {
    return tokenError(400, 'unsupported_grant_type', `Unsupported grant_type: ${grantType}`);
  }

  const record = tokens.issueToken({ clientId: client.clientId, scopes, lifetimeSeconds: options.tokenLifetimeSeconds, now });
  return json(
    200,
    {
      access_token: record.token,
      scope: scopes,
      expires_in: options.tokenLifetimeSeconds,
      token_type: 'bearer',
      // Bitbucket echoes the grant type here (not the authorize request's state). Unconfirmed.
      state: grantType,
      refresh_token: refreshToken,
    },
    NO_STORE,
  );
}

function authenticateClient(state: SimState, authorization: string | undefined): SimClient | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization ?? '');
  if (match === null) return undefined;
  const decoded = Buffer.from(match[1] ?? '', 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  const clientId = decoded.slice(0, colon);
  const secret = decoded.slice(colon + 1);
  const client = state.options.clients.find((candidate) => candidate.clientId === clientId);
  return client?.secret !== undefined && sameSecret(client.secret, secret) ? client : undefined;
}

// Constant-time comparison, the habit to keep for secrets even in a simulator.
function sameSecret(expected: string, given: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}
