// @vitest-environment node
// Decap CMS's sign-in through the relay (relay/decap-routes.ts): /auth, the /callback of a state it
// sealed, and /auth/refresh, with a fake token endpoint that rotates like Bitbucket's and an injected clock.
import { describe, expect, it } from 'vitest';
import { HANDSHAKE_SCRIPT, handshakeScriptHash } from '../../relay/decap-page.ts';
import { MAX_REFRESH_BODY_BYTES } from '../../relay/decap-routes.ts';
import { decapRefreshPurpose } from '../../relay/decap-seals.ts';
import { PAGE_CSP } from '../../relay/responses.ts';
import { createSealer } from '../../relay/seal.ts';
import {
  APP_CALLBACK,
  APP_STATE,
  CLIENT_ID,
  CLIENT_SECRET,
  CODE,
  RELAY_SECRET,
  bitbucketToken,
  callback,
  cookiePair,
  fragmentOf,
  rotatingBitbucket,
  startSignIn,
  testConfig,
  testRelay,
  tokenResponse,
} from './support.ts';
import type { FetchCall } from './support.ts';
import { DECAP_ORIGIN, OTHER_DECAP_ORIGIN, SITE_ID, decapRefresh, handshakeData, messageFor, payloadOf } from './decap-support.ts';

const DECAP_ENV = { RELAY_ALLOWED_ORIGINS: `${DECAP_ORIGIN},${OTHER_DECAP_ORIGIN}` };
const RELAY = 'http://localhost:3001';
const AUTH_QUERY = { provider: 'bitbucket', site_id: SITE_ID, scope: 'repo' };
const NONCE_COOKIE = /^relay-nonce=[\w-]{43}; Max-Age=300; Path=\/; HttpOnly; SameSite=Lax$/;
const NONCE_CLEARED = 'relay-nonce=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax';

type Answer = (call: FetchCall) => Promise<Response> | Response;

/** A relay serving Decap (its two origins), in front of a token endpoint that rotates unless told otherwise. */
function decapRelay(options: { answer?: Answer; env?: Record<string, string> } = {}) {
  const bitbucket = rotatingBitbucket();
  const answer: { current: Answer } = { current: options.answer ?? bitbucket.answer };
  const setup = testRelay((call) => answer.current(call), { config: testConfig({ ...DECAP_ENV, ...options.env }) });
  return { ...setup, bitbucket, answer };
}

type Relay = ReturnType<typeof decapRelay>['relay'];

/** Decap's popup at /auth: the redirect to Bitbucket, the relay's state in it, the nonce cookie. */
async function startDecap(relay: Relay, query: Record<string, string> = AUTH_QUERY) {
  const response = await relay(new Request(`${RELAY}/auth?${new URLSearchParams(query)}`));
  expect(response.status).toBe(302);
  const bitbucketUrl = new URL(response.headers.get('location') ?? '');
  const setCookie = response.headers.getSetCookie();
  return { response, bitbucketUrl, state: bitbucketUrl.searchParams.get('state') ?? '', setCookie, cookie: cookiePair(setCookie[0]) };
}

/** A whole Decap sign-in: /auth, then Bitbucket's return to /callback with CODE. */
async function signInDecap(setup: ReturnType<typeof decapRelay>, query: Record<string, string> = AUTH_QUERY) {
  const start = await startDecap(setup.relay, query);
  const response = await callback(setup.relay, { code: CODE, state: start.state }, start.cookie);
  const html = await response.text();
  return { start, response, html, data: handshakeData(html) };
}

/** The sealed refresh token a sign-in handed to `origin`. */
async function sealedFor(setup: ReturnType<typeof decapRelay>, origin = DECAP_ORIGIN, query: Record<string, string> = AUTH_QUERY) {
  const { data } = await signInDecap(setup, query);
  const sealed = payloadOf(messageFor(data, origin), 'success')['refresh_token'];
  expect(typeof sealed).toBe('string');
  setup.calls.length = 0;
  setup.logs.length = 0;
  return sealed as string;
}

async function jsonOf(response: Response): Promise<Record<string, unknown>> {
  expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
  expect(response.headers.get('cache-control')).toBe('no-store');
  return (await response.json()) as Record<string, unknown>;
}

const refreshTokensSent = (calls: readonly FetchCall[]) =>
  calls.map((call) => new URLSearchParams(String(call.init.body)).get('refresh_token'));

describe('without RELAY_ALLOWED_ORIGINS', () => {
  it('serves no Decap route: /auth is not found, and /auth/refresh answers as any other path', async () => {
    const { relay } = testRelay();
    const auth = await relay(new Request(`${RELAY}/auth?${new URLSearchParams(AUTH_QUERY)}`));
    expect(auth.status).toBe(404);
    expect(await auth.text()).toContain('NOT_FOUND');
    const refresh = await relay(decapRefresh('s1.x'));
    expect(refresh.status).toBe(405);
    expect(refresh.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('GET /auth', () => {
  it('sends the popup to Bitbucket as /authorize does: its own client id, the code grant, a sealed state and the nonce cookie', async () => {
    const { relay, logs } = decapRelay();
    const { bitbucketUrl, state, setCookie } = await startDecap(relay);
    expect(`${bitbucketUrl.origin}${bitbucketUrl.pathname}`).toBe('https://bitbucket.org/site/oauth2/authorize');
    expect([...bitbucketUrl.searchParams.keys()]).toEqual(['client_id', 'response_type', 'state']);
    expect(bitbucketUrl.searchParams.get('client_id')).toBe(CLIENT_ID);
    expect(bitbucketUrl.searchParams.get('response_type')).toBe('code');
    expect(state).toMatch(/^s1\.[\w-]+$/);
    // Nothing of Decap's request is readable in the state: the site is sealed in it.
    expect(state).not.toContain('cms');
    expect(setCookie).toHaveLength(1);
    expect(setCookie[0]).toMatch(NONCE_COOKIE);
    expect(logs).toEqual(['auth: redirecting to Bitbucket']);
  });

  it('sends its /callback as redirect_uri when RELAY_PUBLIC_URL is set, and a __Host- cookie on https', async () => {
    const { relay } = decapRelay({ env: { RELAY_PUBLIC_URL: 'https://relay.example.com' } });
    const { bitbucketUrl, setCookie } = await startDecap(relay);
    expect(bitbucketUrl.searchParams.get('redirect_uri')).toBe('https://relay.example.com/callback');
    expect(setCookie[0]).toMatch(/^__Host-relay-nonce=[\w-]{43}; Max-Age=300; Path=\/; HttpOnly; SameSite=Lax; Secure$/);
  });

  it.each(['demo.decapcms.org', '127.0.0.1', 'a', 'Site-1.Example.COM', `${'a'.repeat(251)}.b`])(
    'accepts the site_id %s',
    async (siteId) => {
      const { relay } = decapRelay();
      await startDecap(relay, { provider: 'bitbucket', site_id: siteId });
    },
  );

  it.each([
    ['no provider', { site_id: SITE_ID }, 'PROVIDER_NOT_SUPPORTED', 400],
    ['another provider', { provider: 'github', site_id: SITE_ID }, 'PROVIDER_NOT_SUPPORTED', 400],
    ['no site_id', { provider: 'bitbucket' }, 'INVALID_SITE_ID', 400],
    ['an empty site_id', { provider: 'bitbucket', site_id: '' }, 'INVALID_SITE_ID', 400],
    ['a site_id with a space', { provider: 'bitbucket', site_id: 'a b' }, 'INVALID_SITE_ID', 400],
    ['a site_id that starts with a dot', { provider: 'bitbucket', site_id: '.example.com' }, 'INVALID_SITE_ID', 400],
    ['a site_id that ends with a hyphen', { provider: 'bitbucket', site_id: 'example-' }, 'INVALID_SITE_ID', 400],
    ['a site_id with a port', { provider: 'bitbucket', site_id: 'example.com:443' }, 'INVALID_SITE_ID', 400],
    ['a site_id with markup', { provider: 'bitbucket', site_id: '<b>x</b>' }, 'INVALID_SITE_ID', 400],
    ['a site_id of 254 characters', { provider: 'bitbucket', site_id: `${'a'.repeat(252)}.b` }, 'INVALID_SITE_ID', 400],
  ] as const)('refuses %s (%s)', async (_case, query, code, status) => {
    const { relay, logs, calls } = decapRelay();
    const response = await relay(new Request(`${RELAY}/auth?${new URLSearchParams(query)}`));
    expect(response.status).toBe(status);
    expect(response.headers.getSetCookie()).toEqual([]);
    const html = await response.text();
    expect(html).toContain(`Error code: <code>${code}</code>`);
    // Decap hears of it too, by the same handshake, at each allowed origin.
    const data = handshakeData(html);
    expect(payloadOf(messageFor(data, DECAP_ORIGIN), 'error')).toMatchObject({ provider: 'bitbucket', error: code });
    expect(messageFor(data, OTHER_DECAP_ORIGIN)).toBe(messageFor(data, DECAP_ORIGIN));
    expect(logs).toEqual([`auth: refused (${code})`]);
    expect(calls).toEqual([]);
  });

  it.each(['provider', 'site_id'])('refuses a repeated %s', async (name) => {
    const { relay } = decapRelay();
    const query = new URLSearchParams(AUTH_QUERY);
    query.append(name, name === 'provider' ? 'bitbucket' : SITE_ID);
    const response = await relay(new Request(`${RELAY}/auth?${query}`));
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('REPEATED_PARAMETER');
  });

  it('answers GET only, and takes no body', async () => {
    const { relay } = decapRelay();
    const url = `${RELAY}/auth?${new URLSearchParams(AUTH_QUERY)}`;
    const post = await relay(new Request(url, { method: 'POST' }));
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET');
    expect(await post.text()).toContain('METHOD_NOT_ALLOWED');
    const withBody = await relay(new Request(url, { headers: { 'content-length': '5' } }));
    expect(withBody.status).toBe(413);
    expect(await withBody.text()).toContain('BODY_NOT_ALLOWED');
  });

  it('is bounded like every route: a URL over 4 kB is refused before it is read', async () => {
    const { relay } = decapRelay();
    const response = await relay(new Request(`${RELAY}/auth?provider=bitbucket&site_id=${SITE_ID}&pad=${'x'.repeat(4096)}`));
    expect(response.status).toBe(414);
  });
});

describe("/callback with a state Decap's /auth sealed", () => {
  it('answers with the handshake page: its one script allowed by hash, no referrer, no cache, no framing, and no opener policy', async () => {
    const setup = decapRelay();
    const { response, html } = await signInDecap(setup);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('content-security-policy')).toBe(
      `default-src 'none'; script-src ${await handshakeScriptHash()}; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
    );
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('cross-origin-opener-policy')).toBeNull();
    // One script that runs, exactly the hashed text; the data is in a block that does not run.
    const scripts = [...html.matchAll(/<script( type="application\/json" id="decap-handshake")?>([^<]*)<\/script>/g)];
    expect(scripts.map(([, type]) => type !== undefined)).toEqual([true, false]);
    expect(scripts[1]?.[2]).toBe(HANDSHAKE_SCRIPT);
    expect(html.match(/<script/g)).toHaveLength(2);
  });

  it("hands each allowed origin its own message: the token, and Bitbucket's refresh token sealed for that origin", async () => {
    const setup = decapRelay();
    const { data, html, response } = await signInDecap(setup);
    expect(data.messages.map(([origin]) => origin)).toEqual([DECAP_ORIGIN, OTHER_DECAP_ORIGIN]);
    const first = payloadOf(messageFor(data, DECAP_ORIGIN), 'success');
    const second = payloadOf(messageFor(data, OTHER_DECAP_ORIGIN), 'success');
    expect(Object.keys(first)).toEqual(['token', 'provider', 'refresh_token']);
    expect(first).toMatchObject({ token: 'access-NEVER-LOG-1', provider: 'bitbucket' });
    expect(first['refresh_token']).toMatch(/^s1\.[\w-]+$/);
    expect(second['refresh_token']).toMatch(/^s1\.[\w-]+$/);
    expect(second['refresh_token']).not.toBe(first['refresh_token']);
    // The raw refresh token is nowhere in the page, and the page sets no session cookie.
    expect(html).not.toContain('refresh-NEVER-LOG');
    expect(response.headers.getSetCookie()).toEqual([NONCE_CLEARED]);
    expect(data.sent).toBe('Signed in. Decap CMS closes this window; if it stays open, close it.');
    expect(setup.logs).toEqual([
      'auth: redirecting to Bitbucket',
      'decap callback: token issued, refresh token sealed, handing it to Decap CMS',
    ]);
  });

  it('trades the code at the token endpoint as the consumer, as the app sign-in does', async () => {
    const setup = decapRelay({ env: { RELAY_PUBLIC_URL: 'https://relay.example.com' } });
    await signInDecap(setup);
    expect(setup.calls).toHaveLength(1);
    const form = new URLSearchParams(String(setup.calls[0]?.init.body));
    expect(Object.fromEntries(form)).toEqual({
      grant_type: 'authorization_code',
      code: CODE,
      redirect_uri: 'https://relay.example.com/callback',
    });
    expect(new Headers(setup.calls[0]?.init.headers).get('authorization')).toBe(`Basic ${btoa(`${CLIENT_ID}:${CLIENT_SECRET}`)}`);
  });

  it('leaves refresh_token out when Bitbucket sends none', async () => {
    const setup = decapRelay({ answer: () => tokenResponse(bitbucketToken({ refresh_token: undefined })) });
    const { data } = await signInDecap(setup);
    expect(payloadOf(messageFor(data, DECAP_ORIGIN), 'success')).toEqual({ token: 'access-token-NEVER-LOG-91c2', provider: 'bitbucket' });
    expect(setup.logs).toContain('decap callback: token issued, handing it to Decap CMS');
  });

  it('hands over an error, never a token, when the refresh token is too long to seal for a URL', async () => {
    const setup = decapRelay({ answer: () => tokenResponse(bitbucketToken({ refresh_token: '"'.repeat(1024) })) });
    const { response, data, html } = await signInDecap(setup);
    expect(response.status).toBe(502);
    expect(payloadOf(messageFor(data, DECAP_ORIGIN), 'error')).toEqual({
      provider: 'bitbucket',
      error: 'server_error',
      message: "Bitbucket's answer could not be used. Please try again.",
    });
    expect(html).not.toContain('NEVER-LOG');
    expect(setup.logs).toContain('decap callback: the refresh token is too long to hand to Decap CMS');
  });

  it("passes Bitbucket's error on when the user cancels (access_denied), without calling the token endpoint", async () => {
    const setup = decapRelay();
    const start = await startDecap(setup.relay);
    const response = await callback(
      setup.relay,
      { error: 'access_denied', error_description: 'The user denied access.', state: start.state },
      start.cookie,
    );
    expect(response.status).toBe(400);
    expect(response.headers.getSetCookie()).toEqual([NONCE_CLEARED]);
    const data = handshakeData(await response.text());
    expect(payloadOf(messageFor(data, DECAP_ORIGIN), 'error')).toEqual({
      provider: 'bitbucket',
      error: 'access_denied',
      message: 'The user denied access.',
    });
    expect(data.sent).toBe('The user denied access.');
    expect(setup.calls).toEqual([]);
    expect(setup.logs).toContain('decap callback: Bitbucket answered with an error (access_denied)');
  });

  it('passes a failed token exchange on as an error', async () => {
    const setup = decapRelay({ answer: () => tokenResponse({ error: 'invalid_grant' }, 400) });
    const { data, response } = await signInDecap(setup);
    expect(response.status).toBe(400);
    expect(payloadOf(messageFor(data, DECAP_ORIGIN), 'error')).toMatchObject({ error: 'invalid_grant' });
    expect(setup.logs).toContain('decap callback: token exchange failed (INVALID_GRANT)');
  });

  it.each([
    ['replayed: the nonce cookie is gone (the sign-in was completed, or cookies are blocked)', 'none', 'NONCE_MISSING'],
    ['finished in another browser or tab: another nonce', 'other', 'NONCE_MISMATCH'],
    ['expired: more than 5 minutes on the consent page', 'late', 'STATE_EXPIRED'],
  ] as const)('refuses a state %s, spends its code, and tells Decap', async (_case, how, code) => {
    const setup = decapRelay();
    const start = await startDecap(setup.relay);
    const other = await startDecap(setup.relay);
    if (how === 'late') setup.clock.now += 5 * 60 * 1000;
    const cookie = how === 'none' ? undefined : how === 'other' ? other.cookie : start.cookie;
    const response = await callback(setup.relay, { code: CODE, state: start.state }, cookie);
    expect(response.status).toBe(400);
    expect(response.headers.getSetCookie()).toEqual([NONCE_CLEARED]);
    const html = await response.text();
    expect(html).toContain(`Error code: <code>${code}</code>`);
    expect(payloadOf(messageFor(handshakeData(html), DECAP_ORIGIN), 'error')).toMatchObject({ error: code });
    expect(html).not.toContain('NEVER-LOG');
    // The code was spent: whoever reads it later gets nothing for it.
    expect(setup.calls.map((call) => new URLSearchParams(String(call.init.body)).get('code'))).toEqual([CODE]);
    expect(setup.logs).toEqual([
      'auth: redirecting to Bitbucket',
      'auth: redirecting to Bitbucket',
      "decap callback: the refused callback's code was spent",
      `decap callback: refused (${code})`,
    ]);
  });

  it('spends no code of a refused callback that carries several (one request, several token calls), and still tells Decap', async () => {
    const setup = decapRelay();
    const start = await startDecap(setup.relay);
    const state = encodeURIComponent(start.state);
    // No nonce cookie: the sign-in is refused whatever the codes.
    const response = await setup.relay(new Request(`${RELAY}/callback?code=a&code=b&code=c&state=${state}`));
    expect(response.status).toBe(400);
    expect(payloadOf(messageFor(handshakeData(await response.text()), DECAP_ORIGIN), 'error')).toMatchObject({ error: 'NONCE_MISSING' });
    expect(setup.calls).toEqual([]);
    expect(setup.logs).toEqual([
      'auth: redirecting to Bitbucket',
      'decap callback: the refused callback repeats its code, so none was spent',
      'decap callback: refused (NONCE_MISSING)',
    ]);
  });

  it('a state a moment before its expiry still works', async () => {
    const setup = decapRelay();
    const start = await startDecap(setup.relay);
    setup.clock.now += 5 * 60 * 1000 - 1;
    const response = await callback(setup.relay, { code: CODE, state: start.state }, start.cookie);
    expect(response.status).toBe(200);
  });

  it("leaves a state it did not seal to the app's /callback: a tampered one gets the relay's plain page, with no script", async () => {
    const setup = decapRelay();
    const start = await startDecap(setup.relay);
    const tampered = `${start.state.slice(0, -2)}${start.state.endsWith('AA') ? 'BA' : 'AA'}`;
    const response = await callback(setup.relay, { code: CODE, state: tampered }, start.cookie);
    expect(response.status).toBe(400);
    expect(response.headers.get('content-security-policy')).toBe(PAGE_CSP);
    const html = await response.text();
    expect(html).toContain('STATE_TAMPERED');
    expect(html).not.toContain('<script');
    expect(setup.calls).toEqual([]);
  });

  it("still signs the app in through /authorize, with its state and its session cookie, while Decap's routes are on", async () => {
    const setup = decapRelay();
    const start = await startSignIn(setup.relay);
    const response = await callback(setup.relay, { code: CODE, state: start.relayState }, start.cookie);
    expect(response.status).toBe(302);
    expect(fragmentOf(response).get('state')).toBe(APP_STATE);
    expect(response.headers.get('location')).toMatch(new RegExp(`^${APP_CALLBACK}#`));
    expect(response.headers.getSetCookie()[1]).toMatch(/^relay-session=s1\./);
  });

  it("a Decap state does not open as the app's, nor the app's as Decap's: each key opens its own", async () => {
    const setup = decapRelay();
    const app = await startSignIn(setup.relay);
    // The app's state with Decap's cookie name and value: still the app's sign-in, back to the app.
    const response = await callback(setup.relay, { code: CODE, state: app.relayState }, app.cookie);
    expect(response.status).toBe(302);
    const decap = await startDecap(setup.relay);
    const decapAnswer = await callback(setup.relay, { code: CODE, state: decap.state }, decap.cookie);
    expect(decapAnswer.status).toBe(200);
    expect(decapAnswer.headers.get('location')).toBeNull();
  });
});

describe('POST /auth/refresh', () => {
  it('answers {token, refresh_token} to an allowed origin, having rotated at Bitbucket, with CORS for that origin alone', async () => {
    const setup = decapRelay();
    const sealed = await sealedFor(setup);
    const response = await setup.relay(decapRefresh(sealed));
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe(DECAP_ORIGIN);
    expect(response.headers.get('access-control-allow-credentials')).toBeNull();
    expect(response.headers.get('vary')).toBe('Origin');
    expect(response.headers.getSetCookie()).toEqual([]);
    const body = await jsonOf(response);
    expect(Object.keys(body)).toEqual(['token', 'refresh_token']);
    expect(body['token']).toBe('access-NEVER-LOG-2');
    expect(body['refresh_token']).toMatch(/^s1\.[\w-]+$/);
    expect(body['refresh_token']).not.toBe(sealed);
    expect(refreshTokensSent(setup.calls)).toEqual(['refresh-NEVER-LOG-1']);
    const headers = new Headers(setup.calls[0]?.init.headers);
    expect(headers.get('authorization')).toBe(`Basic ${btoa(`${CLIENT_ID}:${CLIENT_SECRET}`)}`);
    expect(setup.logs).toEqual(['decap refresh: renewed at Bitbucket, refresh token rotated']);
  });

  it('refuses the old value once it has been rotated (Bitbucket spent the refresh token in it), and the new one works', async () => {
    const setup = decapRelay();
    const sealed = await sealedFor(setup);
    const renewed = (await jsonOf(await setup.relay(decapRefresh(sealed))))['refresh_token'] as string;
    const replay = await setup.relay(decapRefresh(sealed));
    expect(replay.status).toBe(400);
    expect(await jsonOf(replay)).toMatchObject({ error: 'invalid_grant' });
    expect(replay.headers.get('access-control-allow-origin')).toBe(DECAP_ORIGIN);
    const next = await setup.relay(decapRefresh(renewed));
    expect(next.status).toBe(200);
    expect((await jsonOf(next))['token']).toBe('access-NEVER-LOG-3');
    expect(refreshTokensSent(setup.calls)).toEqual(['refresh-NEVER-LOG-1', 'refresh-NEVER-LOG-1', 'refresh-NEVER-LOG-2']);
    expect(setup.logs).toContain('decap refresh: refresh failed (INVALID_GRANT)');
  });

  it('takes the value from the query too, with an empty body, as the protocol is often described', async () => {
    const setup = decapRelay();
    const sealed = await sealedFor(setup);
    const query = new URLSearchParams({ provider: 'bitbucket', site_id: SITE_ID, refresh_token: sealed }).toString();
    const response = await setup.relay(decapRefresh(sealed, { query, body: null }));
    expect(response.status).toBe(200);
    const empty = await setup.relay(
      new Request(`${RELAY}/auth/refresh?${query}`, { method: 'POST', headers: { origin: DECAP_ORIGIN, 'content-length': '0' } }),
    );
    // The value in the query was read and sent to Bitbucket, which had rotated it already.
    expect(empty.status).toBe(400);
    expect(await jsonOf(empty)).toMatchObject({ error: 'invalid_grant' });
    expect(refreshTokensSent(setup.calls)).toEqual(['refresh-NEVER-LOG-1', 'refresh-NEVER-LOG-1']);
  });

  it.each([
    ['from another origin', { origin: 'https://evil.example' }],
    ['without an Origin', { origin: null }],
    ['from the relay itself', { origin: RELAY }],
  ] as const)('refuses a refresh %s before anything is read or Bitbucket is called, and lets no page read why', async (_case, options) => {
    const setup = decapRelay();
    const sealed = await sealedFor(setup);
    const response = await setup.relay(decapRefresh(sealed, options));
    expect(response.status).toBe(403);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    expect(response.headers.get('vary')).toBe('Origin');
    expect(await jsonOf(response)).toMatchObject({ error: 'origin_not_allowed' });
    expect(setup.calls).toEqual([]);
    expect(setup.logs).toEqual([]);
  });

  it('refuses a value sealed for another site_id, or for another of the allowed origins, without calling Bitbucket', async () => {
    const setup = decapRelay();
    const sealed = await sealedFor(setup);
    const otherSite = await setup.relay(decapRefresh(sealed, { siteId: 'other.example.com' }));
    expect(otherSite.status).toBe(400);
    expect(await jsonOf(otherSite)).toMatchObject({ error: 'invalid_grant' });
    const otherOrigin = await setup.relay(decapRefresh(sealed, { origin: OTHER_DECAP_ORIGIN }));
    expect(otherOrigin.status).toBe(400);
    expect(otherOrigin.headers.get('access-control-allow-origin')).toBe(OTHER_DECAP_ORIGIN);
    expect(setup.calls).toEqual([]);
    expect(setup.logs).toEqual([
      'decap refresh: sealed refresh token refused (BAD_SEAL)',
      'decap refresh: sealed refresh token refused (BAD_SEAL)',
    ]);
    // The value handed to the other origin works there, and only there.
    const second = await sealedFor(setup, OTHER_DECAP_ORIGIN);
    expect((await setup.relay(decapRefresh(second, { origin: OTHER_DECAP_ORIGIN }))).status).toBe(200);
  });

  it('refuses a value that is altered, or is not one of its own (a session cookie), without calling Bitbucket', async () => {
    const setup = decapRelay();
    const sealed = await sealedFor(setup);
    const session = createSealer(RELAY_SECRET, 'relay session v1', {
      now: () => setup.clock.now,
      randomBytes: () => new Uint8Array(12),
      maxLength: 4000,
    });
    for (const value of [
      `${sealed.slice(0, -2)}AA`,
      'not-sealed',
      (await session.seal({ rt: 'refresh-NEVER-LOG-1' }, setup.clock.now + 60_000)) ?? '',
    ]) {
      const response = await setup.relay(decapRefresh(value));
      expect(response.status, value).toBe(400);
      expect(await jsonOf(response)).toMatchObject({ error: 'invalid_grant' });
    }
    expect(setup.calls).toEqual([]);
  });

  it('refuses a value after RELAY_SESSION_LIFETIME counted from the sign-in, however often it was renewed (an absolute end)', async () => {
    const setup = decapRelay({ env: { RELAY_SESSION_LIFETIME: '3600' } });
    const sealed = await sealedFor(setup);
    setup.clock.now += 3600 * 1000;
    const late = await setup.relay(decapRefresh(sealed));
    expect(late.status).toBe(400);
    expect(setup.logs).toEqual(['decap refresh: sealed refresh token refused (EXPIRED)']);
    setup.clock.now -= 1;
    const renewed = (await jsonOf(await setup.relay(decapRefresh(sealed))))['refresh_token'] as string;
    // The renewed value ends when the first one did: one millisecond later, it opens no more.
    setup.clock.now += 1;
    setup.logs.length = 0;
    expect((await setup.relay(decapRefresh(renewed))).status).toBe(400);
    expect(setup.logs).toEqual(['decap refresh: sealed refresh token refused (EXPIRED)']);
  });

  it("renews within the sign-in's lifetime: each renewed value works until its end", async () => {
    const setup = decapRelay({ env: { RELAY_SESSION_LIFETIME: '3600' } });
    let sealed = await sealedFor(setup);
    for (let minute = 0; minute < 59; minute += 10) {
      setup.clock.now += 10 * 60 * 1000 - 1;
      const response = await setup.relay(decapRefresh(sealed));
      expect(response.status).toBe(200);
      sealed = (await jsonOf(response))['refresh_token'] as string;
    }
  });

  it('refuses a sealed value of its own format that holds no refresh token or no end', async () => {
    const setup = decapRelay();
    const audience = { origin: DECAP_ORIGIN, siteId: SITE_ID };
    const sealer = createSealer(RELAY_SECRET, decapRefreshPurpose(audience), {
      now: () => setup.clock.now,
      randomBytes: () => new Uint8Array(12),
      maxLength: 2048,
    });
    for (const value of [{ rt: '', end: setup.clock.now + 60_000 }, { rt: 5, end: setup.clock.now + 60_000 }, { rt: 'refresh' }, {}]) {
      const response = await setup.relay(decapRefresh((await sealer.seal(value, setup.clock.now + 60_000)) ?? ''));
      expect(response.status).toBe(400);
    }
    expect(setup.logs).toEqual(Array(4).fill('decap refresh: sealed refresh token refused (MALFORMED)'));
    expect(setup.calls).toEqual([]);
  });

  it.each([
    ['without provider', { query: `site_id=${SITE_ID}` }],
    ['for another provider', { query: `provider=github&site_id=${SITE_ID}` }],
    ['with a repeated provider', { query: `provider=bitbucket&provider=bitbucket&site_id=${SITE_ID}` }],
    ['without site_id', { query: 'provider=bitbucket' }],
    ['with a site_id that is no host name', { query: 'provider=bitbucket&site_id=a%20b' }],
    ['with a repeated site_id', { query: `provider=bitbucket&site_id=${SITE_ID}&site_id=${SITE_ID}` }],
    ['without a refresh_token', { body: '' }],
    ['with an empty refresh_token', { body: 'refresh_token=' }],
    ['with refresh_token twice in the form', { body: 'refresh_token=a&refresh_token=b' }],
    ['with refresh_token in the query and the form', { query: `provider=bitbucket&site_id=${SITE_ID}&refresh_token=a` }],
    [
      'with refresh_token twice in the query',
      { query: `provider=bitbucket&site_id=${SITE_ID}&refresh_token=a&refresh_token=b`, body: null },
    ],
    ['with a body that is no form', { contentType: 'application/json' }],
    ['with a body without a type', { contentType: '' }],
    ['with a body too long', { body: `refresh_token=${'a'.repeat(MAX_REFRESH_BODY_BYTES)}` }],
  ] as const)('refuses a refresh %s (invalid_request), without calling Bitbucket', async (_case, options) => {
    const setup = decapRelay();
    const sealed = await sealedFor(setup);
    const request = decapRefresh(sealed, options);
    if ('contentType' in options && options.contentType === '') request.headers.delete('content-type');
    const response = await setup.relay(request);
    expect(response.status).toBe(400);
    expect(response.headers.get('access-control-allow-origin')).toBe(DECAP_ORIGIN);
    expect(await jsonOf(response)).toMatchObject({ error: 'invalid_request' });
    expect(setup.calls).toEqual([]);
  });

  it('reads a form with a charset, and one of exactly the bound', async () => {
    const setup = decapRelay();
    const sealed = await sealedFor(setup);
    const padded = `refresh_token=${sealed}&pad=${'x'.repeat(MAX_REFRESH_BODY_BYTES - sealed.length - 'refresh_token=&pad='.length)}`;
    expect(padded).toHaveLength(MAX_REFRESH_BODY_BYTES);
    const response = await setup.relay(
      decapRefresh(sealed, { body: padded, contentType: 'application/x-www-form-urlencoded;charset=UTF-8' }),
    );
    expect(response.status).toBe(200);
  });

  it.each(['GET', 'OPTIONS', 'PUT'])('answers %s with 405 and no CORS headers', async (method) => {
    const { relay } = decapRelay();
    const response = await relay(
      new Request(`${RELAY}/auth/refresh?provider=bitbucket&site_id=${SITE_ID}`, { method, headers: { origin: DECAP_ORIGIN } }),
    );
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST');
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    expect(await jsonOf(response)).toMatchObject({ error: 'method_not_allowed' });
  });

  it.each([
    ['a timeout', () => Promise.reject(new DOMException('timed out', 'TimeoutError')), 504, 'temporarily_unavailable', 'TIMEOUT'],
    ['a network failure', () => Promise.reject(new TypeError('fetch failed')), 502, 'temporarily_unavailable', 'NETWORK'],
    ['a 503', () => tokenResponse({}, 503), 502, 'temporarily_unavailable', 'UPSTREAM_ERROR'],
    ['an answer that is no token', () => tokenResponse({ nope: true }), 502, 'server_error', 'BAD_RESPONSE'],
    ['invalid_grant', () => tokenResponse({ error: 'invalid_grant' }, 400), 400, 'invalid_grant', 'INVALID_GRANT'],
  ] as const)('answers %s at Bitbucket with %i %s', async (_case, answer, status, error, code) => {
    const setup = decapRelay();
    const sealed = await sealedFor(setup);
    setup.answer.current = answer;
    const response = await setup.relay(decapRefresh(sealed));
    expect(response.status).toBe(status);
    expect(response.headers.get('access-control-allow-origin')).toBe(DECAP_ORIGIN);
    const body = await jsonOf(response);
    expect(body['error']).toBe(error);
    expect(typeof body['error_description']).toBe('string');
    expect(setup.logs).toEqual([`decap refresh: refresh failed (${code})`]);
  });

  it('keeps the same refresh token, sealed anew, when Bitbucket does not rotate', async () => {
    const setup = decapRelay();
    const sealed = await sealedFor(setup);
    setup.answer.current = () => tokenResponse(bitbucketToken({ refresh_token: undefined }));
    const body = await jsonOf(await setup.relay(decapRefresh(sealed)));
    expect(body['refresh_token']).not.toBe(sealed);
    await setup.relay(decapRefresh(body['refresh_token'] as string));
    expect(refreshTokensSent(setup.calls)).toEqual(['refresh-NEVER-LOG-1', 'refresh-NEVER-LOG-1']);
    expect(setup.logs).toEqual(['decap refresh: renewed at Bitbucket', 'decap refresh: renewed at Bitbucket']);
  });

  it('answers server_error when the new refresh token is too long to seal, and hands out no token', async () => {
    const setup = decapRelay();
    const sealed = await sealedFor(setup);
    setup.answer.current = () => tokenResponse(bitbucketToken({ refresh_token: '"'.repeat(1024) }));
    const response = await setup.relay(decapRefresh(sealed));
    expect(response.status).toBe(502);
    expect(await jsonOf(response)).toEqual({
      error: 'server_error',
      error_description: "Bitbucket's answer could not be used. Please try again.",
    });
    expect(setup.logs).toEqual(['decap refresh: the refresh token is too long to hand to Decap CMS']);
  });

  it('writes no token, code, state, sealed value or secret into its log lines', async () => {
    const setup = decapRelay();
    const start = await startDecap(setup.relay);
    const { data } = await signInDecap(setup);
    const sealed = payloadOf(messageFor(data, DECAP_ORIGIN), 'success')['refresh_token'] as string;
    await setup.relay(decapRefresh(sealed));
    await setup.relay(decapRefresh(sealed));
    await setup.relay(decapRefresh(sealed, { origin: 'https://evil.example' }));
    const logs = setup.logs.join('\n');
    for (const secret of ['NEVER-LOG', CODE, start.state, sealed.slice(3, 20), CLIENT_SECRET, RELAY_SECRET])
      expect(logs).not.toContain(secret);
  });
});

// What a user reads: Decap shows an error's `message` on its login page, the popup shows its page,
// and a refresh's `error_description` is what a developer finds in the network panel.
describe('what each refusal says, in words', () => {
  const SIGN_IN_AGAIN = 'Sign in again from Decap CMS.';
  const authUrl = `${RELAY}/auth?${new URLSearchParams(AUTH_QUERY)}`;

  /** The page's status paragraph, Decap's error message, the page's title, and the relay's log. */
  async function refusalOf(setup: ReturnType<typeof decapRelay>, response: Response) {
    const html = await response.text();
    const payload = payloadOf(messageFor(handshakeData(html), DECAP_ORIGIN), 'error');
    return {
      status: /<p id="status" role="status">([^<]*)<\/p>/.exec(html)?.[1],
      title: /<title>([^<]*)<\/title>/.exec(html)?.[1],
      message: payload['message'],
      error: payload['error'],
      logs: setup.logs,
    };
  }

  it.each([
    ['a POST', () => new Request(authUrl, { method: 'POST' }), 'METHOD_NOT_ALLOWED', 'Decap CMS signs in here with GET only.'],
    [
      'a body',
      () => new Request(authUrl, { headers: { 'content-length': '5' } }),
      'BODY_NOT_ALLOWED',
      'Decap CMS signs in here without a request body.',
    ],
    [
      'a repeated site_id',
      () => new Request(`${authUrl}&site_id=${SITE_ID}`),
      'REPEATED_PARAMETER',
      `This sign-in link repeats a parameter. ${SIGN_IN_AGAIN}`,
    ],
    [
      'another provider',
      () => new Request(`${RELAY}/auth?provider=github&site_id=${SITE_ID}`),
      'PROVIDER_NOT_SUPPORTED',
      'This relay signs in to Bitbucket only (provider=bitbucket).',
    ],
    [
      'no site_id',
      () => new Request(`${RELAY}/auth?provider=bitbucket`),
      'INVALID_SITE_ID',
      `This sign-in link has no valid site_id (a host name). ${SIGN_IN_AGAIN}`,
    ],
  ] as const)('/auth with %s: %s', async (_case, request, code, message) => {
    const setup = decapRelay();
    const refusal = await refusalOf(setup, await setup.relay(request()));
    expect(refusal).toEqual({
      status: message,
      title: 'Sign-in could not continue',
      message,
      error: code,
      logs: [`auth: refused (${code})`],
    });
  });

  it.each([
    [
      'no nonce cookie',
      'none',
      'NONCE_MISSING',
      `This sign-in was started in another browser, has already been completed, or cookies are blocked. ${SIGN_IN_AGAIN}`,
    ],
    [
      'an empty nonce cookie',
      'empty',
      'NONCE_MISSING',
      `This sign-in was started in another browser, has already been completed, or cookies are blocked. ${SIGN_IN_AGAIN}`,
    ],
    ['the nonce of another sign-in', 'other', 'NONCE_MISMATCH', `Another sign-in was started in this browser since. ${SIGN_IN_AGAIN}`],
    ['a state over 5 minutes old', 'late', 'STATE_EXPIRED', `This sign-in took too long and has expired. ${SIGN_IN_AGAIN}`],
  ] as const)('/callback with %s: %s', async (_case, how, code, message) => {
    const setup = decapRelay();
    const start = await startDecap(setup.relay);
    const other = await startDecap(setup.relay);
    if (how === 'late') setup.clock.now += 5 * 60 * 1000;
    const cookies = { none: undefined, empty: 'relay-nonce=', other: other.cookie, late: start.cookie } as const;
    setup.logs.length = 0;
    const response = await callback(setup.relay, { state: start.state }, cookies[how]);
    const refusal = await refusalOf(setup, response);
    expect(refusal).toEqual({
      status: message,
      title: 'Sign-in could not continue',
      message,
      error: code,
      logs: [`decap callback: refused (${code})`],
    });
  });

  it('the page that hands over a token says what it is doing, and quotes no error code', async () => {
    const { html } = await signInDecap(decapRelay());
    expect(/<title>([^<]*)<\/title>/.exec(html)?.[1]).toBe('Signing in to Decap CMS');
    expect(/<main>([^]*)<\/main>/.exec(html)?.[1]).toBe(
      '\n<h1>Signing in to Decap CMS</h1>\n<p id="status" role="status">Handing your sign-in to Decap CMS…</p>\n',
    );
  });

  const FORM_MESSAGE = `The body must be a form (application/x-www-form-urlencoded) of at most ${MAX_REFRESH_BODY_BYTES} bytes.`;

  it.each([
    ['another provider', { query: `provider=github&site_id=${SITE_ID}` }, 'Only provider=bitbucket is refreshed here.'],
    ['no site_id', { query: 'provider=bitbucket' }, 'The refresh has no valid site_id (a host name).'],
    ['a body that is no form', { contentType: 'application/json' }, FORM_MESSAGE],
    ['a body too long', { body: `refresh_token=${'a'.repeat(MAX_REFRESH_BODY_BYTES)}` }, FORM_MESSAGE],
    ['refresh_token twice', { body: 'refresh_token=a&refresh_token=b' }, 'Send refresh_token once, in the query or in the form.'],
  ] as const)('/auth/refresh with %s: %s', async (_case, options, description) => {
    const setup = decapRelay();
    const response = await setup.relay(decapRefresh('s1.x', options));
    expect(response.status).toBe(400);
    expect(await jsonOf(response)).toEqual({ error: 'invalid_request', error_description: description });
  });

  it('/auth/refresh by another method, from another origin, or with a value that no longer opens', async () => {
    const setup = decapRelay();
    const get = await setup.relay(
      new Request(`${RELAY}/auth/refresh?provider=bitbucket&site_id=${SITE_ID}`, { headers: { origin: DECAP_ORIGIN } }),
    );
    expect(await jsonOf(get)).toEqual({ error: 'method_not_allowed', error_description: 'Decap CMS refreshes with POST only.' });
    const foreign = await setup.relay(decapRefresh('s1.x', { origin: 'https://evil.example' }));
    expect(await jsonOf(foreign)).toEqual({
      error: 'origin_not_allowed',
      error_description: 'This request did not come from a site the relay serves (RELAY_ALLOWED_ORIGINS).',
    });
    const spent = await setup.relay(decapRefresh('s1.x'));
    expect(await jsonOf(spent)).toEqual({
      error: 'invalid_grant',
      error_description:
        'This sign-in no longer works here (it expired, was altered, was already used, belongs to another site, or Bitbucket revoked it): sign in again.',
    });
  });

  it.each([
    ['a type that only ends like a form', 'text/x-application/x-www-form-urlencoded', 400],
    ['a type that only starts like a form', 'application/x-www-form-urlencodedx', 400],
    ['a form type, a space, then its charset', 'application/x-www-form-urlencoded ; charset=utf-8', 200],
    ['a form type in capitals', 'Application/X-WWW-Form-Urlencoded', 200],
  ] as const)('/auth/refresh reads the body only of a form: %s (%s)', async (_case, contentType, status) => {
    const setup = decapRelay();
    const sealed = await sealedFor(setup);
    const response = await setup.relay(decapRefresh(sealed, { contentType }));
    expect(response.status).toBe(status);
  });
});
