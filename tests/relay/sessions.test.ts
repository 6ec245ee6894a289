// @vitest-environment node
// The relay as RFC 10017's token-mediating backend: the session cookie /callback sets, POST /token
// and POST /sign-out, with a fake token endpoint that rotates like Bitbucket's and an injected clock.
import { describe, expect, it } from 'vitest';
import { MAX_SET_COOKIE_LENGTH } from '../../relay/session-cookie.ts';
import { PREFLIGHT_MAX_AGE_SECONDS } from '../../relay/session-guard.ts';
import {
  APP_CALLBACK,
  CLIENT_ID,
  CLIENT_SECRET,
  CODE,
  RELAY_SECRET,
  bitbucketToken,
  callback,
  cookiePair,
  fragmentOf,
  rotatingBitbucket,
  sessionRequest,
  startSignIn,
  testConfig,
  testRelay,
  tokenResponse,
} from './support.ts';
import type { FetchCall } from './support.ts';

const HTTP_COOKIE = /^relay-session=s1\.[\w-]+; Max-Age=7776000; Path=\/; HttpOnly; Secure; SameSite=Strict$/;
const CLEARED = 'relay-session=; Max-Age=0; Path=/; HttpOnly; Secure; SameSite=Strict';

type Answer = (call: FetchCall) => Promise<Response> | Response;

/** A relay whose token endpoint is `bitbucket` (rotating unless told otherwise), signed in once: the session cookie it set. */
async function signedIn(options: { answer?: Answer; expiresIn?: number; config?: ReturnType<typeof testConfig> } = {}) {
  const bitbucket = rotatingBitbucket({ expiresIn: options.expiresIn ?? 3600 });
  const answer: { current: Answer } = { current: options.answer ?? bitbucket.answer };
  const setup = testRelay((call) => answer.current(call), options.config === undefined ? {} : { config: options.config });
  const start = await startSignIn(setup.relay);
  const response = await callback(setup.relay, { code: CODE, state: start.relayState }, start.cookie);
  const sessionCookie = response.headers.getSetCookie()[1];
  setup.calls.length = 0;
  return { ...setup, bitbucket, answer, response, sessionCookie, cookie: cookiePair(sessionCookie) };
}

async function bodyOf(response: Response): Promise<Record<string, unknown>> {
  expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
  expect(response.headers.get('cache-control')).toBe('no-store');
  return (await response.json()) as Record<string, unknown>;
}

/** The refresh tokens the relay sent to the token endpoint, in order. */
const refreshTokensSent = (calls: readonly FetchCall[]) =>
  calls.map((call) => new URLSearchParams(String(call.init.body))).map((form) => `${form.get('grant_type')}:${form.get('refresh_token')}`);

describe('/callback keeps the session', () => {
  it('hands the app its token in the fragment, as before, and keeps the refresh token in a sealed, Secure, SameSite=Strict cookie', async () => {
    const { response, sessionCookie } = await signedIn();
    expect(fragmentOf(response).get('access_token')).toBe('access-NEVER-LOG-1');
    expect(response.headers.getSetCookie()).toHaveLength(2);
    expect(sessionCookie).toMatch(HTTP_COOKIE);
    expect(sessionCookie).not.toContain('NEVER-LOG');
    expect(response.headers.get('location')).not.toContain('refresh');
  });

  it('names it __Host-relay-session when its public origin is https', async () => {
    const { sessionCookie } = await signedIn({ config: testConfig({ RELAY_PUBLIC_URL: 'https://relay.example.com' }) });
    expect(sessionCookie).toMatch(/^__Host-relay-session=s1\.[\w-]+; Max-Age=7776000; Path=\/; HttpOnly; Secure; SameSite=Strict$/);
  });

  it('lives RELAY_SESSION_LIFETIME seconds when that is set', async () => {
    const { sessionCookie } = await signedIn({ config: testConfig({ RELAY_SESSION_LIFETIME: '86400' }) });
    expect(sessionCookie).toContain('; Max-Age=86400;');
  });

  it('ends an older session when Bitbucket sends no refresh token, and keeps none', async () => {
    const { response, logs } = await signedIn({ answer: () => tokenResponse(bitbucketToken({ refresh_token: undefined })) });
    expect(fragmentOf(response).has('access_token')).toBe(true);
    expect(response.headers.getSetCookie()[1]).toBe(CLEARED);
    expect(logs).toContain('callback: token issued, redirecting to the app');
  });

  it('leaves the session alone when the sign-in fails', async () => {
    const { response } = await signedIn({ answer: () => tokenResponse({ error: 'invalid_grant' }, 400) });
    expect(fragmentOf(response).get('error')).toBe('invalid_grant');
    expect(response.headers.getSetCookie()).toEqual(['relay-nonce=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax']);
  });
});

describe('POST /token', () => {
  it('hands out the kept access token while it is fresh enough, without asking Bitbucket', async () => {
    const { relay, calls, cookie, clock } = await signedIn();
    clock.now += 1000;
    const response = await relay(sessionRequest('/token', cookie));
    expect(response.status).toBe(200);
    expect(await bodyOf(response)).toEqual({
      access_token: 'access-NEVER-LOG-1',
      token_type: 'bearer',
      expires_in: 3599,
      scope: 'account repository',
    });
    expect(response.headers.getSetCookie()).toEqual([]);
    expect(calls).toEqual([]);
  });

  it.each([
    // L, seconds the kept token may still be handed out with: more than min(L/4, 300) + 10
    [3600, 310],
    [60, 25],
    [1000, 260],
  ])('margin rule, L = %i s: the kept token with more than %i s left, a fresh one from there on', async (lifetime, margin) => {
    const { relay, calls, cookie, clock } = await signedIn({ expiresIn: lifetime });
    const issuedAt = clock.now;
    clock.now = issuedAt + (lifetime - margin) * 1000 - 1;
    const kept = await relay(sessionRequest('/token', cookie));
    expect(await bodyOf(kept)).toMatchObject({ access_token: 'access-NEVER-LOG-1', expires_in: margin });
    expect(calls).toEqual([]);
    clock.now += 1;
    const renewed = await relay(sessionRequest('/token', cookie));
    expect(await bodyOf(renewed)).toMatchObject({ access_token: 'access-NEVER-LOG-2', expires_in: lifetime });
    expect(refreshTokensSent(calls)).toEqual(['refresh_token:refresh-NEVER-LOG-1']);
  });

  it('rotates: the new refresh token replaces the old one in the cookie, and the old cookie is worth nothing', async () => {
    const { relay, calls, cookie, clock, bitbucket, logs } = await signedIn({ expiresIn: 60 });
    clock.now += 60_000;
    const first = await relay(sessionRequest('/token', cookie));
    expect(first.status).toBe(200);
    const [renewedCookie, ...more] = first.headers.getSetCookie();
    expect(more).toEqual([]);
    expect(renewedCookie).toMatch(HTTP_COOKIE);
    expect(bitbucket.live).toEqual(new Set(['refresh-NEVER-LOG-2']));
    // The renewed access token is kept too: no call for the next minute's requests.
    const again = await relay(sessionRequest('/token', cookiePair(renewedCookie)));
    expect(await bodyOf(again)).toMatchObject({ access_token: 'access-NEVER-LOG-2', expires_in: 60 });
    clock.now += 60_000;
    const second = await relay(sessionRequest('/token', cookiePair(renewedCookie)));
    expect(await bodyOf(second)).toMatchObject({ access_token: 'access-NEVER-LOG-3' });
    expect(refreshTokensSent(calls)).toEqual(['refresh_token:refresh-NEVER-LOG-1', 'refresh_token:refresh-NEVER-LOG-2']);
    // A copy of the first cookie: its refresh token was rotated away.
    const stale = await relay(sessionRequest('/token', cookie));
    expect(stale.status).toBe(401);
    expect((await bodyOf(stale)).error).toBe('invalid_grant');
    expect(stale.headers.getSetCookie()).toEqual([CLEARED]);
    expect(logs.filter((line) => line.startsWith('token:'))).toEqual([
      'token: renewed at Bitbucket, refresh token rotated',
      'token: the kept access token handed out',
      'token: renewed at Bitbucket, refresh token rotated',
      'token: refresh failed (INVALID_GRANT)',
    ]);
  });

  it('calls the token endpoint as Bitbucket documents the refresh: form POST, Basic key:secret, no redirects', async () => {
    const { relay, calls, cookie, clock } = await signedIn({ expiresIn: 60 });
    clock.now += 60_000;
    await relay(sessionRequest('/token', cookie));
    const call = calls[0];
    expect(call?.url).toBe('https://bitbucket.org/site/oauth2/access_token');
    expect(call?.init.method).toBe('POST');
    const headers = new Headers(call?.init.headers);
    expect(headers.get('authorization')).toBe(`Basic ${btoa(`${CLIENT_ID}:${CLIENT_SECRET}`)}`);
    expect(headers.get('content-type')).toBe('application/x-www-form-urlencoded');
    expect(String(call?.init.body)).toBe('grant_type=refresh_token&refresh_token=refresh-NEVER-LOG-1');
    expect(call?.init.redirect).toBe('manual');
    expect(call?.init.signal).toBeInstanceOf(AbortSignal);
  });

  it('keeps the refresh token when Bitbucket sends none back, and the scope when it sends none', async () => {
    let refreshes = 0;
    const answer: Answer = (call) =>
      new URLSearchParams(String(call.init.body)).get('grant_type') === 'refresh_token'
        ? tokenResponse({ access_token: `renewed-${(refreshes += 1)}`, token_type: 'bearer', expires_in: 60 })
        : tokenResponse(bitbucketToken({ expires_in: 60 }));
    const { relay, calls, cookie, clock, logs } = await signedIn({ answer });
    clock.now += 60_000;
    const renewed = await relay(sessionRequest('/token', cookie));
    expect(await bodyOf(renewed)).toEqual({ access_token: 'renewed-1', token_type: 'bearer', expires_in: 60, scope: 'account repository' });
    clock.now += 60_000;
    await relay(sessionRequest('/token', cookiePair(renewed.headers.getSetCookie()[0])));
    expect(refreshTokensSent(calls)).toEqual(['refresh_token:refresh-token-NEVER-LOG-55d0', 'refresh_token:refresh-token-NEVER-LOG-55d0']);
    // Nothing rotated, and the log says no more than that.
    expect(logs.at(-1)).toBe('token: renewed at Bitbucket');
  });

  it('answers without scope when Bitbucket never said one', async () => {
    const answer: Answer = () => tokenResponse(bitbucketToken({ scope: undefined, expires_in: 60 }));
    const { relay, cookie, clock, logs } = await signedIn({ answer });
    const kept = await bodyOf(await relay(sessionRequest('/token', cookie)));
    expect(Object.keys(kept).sort()).toEqual(['access_token', 'expires_in', 'token_type']);
    clock.now += 60_000;
    const renewed = await bodyOf(await relay(sessionRequest('/token', cookie)));
    expect(Object.keys(renewed).sort()).toEqual(['access_token', 'expires_in', 'token_type']);
    expect(logs.at(-1)).toBe('token: renewed at Bitbucket, refresh token rotated');
  });

  it('always refreshes a session whose cookie holds the refresh token alone (the tokens did not fit together)', async () => {
    const long = 'L'.repeat(3500);
    const answer: Answer = () => tokenResponse(bitbucketToken({ access_token: long }));
    const { relay, calls, cookie, sessionCookie } = await signedIn({ answer });
    expect((sessionCookie ?? '').length).toBeLessThanOrEqual(MAX_SET_COOKIE_LENGTH);
    const response = await relay(sessionRequest('/token', cookie));
    expect(await bodyOf(response)).toMatchObject({ access_token: long, expires_in: 7200 });
    expect(calls).toHaveLength(1);
  });

  it.each([
    ['refuses the refresh token (invalid_grant)', () => tokenResponse({ error: 'invalid_grant' }, 400), 401, 'invalid_grant', true],
    ['answers 500', () => tokenResponse('down', 500, 'text/plain'), 502, 'temporarily_unavailable', false],
    ['answers 429', () => tokenResponse('slow down', 429, 'text/plain'), 502, 'temporarily_unavailable', false],
    ['cannot be reached', () => Promise.reject(new TypeError('fetch failed')), 502, 'temporarily_unavailable', false],
    ['rejects the consumer', () => tokenResponse({ error: 'unauthorized_client' }, 400), 502, 'server_error', false],
    ['answers something else', () => tokenResponse('<html>', 200, 'text/html'), 502, 'server_error', false],
    ['refuses the request otherwise', () => tokenResponse({ error: 'unsupported_grant_type' }, 400), 502, 'server_error', false],
    ['answers more than it may', () => tokenResponse(JSON.stringify({ pad: 'x'.repeat(40_000) })), 502, 'server_error', false],
  ])('when Bitbucket %s: %i %s', async (_name, failing, status, error, cleared) => {
    const { relay, cookie, clock, answer } = await signedIn({ expiresIn: 60 });
    clock.now += 60_000;
    answer.current = failing;
    const response = await relay(sessionRequest('/token', cookie));
    expect(response.status).toBe(status);
    const body = await bodyOf(response);
    expect(Object.keys(body).sort()).toEqual(['error', 'error_description']);
    expect(body.error).toBe(error);
    expect(body.error_description).toMatch(/^[A-Z].{30,}\.$/);
    // Refused: the session is over. Otherwise the cookie stays, and a later request may succeed.
    expect(response.headers.getSetCookie()).toEqual(cleared ? [CLEARED] : []);
  });

  it('answers 504 when Bitbucket does not answer in time, and keeps the cookie', async () => {
    const bitbucket = rotatingBitbucket({ expiresIn: 60 });
    let hang = false;
    const answer = (call: FetchCall) =>
      hang
        ? new Promise<Response>((_resolve, reject) => call.init.signal?.addEventListener('abort', () => reject(call.init.signal?.reason)))
        : bitbucket.answer(call);
    const setup = testRelay(answer, { deps: { tokenTimeoutMs: 20 } });
    const start = await startSignIn(setup.relay);
    const signIn = await callback(setup.relay, { code: CODE, state: start.relayState }, start.cookie);
    setup.clock.now += 60_000;
    hang = true;
    const response = await setup.relay(sessionRequest('/token', cookiePair(signIn.headers.getSetCookie()[1])));
    expect(response.status).toBe(504);
    expect((await bodyOf(response)).error).toBe('temporarily_unavailable');
    expect(response.headers.getSetCookie()).toEqual([]);
  });
});

describe('POST /token and POST /sign-out refuse, and change nothing', () => {
  /** Each refusal: the request, its status and error. */
  const refusals = (cookie: string) =>
    (['/token', '/sign-out'] as const).flatMap(
      (path) =>
        [
          [`${path} from a foreign Origin`, sessionRequest(path, cookie, { origin: 'https://evil.example' }), 403, 'origin_not_allowed'],
          [
            `${path} from the app's host on another port`,
            sessionRequest(path, cookie, { origin: 'http://localhost:3001' }),
            403,
            'origin_not_allowed',
          ],
          [`${path} from an opaque origin (null)`, sessionRequest(path, cookie, { origin: 'null' }), 403, 'origin_not_allowed'],
          [`${path} without Origin`, sessionRequest(path, cookie, { origin: null }), 403, 'origin_not_allowed'],
          [`${path} without the custom header`, sessionRequest(path, cookie, { header: null }), 403, 'relay_header_missing'],
          [`${path} with another header value`, sessionRequest(path, cookie, { header: 'true' }), 403, 'relay_header_missing'],
          [`${path} by GET`, sessionRequest(path, cookie, { method: 'GET' }), 405, 'method_not_allowed'],
          [`${path} by PUT`, sessionRequest(path, cookie, { method: 'PUT' }), 405, 'method_not_allowed'],
          [
            `${path} with a body`,
            new Request(sessionRequest(path, cookie), { body: 'refresh_token=x', method: 'POST' }),
            413,
            'invalid_request',
          ],
        ] as const,
    );

  it('refuses each with a JSON error alone: no cookie set, no call to Bitbucket, no token', async () => {
    const { relay, calls, cookie, logs } = await signedIn();
    for (const [name, request, status, error] of refusals(cookie)) {
      const response = await relay(request);
      expect.soft(response.status, name).toBe(status);
      const text = await response.text();
      expect.soft(JSON.parse(text), name).toEqual({ error, error_description: expect.stringMatching(/^[A-Z].{20,}\.$/) });
      expect.soft(response.headers.getSetCookie(), name).toEqual([]);
      expect.soft(text, name).not.toContain('NEVER-LOG');
      expect.soft(response.headers.get('allow'), name).toBe(status === 405 ? 'POST, OPTIONS' : null);
    }
    expect(calls).toEqual([]);
    expect(logs.filter((line) => line.includes('refused'))).toHaveLength(12);
    expect(logs).toContain('token: refused (origin_not_allowed)');
    expect(logs).toContain('sign-out: refused (relay_header_missing)');
    // The session is untouched: it still works.
    expect((await relay(sessionRequest('/token', cookie))).status).toBe(200);
  });

  it('answers JSON even to a request whose URL is over the 4 kB the HTML routes take', async () => {
    const { relay } = await signedIn();
    const response = await relay(
      new Request(`http://localhost:3001/token?${'a'.repeat(5000)}`, { headers: { origin: 'http://localhost:3000' } }),
    );
    expect(response.status).toBe(405);
    expect((await bodyOf(response)).error).toBe('method_not_allowed');
  });

  it('answers a foreign origin without CORS headers, and the app with its origin exactly, with credentials', async () => {
    const { relay, cookie } = await signedIn();
    const foreign = await relay(sessionRequest('/token', cookie, { origin: 'https://evil.example' }));
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
    expect(foreign.headers.get('vary')).toBe('Origin');
    for (const origin of ['http://localhost:3000', 'https://localhost:3443']) {
      const response = await relay(sessionRequest('/token', cookie, { origin }));
      expect(response.status).toBe(200);
      expect(response.headers.get('access-control-allow-origin')).toBe(origin);
      expect(response.headers.get('access-control-allow-credentials')).toBe('true');
      expect(response.headers.get('vary')).toBe('Origin');
    }
    const noHeader = await relay(sessionRequest('/token', cookie, { header: null }));
    expect(noHeader.headers.get('access-control-allow-origin')).toBe('http://localhost:3000');
  });

  it.each([
    ['a changed cookie', (value: string) => value.slice(0, 40) + (value[40] === 'A' ? 'B' : 'A') + value.slice(41), 'BAD_SEAL'],
    ['a truncated cookie', (value: string) => value.slice(0, -10), 'BAD_SEAL'],
    ['a cookie that is not sealed', () => 'refresh-NEVER-LOG-1', 'MALFORMED'],
    ['an oversized cookie', (value: string) => value + 'A'.repeat(4000), 'OVERSIZE'],
  ])('POST /token with %s: 401 invalid_session, the cookie cleared, no call to Bitbucket', async (_name, change, code) => {
    const { relay, calls, cookie, logs } = await signedIn();
    const value = cookie.slice('relay-session='.length);
    const response = await relay(sessionRequest('/token', `relay-session=${change(value)}`));
    expect(response.status).toBe(401);
    const body = await bodyOf(response);
    expect(body.error).toBe('invalid_session');
    expect(body.error_description).toContain('sealed under another RELAY_SECRET');
    expect(response.headers.getSetCookie()).toEqual([CLEARED]);
    expect(calls).toEqual([]);
    expect(logs.at(-1)).toBe(`token: session cookie refused (${code})`);
  });

  it('POST /token with an expired cookie, or one sealed under another RELAY_SECRET: 401 invalid_session', async () => {
    const short = await signedIn({ config: testConfig({ RELAY_SESSION_LIFETIME: '300' }) });
    short.clock.now += 300_000;
    const expired = await short.relay(sessionRequest('/token', short.cookie));
    expect(expired.status).toBe(401);
    expect(expired.headers.getSetCookie()).toEqual([CLEARED]);

    const other = await signedIn({ config: testConfig({ RELAY_SECRET: 'a-new-relay-secret-ABCDEFGHIJKLMNOPQRSTUV' }) });
    const { relay, calls } = await signedIn();
    const response = await relay(sessionRequest('/token', other.cookie));
    expect(response.status).toBe(401);
    expect((await bodyOf(response)).error).toBe('invalid_session');
    expect(calls).toEqual([]);
  });

  it('POST /token without a session cookie: 401 no_session, saying why a relay on another site cannot keep one', async () => {
    const { relay, calls, logs } = testRelay();
    const response = await relay(sessionRequest('/token', 'other=1'));
    expect(logs).toEqual(['token: no session cookie']);
    expect(response.status).toBe(401);
    const body = await bodyOf(response);
    expect(body.error).toBe('no_session');
    expect(body.error_description).toContain('No session cookie came with this request');
    expect(body.error_description).toContain('another site');
    expect(body.error_description).toContain('SameSite=Strict');
    expect(response.headers.getSetCookie()).toEqual([CLEARED]);
    expect(calls).toEqual([]);
  });
});

describe('CORS preflight', () => {
  const preflight = (headers: Record<string, string>, path = '/token') =>
    new Request(`http://localhost:3001${path}`, { method: 'OPTIONS', headers });

  it('allows the app to POST with the custom header, and nothing more', async () => {
    const { relay } = testRelay();
    for (const path of ['/token', '/sign-out']) {
      const response = await relay(
        preflight(
          {
            origin: 'http://localhost:3000',
            'access-control-request-method': 'POST',
            'access-control-request-headers': 'X-Bitbucket-Relay',
          },
          path,
        ),
      );
      expect(response.status).toBe(204);
      expect(Object.fromEntries(response.headers)).toMatchObject({
        'access-control-allow-origin': 'http://localhost:3000',
        'access-control-allow-credentials': 'true',
        'access-control-allow-methods': 'POST',
        'access-control-allow-headers': 'X-Bitbucket-Relay',
        'access-control-max-age': String(PREFLIGHT_MAX_AGE_SECONDS),
        vary: 'Origin',
      });
    }
    const noHeaders = await relay(preflight({ origin: 'http://localhost:3000', 'access-control-request-method': 'POST' }));
    expect(noHeaders.status).toBe(204);
    // The list as a browser may write it: any case, spaces after commas.
    const listed = await relay(
      preflight({
        origin: 'http://localhost:3000',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'x-bitbucket-relay, X-BITBUCKET-RELAY',
      }),
    );
    expect(listed.status).toBe(204);
  });

  it.each([
    [
      'a foreign origin',
      { origin: 'https://evil.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'x-bitbucket-relay' },
    ],
    ['no origin', { 'access-control-request-method': 'POST' }],
    ['another method', { origin: 'http://localhost:3000', 'access-control-request-method': 'PUT' }],
    ['no method', { origin: 'http://localhost:3000' }],
    [
      'another header',
      {
        origin: 'http://localhost:3000',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'x-bitbucket-relay, content-type',
      },
    ],
  ])('refuses %s: 403 without CORS headers', async (_name, headers) => {
    const response = await testRelay().relay(preflight(headers));
    expect(response.status).toBe(403);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    expect(response.headers.get('access-control-allow-methods')).toBeNull();
    expect(await bodyOf(response)).toEqual({ error: 'preflight_refused', error_description: expect.stringMatching(/^[A-Z].{30,}\.$/) });
  });
});

describe('POST /sign-out', () => {
  it('spends the refresh token first, then clears the cookie: 204, and an earlier copy of the cookie can no longer renew', async () => {
    const { relay, calls, cookie, bitbucket, logs } = await signedIn();
    const response = await relay(sessionRequest('/sign-out', cookie));
    expect(response.status).toBe(204);
    expect(await response.text()).toBe('');
    expect(response.headers.getSetCookie()).toEqual([CLEARED]);
    expect(response.headers.get('access-control-allow-origin')).toBe('http://localhost:3000');
    expect(refreshTokensSent(calls)).toEqual(['refresh_token:refresh-NEVER-LOG-1']);
    expect(logs.at(-1)).toBe('sign-out: the refresh token was spent');
    // Someone kept a copy of the cookie: its refresh token is spent, so it can no longer renew;
    // until its margin it still gets the access token kept in it, as the original would have.
    expect(bitbucket.live.has('refresh-NEVER-LOG-1')).toBe(false);
    const copy = await relay(sessionRequest('/token', cookie));
    expect(copy.status).toBe(200);
    expect(logs.at(-1)).toBe('token: the kept access token handed out');
  });

  it('signs out all the same when the refresh token cannot be spent', async () => {
    const { relay, cookie, answer, logs } = await signedIn();
    answer.current = () => Promise.reject(new TypeError('fetch failed'));
    const response = await relay(sessionRequest('/sign-out', cookie));
    expect(response.status).toBe(204);
    expect(response.headers.getSetCookie()).toEqual([CLEARED]);
    expect(logs.at(-1)).toBe('sign-out: the refresh token could not be spent (NETWORK)');
  });

  it.each([
    ['no session cookie', undefined, 'sign-out: no session cookie'],
    [
      'a cookie that does not open',
      'relay-session=s1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
      'sign-out: session cookie refused (BAD_SEAL)',
    ],
  ])('with %s: 204, the cookie cleared, no call to Bitbucket', async (_name, cookie, line) => {
    const { relay, calls, logs } = testRelay();
    const response = await relay(sessionRequest('/sign-out', cookie));
    expect(response.status).toBe(204);
    expect(response.headers.getSetCookie()).toEqual([CLEARED]);
    expect(calls).toEqual([]);
    expect(logs).toEqual([line]);
  });
});

describe('logging', () => {
  it('never logs a token, a cookie value or a secret', async () => {
    const { relay, cookie, clock, logs, answer, sessionCookie } = await signedIn({ expiresIn: 60 });
    await relay(sessionRequest('/token', cookie));
    clock.now += 60_000;
    const renewed = await relay(sessionRequest('/token', cookie));
    await relay(sessionRequest('/token', cookie, { origin: 'https://evil.example' }));
    await relay(sessionRequest('/token', 'relay-session=s1.garbage'));
    answer.current = () => Promise.reject(new TypeError(`fetch failed ${CLIENT_SECRET}`));
    await relay(sessionRequest('/sign-out', cookiePair(renewed.headers.getSetCookie()[0])));
    expect(logs.length).toBeGreaterThan(5);
    const secrets = ['NEVER-LOG', cookie.split('=')[1] ?? '', sessionCookie ?? '', CLIENT_SECRET, RELAY_SECRET, APP_CALLBACK];
    for (const line of logs) for (const secret of secrets) expect(line).not.toContain(secret);
  });
});
