/**
 * Renewal through a relay (the `relay` option): a new tab asks at start, a token is renewed at
 * its margin before expiry and once on a 401, one renewal at a time, and what a failed or refused
 * renewal leaves. The relay is a fake answering POST /token and POST /sign-out.
 */
import { describe, expect, it } from 'vitest';
import { createAuth, createBitbucketApi } from '../../packages/bitbucket-browser-auth/src/api.ts';
import { readTokenAnswer, renewalMargin } from '../../packages/bitbucket-browser-auth/src/renewal.ts';
import { createSessionStore, type Credentials } from '../../packages/bitbucket-browser-auth/src/session.ts';
import { createSignIn } from '../../packages/bitbucket-browser-auth/src/sign-in.ts';
import type { AuthEvent, SessionChange } from '../../packages/bitbucket-browser-auth/src/types.ts';
import { channelHub, fakeClock, fakeCore, type FakeCoreOptions } from '../support/core.ts';
import { json } from '../support/fake-fetch.ts';

const NOW = Date.parse('2026-11-28T12:00:00Z');
const RELAY = 'http://localhost:3000/relay';
const API = 'https://api.bitbucket.org/2.0';

type Answer = Response | Error | (() => Response | Promise<Response>);

/** A relay and an API: `/token` answers from `tokens` in turn (the last one again when they run out). */
function setup(
  options: { tokens?: Answer[]; api?: (token: string) => Response; url?: string; stored?: Credentials | null } & FakeCoreOptions = {},
) {
  const { tokens = [], api = () => json({ display_name: 'Ada' }), stored, ...core } = options;
  const requests: Array<{ url: string; init: RequestInit | undefined; authorization: string | null }> = [];
  let served = 0;
  const fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = String(input);
    const authorization = new Headers(init?.headers).get('authorization');
    requests.push({ url, init, authorization });
    if (url === `${RELAY}/token`) {
      const answer = tokens[Math.min(served++, tokens.length - 1)] ?? json({}, 401);
      if (answer instanceof Error) throw answer;
      return typeof answer === 'function' ? answer() : answer.clone();
    }
    if (url === `${RELAY}/sign-out`) return new Response(null, { status: 204 });
    return api(authorization ?? '');
  }) as typeof globalThis.fetch;
  const clock = fakeClock(NOW);
  const events: AuthEvent[] = [];
  const locks: string[] = [];
  const fake = fakeCore({
    clock,
    fetch,
    relay: RELAY,
    sleep: async () => {},
    observe: (event) => void events.push(event),
    lock: (name, task) => {
      locks.push(name);
      return task();
    },
    ...core,
  });
  const store = createSessionStore(fake.storage, clock.now, 'app');
  if (stored) store.saveCredentials(stored);
  const auth = createAuth(fake.deps);
  const changes: Array<[string | null, SessionChange['reason']]> = [];
  const listen = () => auth.onChange((session, change) => void changes.push([session ? String(session.expiresAt) : null, change.reason]));
  const tokenRequests = () => requests.filter((r) => r.url === `${RELAY}/token`);
  return { ...fake, auth, store, requests, tokenRequests, events, changes, listen, locks, clock };
}

const answer = (token: string, expiresIn: number, extra: Record<string, unknown> = {}) =>
  json({ access_token: token, token_type: 'bearer', expires_in: expiresIn, scope: 'account repository', ...extra });
const token = (accessToken: string, lifetimeSeconds: number, obtainedAt = NOW): Credentials => ({
  kind: 'bearer',
  accessToken,
  expiresAt: obtainedAt + lifetimeSeconds * 1000,
  obtainedAt,
  scopes: [],
});
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('at start', () => {
  it('a tab with no token asks the relay, with its header and the cookie, and is signed in with no redirect', async () => {
    const s = setup({ tokens: [answer('tok-new', 3600)] });
    s.listen();
    const session = await s.auth.ready;
    expect(session).toEqual({ kind: 'oauth', expiresAt: NOW + 3600e3, scopes: ['account', 'repository'] });
    const [request] = s.tokenRequests();
    expect(request?.init).toMatchObject({ method: 'POST', credentials: 'include', cache: 'no-store', referrerPolicy: 'no-referrer' });
    expect(new Headers(request?.init?.headers).get('x-bitbucket-relay')).toBe('1');
    expect(request?.init?.body).toBeUndefined();
    expect(s.changes).toEqual([[String(NOW + 3600e3), 'signed-in']]);
    expect(s.navigations).toEqual([]);
    expect(s.locks).toEqual(['app:renew']);
  });

  it('with no session at the relay (401) the tab stays signed out, and says nothing', async () => {
    const s = setup({ tokens: [json({ error: 'no_session' }, 401)] });
    s.listen();
    expect(await s.auth.ready).toBeNull();
    expect(s.changes).toEqual([]);
    expect(s.events).toEqual([{ step: 'renewal', why: 'start', outcome: 'no-session', status: 401 }]);
  });

  it('asks nothing with a token of its own, on the callback page, or without a relay', async () => {
    const own = setup({ stored: token('tok', 3600) });
    expect(await own.auth.ready).not.toBeNull();
    const callback = setup({ url: 'http://localhost:3000/oauth-callback#access_token=x' });
    expect(await callback.auth.ready).toBeNull();
    const none = setup({ relay: undefined });
    expect(await none.auth.ready).toBeNull();
    for (const s of [own, callback, none]) expect(s.tokenRequests()).toEqual([]);
  });
});

describe('before expiry', () => {
  it('renews on a timer only while anyone listens', () => {
    const s = setup({ stored: token('tok-1', 20), tokens: [answer('tok-2', 20)] });
    expect(s.clock.pending()).toEqual([]);
    const stop = s.listen();
    expect(s.clock.pending().length).toBeGreaterThan(0);
    stop();
    expect(s.clock.pending()).toEqual([]);
    s.clock.advance(20_000);
    expect(s.tokenRequests()).toEqual([]);
  });

  it('renews at a quarter of the lifetime before expiry (20 s tokens: at 15 s), again and again, the session never ending', async () => {
    const s = setup({ stored: token('tok-1', 20), tokens: [answer('tok-2', 20), answer('tok-3', 20)] });
    s.listen();
    s.clock.advance(14_999);
    expect(s.tokenRequests()).toHaveLength(0);
    s.clock.advance(1);
    await settle();
    expect(s.tokenRequests()).toHaveLength(1);
    expect(s.changes).toEqual([[String(NOW + 35_000), 'renewed']]);
    s.clock.advance(15_000);
    await settle();
    expect(s.changes.map(([, reason]) => reason)).toEqual(['renewed', 'renewed']);
    expect(JSON.parse(s.storage.getItem('app:session') ?? '{}')).toMatchObject({ accessToken: 'tok-3' });
    expect(s.events.filter((e) => e.step === 'renewal')).toEqual([
      { step: 'renewal', why: 'expiring', outcome: 'renewed', status: 200, expiresAt: NOW + 35_000 },
      { step: 'renewal', why: 'expiring', outcome: 'renewed', status: 200, expiresAt: NOW + 50_000 },
    ]);
    expect(JSON.stringify(s.events)).not.toMatch(/tok-/);
  });

  it('renews an hour’s token five minutes before it expires', () => {
    expect(renewalMargin(token('t', 3600) as Extract<Credentials, { kind: 'bearer' }>)).toBe(300_000);
    expect(renewalMargin(token('t', 20) as Extract<Credentials, { kind: 'bearer' }>)).toBe(5_000);
    // A session an older version kept does not say when its token came: five minutes.
    expect(renewalMargin({ kind: 'bearer', accessToken: 't', expiresAt: NOW, scopes: [] })).toBe(300_000);
  });

  it('when the relay cannot be reached, tells the listeners, tries again a while later, and renews then', async () => {
    const s = setup({ stored: token('tok-1', 3600), tokens: [new TypeError('offline'), answer('tok-2', 3600)] });
    s.listen();
    s.clock.advance(3300e3);
    await settle();
    expect(s.changes).toEqual([[String(NOW + 3600e3), 'renewal-failed']]);
    s.clock.advance(29_999);
    expect(s.tokenRequests()).toHaveLength(1);
    s.clock.advance(1);
    await settle();
    expect(s.tokenRequests()).toHaveLength(2);
    expect(s.changes.at(-1)).toEqual([String(NOW + 3330e3 + 3600e3), 'renewed']);
  });

  it('with less than a minute left, tries again halfway to the expiry', async () => {
    const s = setup({ stored: token('tok-1', 20), tokens: [new TypeError('offline'), answer('tok-2', 20)] });
    s.listen();
    s.clock.advance(15_000);
    await settle();
    // 5 s were left: the next try comes 2.5 s later.
    s.clock.advance(2_499);
    expect(s.tokenRequests()).toHaveLength(1);
    s.clock.advance(1);
    await settle();
    expect(s.tokenRequests()).toHaveLength(2);
    expect(s.changes.at(-1)).toEqual([String(NOW + 17_500 + 20_000), 'renewed']);
  });

  it('an API call renews first when the token is within its margin, but not again after that renewal failed', async () => {
    const s = setup({ stored: token('tok-1', 20), tokens: [answer('tok-2', 20)] });
    // Nobody listens, so no timer: only the call renews. At the margin exactly (5 s left), it does.
    s.clock.advance(15_000);
    await s.auth.get('/user');
    expect(s.requests.map((r) => r.url)).toEqual([`${RELAY}/token`, `${API}/user`]);
    expect(s.requests[1]?.authorization).toBe('Bearer tok-2');
    const failing = setup({ stored: token('tok-1', 20), tokens: [new TypeError('offline')] });
    failing.clock.advance(14_999);
    await failing.auth.get('/user');
    expect(failing.tokenRequests()).toHaveLength(0);
    failing.clock.advance(1);
    await failing.auth.get('/user');
    await failing.auth.get('/user');
    expect(failing.tokenRequests()).toHaveLength(1);
    expect(failing.requests.filter((r) => r.url === `${API}/user`)).toHaveLength(3);
  });

  it('when the relay has no session any more, does not ask again: the session ends at its expiry', async () => {
    const s = setup({ stored: token('tok-1', 20), tokens: [json({ error: 'no_session' }, 401)] });
    s.listen();
    s.clock.advance(15_000);
    await settle();
    expect(s.changes).toEqual([[String(NOW + 20_000), 'renewal-failed']]);
    s.clock.advance(5_000);
    await settle();
    expect(s.tokenRequests()).toHaveLength(1);
    expect(s.changes.at(-1)).toEqual([null, 'expired']);
  });

  it.each([
    ['a lifetime past nine digits', { expires_in: 1e300 }],
    ['a lifetime as text', { expires_in: '3600' }],
    ['a token with a space', { access_token: 'a b' }],
    ['no token', { access_token: undefined }],
    ['another token type', { token_type: 'mac' }],
    ['scopes that are no text', { scope: ['account'] }],
  ])('an answer with %s is no token: the renewal failed', async (_case, extra) => {
    const s = setup({ stored: token('tok-1', 20), tokens: [answer('tok-2', 20, extra)] });
    s.listen();
    s.clock.advance(15_000);
    await settle();
    expect(s.changes).toEqual([[String(NOW + 20_000), 'renewal-failed']]);
    expect(s.events.at(-1)).toEqual({ step: 'renewal', why: 'expiring', outcome: 'failed', status: 200 });
  });

  it('reads a good answer as the token, its expiry and its scopes, also without scopes', () => {
    expect(readTokenAnswer({ access_token: 'a', token_type: 'Bearer', expires_in: 60 }, NOW)).toEqual({
      kind: 'bearer',
      accessToken: 'a',
      expiresAt: NOW + 60_000,
      obtainedAt: NOW,
      scopes: [],
    });
    expect(readTokenAnswer(null, NOW)).toBeNull();
    expect(readTokenAnswer('a', NOW)).toBeNull();
  });
});

describe('the API with a relay', () => {
  const bearerOnly = (accepted: string) => (authorization: string) =>
    authorization === `Bearer ${accepted}`
      ? json({ display_name: 'Ada' })
      : json({ type: 'error', error: { message: 'Access token expired.' } }, 401);

  it('renews first when the token is within its margin, then asks with the new one', async () => {
    const s = setup({ stored: token('tok-1', 20), tokens: [answer('tok-2', 20)], api: bearerOnly('tok-2') });
    s.clock.advance(16_000);
    expect(await s.auth.get('/user')).toEqual({ display_name: 'Ada' });
    expect(s.requests.map((r) => [r.url.replace(RELAY, 'relay').replace(API, 'api'), r.authorization])).toEqual([
      ['relay/token', null],
      ['api/user', 'Bearer tok-2'],
    ]);
  });

  it('answers a 401 with one renewal and one more try; a second 401 ends the session', async () => {
    const s = setup({ stored: token('tok-1', 3600), tokens: [answer('tok-2', 3600)], api: bearerOnly('tok-2') });
    s.listen();
    expect(await s.auth.get('/user')).toEqual({ display_name: 'Ada' });
    expect(s.events.filter((e) => e.step === 'renewal')).toMatchObject([{ why: 'refused', outcome: 'renewed' }]);
    const refused = setup({ stored: token('tok-1', 3600), tokens: [answer('tok-2', 3600)], api: bearerOnly('never') });
    refused.listen();
    await expect(refused.auth.get('/user')).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    expect(refused.tokenRequests()).toHaveLength(1);
    expect(refused.changes.map(([, reason]) => reason)).toEqual(['renewed', 'refused']);
  });

  it('ends the session on a 401 when the relay has none either', async () => {
    const s = setup({ stored: token('tok-1', 3600), tokens: [json({}, 401)], api: bearerOnly('never') });
    s.listen();
    await expect(s.auth.get('/user')).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    expect(s.changes).toEqual([[null, 'refused']]);
  });

  it('makes one renewal for many requests at once, and for two instances on the same storage', async () => {
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    const s = setup({ stored: token('tok-1', 20), tokens: [async () => (await held, answer('tok-2', 20))], api: bearerOnly('tok-2') });
    const other = createSignIn(s.deps);
    s.clock.advance(16_000);
    const answers = Promise.all([s.auth.get('/user'), s.auth.get('/user'), createBitbucketApi(other).get('/user')]);
    await settle();
    release();
    expect(await answers).toHaveLength(3);
    expect(s.tokenRequests()).toHaveLength(1);
  });

  it('signs out at the relay too, with its header and the cookie, under the renewal lock, and says it did', async () => {
    const s = setup({ stored: token('tok-1', 3600) });
    s.listen();
    const done = s.auth.signOut();
    // The tab is signed out at once, before the relay answers.
    expect(s.auth.getSession()).toBeNull();
    expect(s.changes).toEqual([[null, 'signed-out']]);
    expect(await done).toBe(true);
    const signOuts = s.requests.filter((r) => r.url === `${RELAY}/sign-out`);
    expect(signOuts).toHaveLength(1);
    expect(signOuts[0]?.init).toMatchObject({ method: 'POST', credentials: 'include', keepalive: true, redirect: 'error' });
    expect(signOuts[0]?.init?.signal).toBeInstanceOf(AbortSignal);
    expect(new Headers(signOuts[0]?.init?.headers).get('x-bitbucket-relay')).toBe('1');
    expect(s.locks).toEqual(['app:renew']);
  });

  it("tries the relay twice, and says when it could not end the relay's session; the tab is signed out whatever it answers", async () => {
    for (const failure of [() => Promise.reject(new TypeError('offline')), () => json({ error: 'server_error' }, 502)]) {
      let calls = 0;
      const s = setup({
        stored: token('tok-1', 3600),
        fetch: (async () => {
          calls++;
          return failure();
        }) as typeof fetch,
      });
      expect(await s.auth.signOut()).toBe(false);
      expect(calls).toBe(2);
      expect(s.auth.getSession()).toBeNull();
    }
    let calls = 0;
    const second = setup({
      stored: token('tok-1', 3600),
      fetch: (async () => (++calls === 1 ? json({}, 503) : new Response(null, { status: 204 }))) as typeof fetch,
    });
    expect(await second.auth.signOut()).toBe(true);
    expect(calls).toBe(2);
    const none = setup({ relay: undefined, stored: token('tok-1', 3600) });
    expect(await none.auth.signOut()).toBe(true);
    expect(none.requests).toEqual([]);
  });

  it('a renewal under way when the tab signs out does not sign it in again, and the relay hears the sign-out after it', async () => {
    let release: (response: Response) => void = () => {};
    const s = setup({ stored: token('tok-1', 20), tokens: [() => new Promise<Response>((resolve) => (release = resolve))] });
    s.listen();
    s.clock.advance(15_000);
    await settle();
    expect(s.tokenRequests()).toHaveLength(1);
    const done = s.auth.signOut();
    await settle();
    // The relay's answer to /token would set its cookie again: /sign-out waits for it.
    expect(s.requests.map((r) => r.url)).toEqual([`${RELAY}/token`]);
    release(answer('tok-2', 20));
    expect(await done).toBe(true);
    expect(s.requests.map((r) => r.url)).toEqual([`${RELAY}/token`, `${RELAY}/sign-out`]);
    expect(s.auth.getSession()).toBeNull();
    expect(s.store.credentials()).toBeNull();
    expect(s.changes).toEqual([[null, 'signed-out']]);
    expect(s.events).toContainEqual({ step: 'renewal', why: 'expiring', outcome: 'signed-out', status: 200 });
  });

  it('nor does one under way in a tab that hears of a sign-out in another, even a tab that had no token yet', async () => {
    for (const stored of [token('tok-1', 20), null]) {
      const hub = channelHub();
      let release: (response: Response) => void = () => {};
      const there = setup({ hub, stored, tokens: [() => new Promise<Response>((resolve) => (release = resolve))] });
      there.listen();
      // A 20-second token is renewed at 15 s; a tab with none asks at start.
      if (stored) there.clock.advance(15_000);
      await settle();
      expect(there.tokenRequests()).toHaveLength(1);
      const here = setup({ hub, relay: undefined });
      await here.auth.signOut();
      release(answer('tok-2', 20));
      await there.auth.ready;
      await settle();
      expect(there.auth.getSession()).toBeNull();
      expect(there.store.credentials()).toBeNull();
      expect(there.changes.filter(([, reason]) => reason !== 'signed-out-elsewhere')).toEqual([]);
    }
  });
});
