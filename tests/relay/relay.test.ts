// @vitest-environment node
import { describe, expect, it, vi } from 'vitest';
import { base64UrlToBytes, bytesToBase64Url } from '../../relay/encoding.ts';
import { createRelay, errorPage } from '../../relay/relay.ts';
import type { RelayErrorCode } from '../../relay/relay.ts';
import { DEFAULT_STATE_LIFETIME_MS } from '../../relay/sealed-state.ts';
import { escapeHtml } from '../../relay/responses.ts';
import {
  ACCESS_TOKEN,
  APP_CALLBACK,
  APP_STATE,
  CLIENT_ID,
  CLIENT_SECRET,
  CODE,
  REFRESH_TOKEN,
  RELAY_SECRET,
  bitbucketToken,
  callback,
  fragmentOf,
  startSignIn,
  targetOf,
  testConfig,
  testRelay,
  tokenResponse,
} from './support.ts';
import type { FetchCall } from './support.ts';

/** The codes the relay sent to the token endpoint, in order. */
function spentCodes(calls: readonly FetchCall[]): string[] {
  return calls.map((call) => new URLSearchParams(String(call.init.body)).get('code') ?? '');
}

/** The error code shown on one of the relay's HTML pages. */
async function pageCode(response: Response): Promise<string | undefined> {
  return /<code>([A-Z_]+)<\/code>/.exec(await response.text())?.[1];
}

/** Runs /authorize then /callback with Bitbucket's `params` and the same browser's cookie. */
async function signIn(
  answer?: (call: FetchCall) => Promise<Response> | Response,
  params: Record<string, string> = { code: CODE },
  options: Parameters<typeof testRelay>[1] = {},
) {
  const setup = testRelay(answer, options);
  const start = await startSignIn(setup.relay);
  const response = await callback(setup.relay, { ...params, state: start.relayState }, start.cookie);
  return { ...setup, start, response };
}

describe('GET /authorize', () => {
  it('sends the user to Bitbucket for a code, with its own state and no redirect_uri', async () => {
    const { relay } = testRelay();
    const { response, bitbucketUrl, relayState } = await startSignIn(relay, {
      client_id: 'the-apps-client-id',
      response_type: 'token',
      redirect_uri: APP_CALLBACK,
      state: APP_STATE,
    });
    expect(response.status).toBe(302);
    expect(`${bitbucketUrl.origin}${bitbucketUrl.pathname}`).toBe('https://bitbucket.org/site/oauth2/authorize');
    expect([...bitbucketUrl.searchParams.keys()].sort()).toEqual(['client_id', 'response_type', 'state']);
    expect(bitbucketUrl.searchParams.get('client_id')).toBe(CLIENT_ID);
    expect(bitbucketUrl.searchParams.get('response_type')).toBe('code');
    expect(relayState).not.toBe(APP_STATE);
    expect(relayState).toMatch(/^s1\.[\w-]+$/);
  });

  it('sets an HttpOnly, SameSite=Lax nonce cookie for five minutes, not Secure on http', async () => {
    const { response } = await startSignIn(testRelay().relay);
    const cookies = response.headers.getSetCookie();
    expect(cookies).toHaveLength(1);
    expect(cookies[0]).toMatch(/^relay-nonce=[\w-]{43}; Max-Age=300; Path=\/; HttpOnly; SameSite=Lax$/);
  });

  it('uses a Secure __Host- cookie when it runs on https', async () => {
    const { response } = await startSignIn(testRelay().relay, undefined, 'https://relay.example.com');
    expect(response.headers.getSetCookie()[0]).toMatch(
      /^__Host-relay-nonce=[\w-]{43}; Max-Age=300; Path=\/; HttpOnly; SameSite=Lax; Secure$/,
    );
  });

  it('sends redirect_uri (its own /callback) when RELAY_PUBLIC_URL is set, and then treats itself as https', async () => {
    const config = testConfig({ RELAY_PUBLIC_URL: 'https://relay.example.com' });
    const { relay, calls } = testRelay(undefined, { config });
    // Behind a TLS-terminating proxy the relay itself sees plain http.
    const start = await startSignIn(relay);
    expect(start.bitbucketUrl.searchParams.get('redirect_uri')).toBe('https://relay.example.com/callback');
    expect(start.cookie).toMatch(/^__Host-relay-nonce=/);

    const response = await callback(relay, { code: CODE, state: start.relayState }, start.cookie);
    expect(fragmentOf(response).get('access_token')).toBe(ACCESS_TOKEN);
    // RFC 6749 §4.1.3: the token request repeats the redirect_uri of the authorize request.
    expect(new URLSearchParams(String(calls[0]?.init.body)).get('redirect_uri')).toBe('https://relay.example.com/callback');
  });

  it('keeps the query of a configured authorize URL', async () => {
    const config = testConfig({ BITBUCKET_AUTHORIZE_URL: 'http://localhost:8001/site/oauth2/authorize?sim=1' });
    const { bitbucketUrl } = await startSignIn(testRelay(undefined, { config }).relay);
    expect(bitbucketUrl.host).toBe('localhost:8001');
    expect(bitbucketUrl.searchParams.get('sim')).toBe('1');
  });

  it.each([
    ['another site', 'https://evil.example/oauth-callback'],
    ['a longer path (no prefix match)', `${APP_CALLBACK}/../../evil`],
    ['a suffix', `${APP_CALLBACK}x`],
    ['an added query', `${APP_CALLBACK}?next=https://evil.example`],
    ['an added fragment', `${APP_CALLBACK}#x`],
    ['another port', 'http://localhost:3001/oauth-callback'],
    ['other letter case', 'http://LOCALHOST:3000/oauth-callback'],
    ['https instead of http', 'https://localhost:3000/oauth-callback'],
    ['a javascript: URL', 'javascript:alert(document.cookie)'],
  ])('refuses a redirect_uri with %s: an HTML 400 page, never a redirect', async (_name, redirectUri) => {
    const { relay, logs } = testRelay();
    const response = await relay(
      new Request(`http://localhost:3001/authorize?${new URLSearchParams({ state: APP_STATE, redirect_uri: redirectUri })}`),
    );
    expect(response.status).toBe(400);
    expect(response.headers.get('location')).toBeNull();
    expect(response.headers.getSetCookie()).toEqual([]);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await pageCode(response)).toBe('REDIRECT_URI_NOT_ALLOWED');
    expect(logs).toEqual(['authorize: refused (REDIRECT_URI_NOT_ALLOWED)']);
  });

  it.each([
    ['no state', { redirect_uri: APP_CALLBACK }, 'MISSING_STATE'],
    ['an empty state', { redirect_uri: APP_CALLBACK, state: '' }, 'MISSING_STATE'],
    ['no redirect_uri', { state: APP_STATE }, 'MISSING_REDIRECT_URI'],
    ['a state over 1024 characters', { redirect_uri: APP_CALLBACK, state: 'x'.repeat(1025) }, 'STATE_TOO_LONG'],
  ])('refuses a request with %s', async (_name, params, code) => {
    const { relay, logs } = testRelay();
    const response = await relay(new Request(`http://localhost:3001/authorize?${new URLSearchParams(params)}`));
    expect(response.status).toBe(400);
    expect(response.headers.get('location')).toBeNull();
    expect(await pageCode(response)).toBe(code);
    expect(logs).toEqual([`authorize: refused (${code})`]);
  });

  it('refuses to start a sign-in whose sealed state would be too long for the /callback URL', async () => {
    const longCallback = `https://localhost:3443/${'x'.repeat(2300)}`;
    const { relay, logs } = testRelay(undefined, { config: testConfig({ RELAY_ALLOWED_CALLBACKS: longCallback }) });
    const response = await relay(
      new Request(`http://localhost:3001/authorize?${new URLSearchParams({ state: APP_STATE, redirect_uri: longCallback })}`),
    );
    expect(response.status).toBe(400);
    expect(await pageCode(response)).toBe('STATE_TOO_LONG');
    expect(logs).toEqual(['authorize: refused (STATE_TOO_LONG)']);
  });

  it('accepts a state of exactly 1024 characters', async () => {
    const start = await startSignIn(testRelay().relay, { redirect_uri: APP_CALLBACK, state: 'x'.repeat(1024) });
    expect(start.relayState).not.toBe('');
  });

  it('refuses repeated parameters instead of guessing which one counts', async () => {
    const { relay, logs } = testRelay();
    const query = `state=a&state=b&redirect_uri=${encodeURIComponent(APP_CALLBACK)}`;
    const response = await relay(new Request(`http://localhost:3001/authorize?${query}`));
    expect(response.status).toBe(400);
    expect(await pageCode(response)).toBe('REPEATED_PARAMETER');
    expect(logs).toEqual(['authorize: refused (REPEATED_PARAMETER)']);
    const twice = `state=a&redirect_uri=${encodeURIComponent(APP_CALLBACK)}&redirect_uri=${encodeURIComponent('https://evil.example/')}`;
    expect(await pageCode(await relay(new Request(`http://localhost:3001/authorize?${twice}`)))).toBe('REPEATED_PARAMETER');
  });

  it('never reflects request input into its pages', async () => {
    const { relay } = testRelay();
    const evil = '<script>alert(1)</script>';
    const response = await relay(
      new Request(`http://localhost:3001/authorize?${new URLSearchParams({ state: evil, redirect_uri: evil })}`),
    );
    expect(await response.text()).not.toContain('<script');
  });
});

describe('GET /callback with a good state', () => {
  it('exchanges the code and sends the token to the app in the fragment', async () => {
    const { response, calls } = await signIn();
    expect(response.status).toBe(302);
    expect(targetOf(response)).toBe(APP_CALLBACK);
    expect(Object.fromEntries(fragmentOf(response))).toEqual({
      access_token: ACCESS_TOKEN,
      token_type: 'bearer',
      expires_in: '7200',
      scope: 'account repository',
      state: APP_STATE,
    });
    expect(calls).toHaveLength(1);
  });

  it('keeps the refresh token from the app: it appears nowhere in the answer, only sealed in the session cookie', async () => {
    const { response } = await signIn();
    expect(response.headers.get('location')).not.toContain(REFRESH_TOKEN);
    for (const [, value] of response.headers) expect(value).not.toContain(REFRESH_TOKEN);
    expect(await response.text()).toBe('');
  });

  it('calls the token endpoint as Bitbucket expects: form POST, Basic auth, a timeout, no redirects', async () => {
    const { calls } = await signIn();
    const call = calls[0];
    expect(call?.url).toBe('https://bitbucket.org/site/oauth2/access_token');
    expect(call?.init.method).toBe('POST');
    const headers = new Headers(call?.init.headers);
    expect(headers.get('content-type')).toBe('application/x-www-form-urlencoded');
    expect(headers.get('authorization')).toBe(`Basic ${btoa(`${CLIENT_ID}:${CLIENT_SECRET}`)}`);
    expect(String(call?.init.body)).toBe(`grant_type=authorization_code&code=${CODE}`);
    expect(call?.init.signal).toBeInstanceOf(AbortSignal);
    expect(call?.init.redirect).toBe('manual');
  });

  it('clears the nonce cookie, so the same state cannot be used twice', async () => {
    const { relay, response, start } = await signIn();
    const [cleared, session, ...others] = response.headers.getSetCookie();
    expect(cleared).toBe('relay-nonce=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax');
    // The other cookie is the new session's (tests/relay/sessions.test.ts).
    expect(session).toMatch(/^relay-session=s1\./);
    expect(others).toEqual([]);
    // The browser no longer has the cookie; a replay of the same callback URL fails.
    const replay = await callback(relay, { code: CODE, state: start.relayState });
    expect(replay.status).toBe(400);
    expect(await pageCode(replay)).toBe('NONCE_MISSING');
  });

  it('accepts the older `scopes` and passes it on as `scope`', async () => {
    const { response } = await signIn(() => tokenResponse(bitbucketToken({ scope: undefined, scopes: 'repository' })));
    expect(fragmentOf(response).get('scope')).toBe('repository');
    expect(fragmentOf(response).has('scopes')).toBe(false);
  });

  it('leaves scope out when Bitbucket sends none, and accepts "Bearer" in any case', async () => {
    const { response } = await signIn(() => tokenResponse(bitbucketToken({ scope: undefined, token_type: 'Bearer', expires_in: 3600 })));
    expect(Object.fromEntries(fragmentOf(response))).toEqual({
      access_token: ACCESS_TOKEN,
      token_type: 'bearer',
      expires_in: '3600',
      state: APP_STATE,
    });
  });

  it('hands back an app state with special characters unchanged', async () => {
    const { relay } = testRelay();
    const appState = 'a b&c=d#e/ü';
    const start = await startSignIn(relay, { state: appState, redirect_uri: APP_CALLBACK });
    const response = await callback(relay, { code: CODE, state: start.relayState }, start.cookie);
    expect(fragmentOf(response).get('state')).toBe(appState);
  });

  it('returns to whichever allowed callback the sign-in started from', async () => {
    const { relay } = testRelay();
    const start = await startSignIn(relay, {
      state: APP_STATE,
      redirect_uri: 'https://localhost:3443/oauth-callback',
    });
    const response = await callback(relay, { code: CODE, state: start.relayState }, start.cookie);
    expect(targetOf(response)).toBe('https://localhost:3443/oauth-callback');
  });
});

describe('GET /callback failures that go back to the app', () => {
  it('passes on error=access_denied from Bitbucket without calling the token endpoint', async () => {
    const { response, calls } = await signIn(undefined, {
      error: 'access_denied',
      error_description: 'The user denied access.',
    });
    expect(response.status).toBe(302);
    expect(targetOf(response)).toBe(APP_CALLBACK);
    expect(Object.fromEntries(fragmentOf(response))).toEqual({
      error: 'access_denied',
      error_description: 'The user denied access.',
      state: APP_STATE,
    });
    expect(calls).toHaveLength(0);
    expect(response.headers.getSetCookie()[0]).toContain('Max-Age=0');
  });

  it('replaces an error text outside the OAuth character set', async () => {
    const { response } = await signIn(undefined, { error: 'access_denied', error_description: 'bad "quote" \\ \n' });
    expect(fragmentOf(response).get('error')).toBe('access_denied');
    expect(fragmentOf(response).get('error_description')).toBe('Bitbucket did not complete the sign-in.');
    const odd = await signIn(undefined, { error: '<script>' + '\u00e9' });
    expect(fragmentOf(odd.response).get('error')).toBe('server_error');
  });

  it('replaces an error text that only ends in the OAuth character set', async () => {
    const { response } = await signIn(undefined, { error: 'access_denied', error_description: '\\ then fine' });
    expect(fragmentOf(response).get('error_description')).toBe('Bitbucket did not complete the sign-in.');
  });

  it.each([
    ['access_denied', 'access_denied'],
    ['temporarily_unavailable', 'temporarily_unavailable'],
    // Valid OAuth error text, but not code-like: the log says only "other".
    ['ACCESS_denied', 'other'],
    ['access_denied!', 'other'],
    ['a'.repeat(41), 'other'],
    ['<script>', 'other'],
  ])('logs an error %j from Bitbucket as %s', async (error, logged) => {
    const { logs } = await signIn(undefined, { error });
    expect(logs).toEqual(['authorize: redirecting to Bitbucket', `callback: Bitbucket answered with an error (${logged})`]);
  });

  it('reports an answer with neither code nor error as server_error', async () => {
    const { response, calls, logs } = await signIn(undefined, {});
    expect(fragmentOf(response).get('error')).toBe('server_error');
    expect(fragmentOf(response).get('error_description')).toBe("Bitbucket's answer could not be understood.");
    expect(fragmentOf(response).get('state')).toBe(APP_STATE);
    expect(calls).toHaveLength(0);
    expect(logs).toEqual(['authorize: redirecting to Bitbucket', 'callback: Bitbucket answered without a single code']);
  });

  it.each([
    [
      '400 invalid_grant (bad or reused code)',
      () => tokenResponse({ error: 'invalid_grant', error_description: 'Invalid code' }, 400),
      'invalid_grant',
      'INVALID_GRANT',
    ],
    ['401 invalid_client (wrong secret)', () => tokenResponse({ error: 'invalid_client' }, 401), 'server_error', 'CLIENT_REJECTED'],
    [
      "400 unauthorized_client (Bitbucket's answer today to wrong client credentials)",
      () =>
        tokenResponse(
          { error: 'unauthorized_client', error_description: 'Requests must be authenticated using OAuth client credentials' },
          400,
        ),
      'server_error',
      'CLIENT_REJECTED',
    ],
    ['400 with another error', () => tokenResponse({ error: 'unsupported_grant_type' }, 400), 'server_error', 'REQUEST_REJECTED'],
    ['500', () => tokenResponse('Internal Server Error', 500, 'text/plain'), 'temporarily_unavailable', 'UPSTREAM_ERROR'],
    ['503 with an HTML page', () => tokenResponse('<h1>Down</h1>', 503, 'text/html'), 'temporarily_unavailable', 'UPSTREAM_ERROR'],
    [
      '429',
      () => tokenResponse('Rate limit for this resource has been exceeded', 429, 'text/plain'),
      'temporarily_unavailable',
      'UPSTREAM_ERROR',
    ],
    [
      'a redirect',
      () => new Response(null, { status: 302, headers: { location: 'https://evil.example/' } }),
      'server_error',
      'BAD_RESPONSE',
    ],
    ['200 with HTML', () => tokenResponse('<html>login</html>', 200, 'text/html'), 'server_error', 'BAD_RESPONSE'],
    ['200 with broken JSON', () => tokenResponse('{"access_token":', 200), 'server_error', 'BAD_RESPONSE'],
    ['200 with a JSON array', () => tokenResponse([]), 'server_error', 'BAD_RESPONSE'],
    ['200 without access_token', () => tokenResponse(bitbucketToken({ access_token: undefined })), 'server_error', 'BAD_RESPONSE'],
    ['200 with token_type mac', () => tokenResponse(bitbucketToken({ token_type: 'mac' })), 'server_error', 'BAD_RESPONSE'],
    ['200 with expires_in as text', () => tokenResponse(bitbucketToken({ expires_in: '7200' })), 'server_error', 'BAD_RESPONSE'],
    ['200 with a negative expires_in', () => tokenResponse(bitbucketToken({ expires_in: -1 })), 'server_error', 'BAD_RESPONSE'],
    ['200 with scope as a list', () => tokenResponse(bitbucketToken({ scope: ['account'] })), 'server_error', 'BAD_RESPONSE'],
    ['a network error', () => Promise.reject(new TypeError('fetch failed')), 'temporarily_unavailable', 'NETWORK'],
  ])('token endpoint answering %s → #error=%s', async (_name, answer, error, logCode) => {
    const { response, logs } = await signIn(answer);
    expect(response.status).toBe(302);
    expect(targetOf(response)).toBe(APP_CALLBACK);
    const fragment = fragmentOf(response);
    expect(fragment.get('error')).toBe(error);
    expect(fragment.get('error_description')).toBeTruthy();
    expect(fragment.get('state')).toBe(APP_STATE);
    expect(fragment.has('access_token')).toBe(false);
    expect(logs).toContain(`callback: token exchange failed (${logCode})`);
  });

  it('gives up on a token endpoint that does not answer in time', async () => {
    // The fake endpoint never answers; only the relay's abort signal ends the wait.
    const hang = (call: FetchCall) =>
      new Promise<Response>((_resolve, reject) => {
        call.init.signal?.addEventListener('abort', () => reject(call.init.signal?.reason));
      });
    const { response, logs } = await signIn(hang, { code: CODE }, { deps: { tokenTimeoutMs: 20 } });
    expect(fragmentOf(response).get('error')).toBe('temporarily_unavailable');
    expect(fragmentOf(response).get('state')).toBe(APP_STATE);
    expect(logs).toContain('callback: token exchange failed (TIMEOUT)');
  });
});

describe('GET /callback with a state it cannot trust: an HTML 400 page, never a redirect', () => {
  async function expectRefused(response: Response, code: string): Promise<void> {
    expect(response.status).toBe(400);
    expect(response.headers.get('location')).toBeNull();
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await pageCode(response)).toBe(code);
    // Even a refused attempt ends this sign-in in this browser.
    expect(response.headers.getSetCookie()).toEqual(['relay-nonce=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax']);
  }

  it('refuses a missing or repeated state', async () => {
    const { relay, calls } = testRelay();
    await expectRefused(await callback(relay, { code: CODE }), 'MISSING_STATE');
    await expectRefused(await relay(new Request('http://localhost:3001/callback?code=c&state=a&state=b')), 'REPEATED_PARAMETER');
    // No state of its own: the relay does not call the token endpoint for just anyone.
    expect(calls).toEqual([]);
  });

  it('refuses a state that was changed (a tampered callback URL); the app state cannot be read in it', async () => {
    const { relay, calls } = testRelay();
    const start = await startSignIn(relay);
    // Sealed: neither the app's state nor its callback can be read in it (nor changed into another).
    const bytes = base64UrlToBytes(start.relayState.slice('s1.'.length)) ?? new Uint8Array();
    const text = new TextDecoder().decode(bytes);
    expect(text).not.toContain(APP_STATE);
    expect(text).not.toContain('localhost');
    bytes[20] = (bytes[20] ?? 0) ^ 1;
    const response = await callback(relay, { code: CODE, state: `s1.${bytesToBase64Url(bytes)}` }, start.cookie);
    await expectRefused(response, 'STATE_TAMPERED');
    expect(calls).toEqual([]);
  });

  it('refuses a state sealed by a relay with another secret', async () => {
    const other = testRelay(undefined, { config: testConfig({ RELAY_SECRET: 'another-relay-secret-0123456789ABCDEF' }) });
    const start = await startSignIn(other.relay);
    const { relay } = testRelay();
    await expectRefused(await callback(relay, { code: CODE, state: start.relayState }, start.cookie), 'STATE_TAMPERED');
  });

  it('refuses a state that is not one of its own, or longer than any it seals', async () => {
    const { relay, calls } = testRelay();
    await expectRefused(await callback(relay, { code: CODE, state: APP_STATE }), 'STATE_MALFORMED');
    await expectRefused(await callback(relay, { code: CODE, state: `s1.${'A'.repeat(3070)}` }), 'STATE_MALFORMED');
    expect(calls).toEqual([]);
  });

  it('refuses a state after five minutes', async () => {
    const { relay, clock, calls } = testRelay();
    const start = await startSignIn(relay);
    clock.now += DEFAULT_STATE_LIFETIME_MS;
    await expectRefused(await callback(relay, { code: CODE, state: start.relayState }, start.cookie), 'STATE_EXPIRED');
    expect(spentCodes(calls)).toEqual([CODE]);
  });

  it('accepts a state just before five minutes', async () => {
    const { relay, clock } = testRelay();
    const start = await startSignIn(relay);
    clock.now += DEFAULT_STATE_LIFETIME_MS - 1;
    const response = await callback(relay, { code: CODE, state: start.relayState }, start.cookie);
    expect(fragmentOf(response).get('access_token')).toBe(ACCESS_TOKEN);
  });

  it('refuses a state without the nonce cookie (a stolen state used in another browser)', async () => {
    const { relay, calls } = testRelay();
    const start = await startSignIn(relay);
    await expectRefused(await callback(relay, { code: CODE, state: start.relayState }), 'NONCE_MISSING');
    await expectRefused(await callback(relay, { code: CODE, state: start.relayState }, 'other=1'), 'NONCE_MISSING');
    await expectRefused(await callback(relay, { code: CODE, state: start.relayState }, 'relay-nonce='), 'NONCE_MISSING');
    expect(spentCodes(calls)).toEqual([CODE, CODE, CODE]);
  });

  it("refuses a state with another sign-in's cookie (replayed from another browser)", async () => {
    const { relay, calls } = testRelay();
    const victim = await startSignIn(relay);
    const attacker = await startSignIn(relay);
    expect(attacker.cookie).not.toBe(victim.cookie);
    await expectRefused(await callback(relay, { code: CODE, state: victim.relayState }, attacker.cookie), 'NONCE_MISMATCH');
    expect(spentCodes(calls)).toEqual([CODE]);
  });

  it('refuses a state whose callback has since been removed from the allow-list', async () => {
    const before = testRelay();
    const start = await startSignIn(before.relay);
    const after = testRelay(undefined, {
      config: testConfig({ RELAY_ALLOWED_CALLBACKS: 'https://localhost:3443/oauth-callback' }),
    });
    await expectRefused(await callback(after.relay, { code: CODE, state: start.relayState }, start.cookie), 'REDIRECT_URI_NOT_ALLOWED');
    expect(spentCodes(after.calls)).toEqual([CODE]);
  });

  it('reads the nonce from the __Host- cookie on https', async () => {
    const { relay } = testRelay();
    const start = await startSignIn(relay, undefined, 'https://relay.example.com');
    const response = await callback(relay, { code: CODE, state: start.relayState }, `a=b; ${start.cookie}`, 'https://relay.example.com');
    expect(fragmentOf(response).get('access_token')).toBe(ACCESS_TOKEN);
    expect(response.headers.getSetCookie()[0]).toBe('__Host-relay-nonce=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax; Secure');
  });
});

describe('GET /callback refused with a code: the code is spent, the token thrown away', () => {
  // The fake endpoint never answers; only the relay's abort signal ends the wait.
  const hang = (call: FetchCall) =>
    new Promise<Response>((_resolve, reject) => {
      call.init.signal?.addEventListener('abort', () => reject(call.init.signal?.reason));
    });

  it.each([
    ['a token is issued (and thrown away)', () => tokenResponse(bitbucketToken()), 'was spent'],
    ['the code was already used', () => tokenResponse({ error: 'invalid_grant' }, 400), 'could not be spent (INVALID_GRANT)'],
    ['the token endpoint fails', () => tokenResponse('unavailable', 503, 'text/plain'), 'could not be spent (UPSTREAM_ERROR)'],
    ['the network fails', () => Promise.reject(new TypeError(`fetch failed ${CLIENT_SECRET}`)), 'could not be spent (NETWORK)'],
    ['the token endpoint never answers', hang, 'could not be spent (TIMEOUT)'],
  ])('%s: the same refusal page as without a code, the token and the code nowhere', async (_name, answer, outcome) => {
    const { relay, calls, logs } = testRelay(answer, { deps: { tokenTimeoutMs: 20 } });
    const start = await startSignIn(relay);
    // No nonce cookie: this browser did not start the sign-in.
    const refused = await callback(relay, { code: CODE, state: start.relayState });
    const withoutCode = await callback(relay, { state: start.relayState });

    expect(spentCodes(calls)).toEqual([CODE]);
    expect(calls[0]?.url).toBe('https://bitbucket.org/site/oauth2/access_token');
    expect(new Headers(calls[0]?.init.headers).get('authorization')).toBe(`Basic ${btoa(`${CLIENT_ID}:${CLIENT_SECRET}`)}`);
    expect(refused.status).toBe(400);
    expect([...refused.headers]).toEqual([...withoutCode.headers]);
    const page = await refused.text();
    expect(page).toBe(await withoutCode.text());
    for (const secret of [ACCESS_TOKEN, REFRESH_TOKEN, CODE]) {
      expect(page).not.toContain(secret);
      for (const line of logs) expect(line).not.toContain(secret);
    }
    expect(logs).toEqual([
      'authorize: redirecting to Bitbucket',
      `callback: the refused callback's code ${outcome}`,
      'callback: refused (NONCE_MISSING)',
      'callback: refused (NONCE_MISSING)',
    ]);
  });

  it('spends no code of a callback that repeats code (one request must not become several token calls), nor an empty one', async () => {
    const { relay, calls, logs } = testRelay();
    const { relayState } = await startSignIn(relay);
    const state = encodeURIComponent(relayState);
    const twice = await relay(new Request(`http://localhost:3001/callback?code=a&code=b&state=${state}`));
    expect(twice.status).toBe(400);
    expect(await twice.text()).toContain('NONCE_MISSING');
    await relay(new Request(`http://localhost:3001/callback?code=a&code=a&code=a&state=${state}`));
    await relay(new Request(`http://localhost:3001/callback?code=&state=${state}`));
    expect(calls).toEqual([]);
    expect(logs.filter((line) => line.includes('repeats its code'))).toEqual([
      'callback: the refused callback repeats its code, so none was spent',
      'callback: the refused callback repeats its code, so none was spent',
    ]);
  });

  it('spends nothing when the callback carries no code (an error from Bitbucket, say)', async () => {
    const { relay, calls } = testRelay();
    await callback(relay, { error: 'access_denied', state: 'x' });
    expect(calls).toEqual([]);
  });
});

describe('other requests', () => {
  it('answers with a whole error page, its message and code in <main> and nothing after it', async () => {
    const text = await errorPage('NOT_FOUND').text();
    expect(/<\/h1>\n([^]*)$/.exec(text)?.[1]).toBe(
      '<p>There is nothing at this address.</p>\n<p>Error code: <code>NOT_FOUND</code></p>\n</main>\n</body>\n</html>\n',
    );
  });

  it('answers GET /healthcheck with {"status":"ok"}', async () => {
    const response = await testRelay().relay(new Request('http://localhost:3001/healthcheck'));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it.each(['/', '/authorize/', '/callback/x', '/favicon.ico', '/.env', '/AUTHORIZE'])('answers %s with 404', async (path) => {
    const response = await testRelay().relay(new Request(`http://localhost:3001${path}`));
    expect(response.status).toBe(404);
    expect(await pageCode(response)).toBe('NOT_FOUND');
  });

  it.each(['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD'])('answers %s with 405 and Allow: GET', async (method) => {
    const response = await testRelay().relay(new Request('http://localhost:3001/authorize', { method }));
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET');
  });

  it('refuses a GET that announces a body', async () => {
    const { relay } = testRelay();
    for (const headers of [{ 'content-length': '10' }, { 'transfer-encoding': 'chunked' }]) {
      const response = await relay(new Request('http://localhost:3001/healthcheck', { headers }));
      expect(response.status).toBe(413);
    }
    expect((await relay(new Request('http://localhost:3001/healthcheck', { headers: { 'content-length': '0' } }))).status).toBe(200);
  });

  it('refuses URLs over 4 kB, and takes one of exactly 4096 characters', async () => {
    const { relay } = testRelay();
    const response = await relay(new Request(`http://localhost:3001/authorize?state=${'a'.repeat(4096)}`));
    expect(response.status).toBe(414);
    const base = 'http://localhost:3001/healthcheck?x=';
    const longest = await relay(new Request(`${base}${'a'.repeat(4096 - base.length)}`));
    expect(longest.status).toBe(200);
  });

  it('refuses a GET whose body the runtime passes on (HTTP allows one; Node never builds such a Request)', async () => {
    const request = new Request('http://localhost:3001/healthcheck');
    Object.defineProperty(request, 'body', { value: new ReadableStream() });
    const response = await testRelay().relay(request);
    expect(response.status).toBe(413);
    expect(await pageCode(response)).toBe('BODY_NOT_ALLOWED');
  });

  it('answers an unexpected failure with a generic 500 page and logs no details', async () => {
    const { relay, logs } = testRelay(undefined, {
      deps: {
        randomBytes: () => {
          throw new RangeError(`boom ${RELAY_SECRET}`);
        },
      },
    });
    const response = await relay(
      new Request(`http://localhost:3001/authorize?${new URLSearchParams({ state: APP_STATE, redirect_uri: APP_CALLBACK })}`),
    );
    expect(response.status).toBe(500);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(await pageCode(response)).toBe('INTERNAL_ERROR');
    expect(logs).toEqual(['internal error (RangeError)']);
  });
});

describe('on every answer', () => {
  /** One of each kind of answer the relay gives. */
  async function everyKindOfAnswer(): Promise<Array<[string, Response]>> {
    const { relay } = testRelay();
    const answers: Array<[string, Response]> = [];
    const start = await startSignIn(relay);
    answers.push(['authorize redirect', start.response]);
    answers.push(['callback redirect with token', await callback(relay, { code: CODE, state: start.relayState }, start.cookie)]);
    const denied = await signIn(undefined, { error: 'access_denied' });
    answers.push(['callback redirect with error', denied.response]);
    const failed = await signIn(() => tokenResponse('', 500));
    answers.push(['callback redirect after token failure', failed.response]);
    answers.push(['callback 400', await callback(relay, { code: CODE, state: 'x' })]);
    answers.push(['authorize 400', await relay(new Request('http://localhost:3001/authorize'))]);
    answers.push(['healthcheck', await relay(new Request('http://localhost:3001/healthcheck'))]);
    answers.push(['404', await relay(new Request('http://localhost:3001/nope'))]);
    answers.push(['405', await relay(new Request('http://localhost:3001/healthcheck', { method: 'POST', body: 'x' }))]);
    answers.push(['413', await relay(new Request('http://localhost:3001/healthcheck', { headers: { 'content-length': '1' } }))]);
    answers.push(['414', await relay(new Request(`http://localhost:3001/x?${'a'.repeat(5000)}`))]);
    return answers;
  }

  it('sends Cache-Control: no-store and Referrer-Policy: no-referrer', async () => {
    for (const [name, response] of await everyKindOfAnswer()) {
      expect.soft(response.headers.get('cache-control'), name).toBe('no-store');
      expect.soft(response.headers.get('referrer-policy'), name).toBe('no-referrer');
      expect.soft(response.headers.get('x-content-type-options'), name).toBe('nosniff');
    }
  });

  it('gives every HTML page a strict Content-Security-Policy', async () => {
    for (const [name, response] of await everyKindOfAnswer()) {
      if (!response.headers.get('content-type')?.startsWith('text/html')) continue;
      expect.soft(response.headers.get('content-security-policy'), name).toMatch(/^default-src 'none'; style-src 'unsafe-inline'/);
      expect.soft(await response.text(), name).not.toMatch(/<script|<img|<link|https?:\/\//);
    }
  });
});

describe('logging', () => {
  it('never logs a token, a code, a state, the nonce or a secret', async () => {
    const secrets = [ACCESS_TOKEN, REFRESH_TOKEN, CODE, APP_STATE, CLIENT_SECRET, RELAY_SECRET];
    const runs = [
      await signIn(),
      await signIn(undefined, { error: 'access_denied', error_description: CODE }),
      await signIn(() => tokenResponse({ error: 'invalid_grant', error_description: CODE }, 400)),
      await signIn(() => tokenResponse(`oops ${ACCESS_TOKEN}`, 200, 'text/plain')),
      await signIn(() => Promise.reject(new TypeError(`fetch failed ${CLIENT_SECRET}`))),
    ];
    const lines = runs.flatMap((run) => run.logs);
    expect(lines.length).toBeGreaterThan(5);
    for (const run of runs) {
      const nonce = run.start.cookie.split('=')[1] ?? '';
      secrets.push(run.start.relayState, nonce);
    }
    for (const line of lines) {
      for (const secret of secrets) expect(line).not.toContain(secret);
    }
  });

  it('logs one line per outcome', async () => {
    const { logs } = await signIn();
    expect(logs).toEqual(['authorize: redirecting to Bitbucket', 'callback: token issued, session kept, redirecting to the app']);
  });
});

describe('error pages', () => {
  const CODES: readonly RelayErrorCode[] = [
    'NOT_FOUND',
    'METHOD_NOT_ALLOWED',
    'BODY_NOT_ALLOWED',
    'URL_TOO_LONG',
    'REPEATED_PARAMETER',
    'MISSING_REDIRECT_URI',
    'REDIRECT_URI_NOT_ALLOWED',
    'MISSING_STATE',
    'STATE_TOO_LONG',
    'STATE_MALFORMED',
    'STATE_TAMPERED',
    'STATE_EXPIRED',
    'NONCE_MISSING',
    'NONCE_MISMATCH',
    'INTERNAL_ERROR',
  ];

  /** The title and the message a page shows. */
  async function shown(code: RelayErrorCode): Promise<{ title: string; message: string }> {
    const html = await errorPage(code).text();
    return { title: /<h1>(.*)<\/h1>/.exec(html)?.[1] ?? '', message: /<p>(.*)<\/p>/.exec(html)?.[1] ?? '' };
  }

  it('each has a title and a sentence of its own, which says what happened', async () => {
    const messages = new Set<string>();
    for (const code of CODES) {
      const { title, message } = await shown(code);
      expect.soft(title, code).toBe('Sign-in could not continue');
      expect.soft(message, code).toMatch(/^[A-Z].{15,}\.$/);
      messages.add(message);
    }
    expect(messages.size).toBe(CODES.length);
  });
});

describe('defaults', () => {
  it('logs to the console when given no log', async () => {
    const lines: unknown[] = [];
    vi.spyOn(console, 'log').mockImplementation((line: unknown) => void lines.push(line));
    const relay = createRelay(testConfig());
    await relay(new Request('http://localhost:3001/authorize'));
    expect(lines).toEqual(['authorize: refused (MISSING_REDIRECT_URI)']);
  });
});

describe('escapeHtml', () => {
  it('escapes the five HTML-significant characters', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
  });
});
