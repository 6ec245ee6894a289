/**
 * The core put together (createAuth, createSignIn) over fakes: the callback once per page load,
 * the session and its changes, other tabs, and the API's get and list with the session's token.
 */
import { describe, expect, it, vi } from 'vitest';
import { createAuth, createBitbucketApi } from '../../packages/bitbucket-browser-auth/src/api.ts';
import { createSignIn } from '../../packages/bitbucket-browser-auth/src/sign-in.ts';
import type { AuthEvent, BitbucketSignIn, SessionChange } from '../../packages/bitbucket-browser-auth/src/types.ts';
import { CALLBACK_MESSAGES } from '../../packages/bitbucket-browser-auth/src/callback.ts';
import { bad } from '../../packages/bitbucket-browser-auth/src/checks.ts';
import type { ApiError } from '../../packages/bitbucket-browser-auth/src/client.ts';
import { createSessionStore } from '../../packages/bitbucket-browser-auth/src/session.ts';
import { channelHub, fakeClock, fakeCore, type FakeCoreOptions } from '../support/core.ts';
import { abortedBy, apiError, fakeBitbucket, failure, json, repo, type Intercept } from '../support/fake-fetch.ts';
import { memoryStorage } from '../support/memory-storage.ts';

const NOW = Date.parse('2026-11-28T12:00:00Z');
const TOKEN = 'tok-5f4e3d2c1b0a-the-whole-secret';
const answer = (state: string, extra = '') =>
  `#access_token=${TOKEN}&token_type=bearer&expires_in=3600&scope=account%20repository&state=${state}${extra}`;

/** A core over fakes, with what it tells its observer and listeners. */
function setup(options: FakeCoreOptions = {}) {
  const events: AuthEvent[] = [];
  const core = fakeCore({ clock: fakeClock(NOW), observe: (event) => void events.push(event), ...options });
  const changes: Array<[kind: string | null, reason: SessionChange['reason']]> = [];
  const auth = createAuth(core.deps);
  const listen = () => auth.onChange((session, change) => void changes.push([session?.kind ?? null, change.reason]));
  return { ...core, auth, events, changes, listen };
}

/** Starts a sign-in, then comes back to the callback at `hash(state)`. */
function arriveWith(s: ReturnType<typeof setup>, hash: (state: string) => string, returnTo?: string) {
  s.auth.signIn(returnTo === undefined ? {} : { returnTo });
  const state = new URL(s.navigations.at(-1) ?? '').searchParams.get('state') ?? '';
  s.page.href = `http://localhost:3000/oauth-callback${hash(state)}`;
  return state;
}

describe('signIn', () => {
  it('tells the observer of the authorize URL, then sends the browser there, with a fresh state each time', () => {
    const s = setup({ random: (bytes) => bytes.map(() => Math.floor(Math.random() * 256)) });
    const order: string[] = [];
    s.deps.observe = (event) => void order.push(event.step);
    const navigate = s.deps.navigate;
    s.deps.navigate = (url) => {
      order.push('navigate');
      navigate(url);
    };
    const auth = createSignIn(s.deps);
    auth.signIn();
    auth.signIn();
    expect(order).toEqual(['authorize', 'navigate', 'authorize', 'navigate']);
    const [first, second] = s.navigations.map((url) => new URL(url));
    expect(first?.searchParams.get('response_type')).toBe('token');
    expect(first?.searchParams.get('client_id')).toBe('KEY');
    expect(first?.searchParams.get('state')).not.toBe(second?.searchParams.get('state'));
  });

  it('throws a SignInError with a code, and goes nowhere, when it cannot start', () => {
    const s = setup({ url: 'http://app.example/', redirectUri: 'http://app.example/oauth-callback' });
    expect(() => s.auth.signIn()).toThrow(expect.objectContaining({ code: 'INSECURE_ORIGIN' }));
    expect(s.navigations).toEqual([]);
    expect(s.events).toEqual([]);
  });
});

describe('handleCallback', () => {
  it('keeps the token, clears the address once, tells each step with the token reduced, and says where to go back', async () => {
    const s = setup();
    s.listen();
    arriveWith(s, (state) => answer(state), '/repos?q=x');
    const outcome = await s.auth.handleCallback();
    expect(outcome).toEqual({ ok: true, returnTo: '/repos?q=x' });
    expect(s.cleared()).toBe(1);
    expect(s.page.href).toBe('http://localhost:3000/oauth-callback');
    expect(JSON.parse(s.storage.getItem('app:session') ?? '{}')).toEqual({
      kind: 'bearer',
      accessToken: TOKEN,
      expiresAt: NOW + 3600e3,
      obtainedAt: NOW,
      scopes: ['account', 'repository'],
    });
    expect(s.events.map((e) => e.step)).toEqual(['authorize', 'callback', ...Array(10).fill('check'), 'kept']);
    expect(s.events.at(-1)).toEqual({ step: 'kept', key: 'app:session', expiresAt: NOW + 3600e3, scopes: ['account', 'repository'] });
    expect(JSON.stringify(s.events)).not.toContain(TOKEN);
    expect(JSON.stringify(s.events)).toContain('tok-… (33 characters)');
    expect(s.changes).toEqual([['oauth', 'signed-in']]);
    expect(s.auth.getSession()).toEqual({ kind: 'oauth', expiresAt: NOW + 3600e3, scopes: ['account', 'repository'] });
  });

  it('gives the same outcome to every later call in the page load, from this instance or another on the same storage', async () => {
    const s = setup();
    arriveWith(s, (state) => answer(state));
    const first = await s.auth.handleCallback();
    // StrictMode's second effect, or a component that makes its own instance: the state is spent,
    // and the address is clear, but the outcome is the first one.
    expect(await s.auth.handleCallback()).toBe(first);
    expect(await createSignIn(s.deps).handleCallback()).toBe(first);
    expect(first.ok).toBe(true);
    expect(s.cleared()).toBe(1);
    // Another storage is another page load.
    const other = setup();
    other.page.href = 'http://localhost:3000/oauth-callback';
    expect(await other.auth.handleCallback()).toMatchObject({ ok: false, code: 'NO_RESPONSE' });
  });

  it('reads the URL it is given instead of the page’s, and clears the address all the same', async () => {
    const s = setup();
    const state = arriveWith(s, () => '#junk=1');
    expect(await s.auth.handleCallback(`http://localhost:3000/oauth-callback${answer(state)}`)).toMatchObject({ ok: true });
    expect(s.cleared()).toBe(1);
    expect(await setup().auth.handleCallback(new URL(`http://localhost:3000/cb${answer('x')}`))).toMatchObject({
      code: 'NO_PENDING_SIGN_IN',
    });
  });

  it.each([
    ['a wrong state', () => answer('forged'), 'STATE_MISMATCH', undefined],
    [
      'a cancelled consent',
      (state: string) => `#error=access_denied&error_description=No&state=${state}`,
      'ACCESS_DENIED',
      'access_denied',
    ],
    ['the implicit grant refused', () => '?error=unsupported_response_type', 'GRANT_UNSUPPORTED', 'unsupported_response_type'],
  ] as const)('refuses %s: a code, its message, the OAuth error if any; nothing kept', async (_case, hash, code, oauthError) => {
    const s = setup();
    s.listen();
    arriveWith(s, hash);
    const outcome = await s.auth.handleCallback();
    // Strictly: no `oauthError` key at all when Bitbucket sent none.
    expect(outcome).toStrictEqual({ ok: false, code, message: CALLBACK_MESSAGES[code], ...(oauthError ? { oauthError } : {}) });
    expect(s.storage.getItem('app:session')).toBeNull();
    expect(s.storage.getItem('app:pending-sign-in')).toBeNull();
    expect(s.events.at(-1)).toEqual({ step: 'refused', code });
    expect(s.changes).toEqual([]);
    expect(s.auth.getSession()).toBeNull();
  });

  it('has words of its own for every refusal: a sentence each, no two alike', () => {
    const messages = Object.values(CALLBACK_MESSAGES);
    expect(Object.keys(CALLBACK_MESSAGES)).toHaveLength(12);
    for (const message of messages) expect(message).toMatch(/^[A-Z].{8,}\.$/);
    expect(new Set(messages).size).toBe(messages.length);
  });

  it('never sends the user to another origin, whatever the stored sign-in says', async () => {
    const s = setup({ redirectUri: 'http://localhost:3000/starter/oauth-callback' });
    const state = arriveWith(s, (x) => answer(x));
    s.storage.setItem('app:pending-sign-in', JSON.stringify({ state, returnTo: '//evil.example/', createdAt: NOW }));
    expect(await s.auth.handleCallback()).toEqual({ ok: true, returnTo: '/starter/' });
  });

  it('rejects (and does not throw) when the session cannot be kept', async () => {
    const storage = memoryStorage();
    const s = setup({
      storage: { ...storage, setItem: (key, value) => (key.endsWith(':session') ? failWith() : storage.setItem(key, value)) },
    });
    function failWith(): never {
      throw new DOMException('full', 'QuotaExceededError');
    }
    arriveWith(s, (state) => answer(state));
    const outcome = s.auth.handleCallback();
    await expect(outcome).rejects.toThrow('full');
    expect(s.cleared()).toBe(1);
  });
});

describe('the session', () => {
  it('is null, then the same object while it does not change, then null again when it expires', () => {
    const s = setup();
    expect(s.auth.getSession()).toBeNull();
    createSessionStore(s.storage, s.clock.now, 'app').saveCredentials({
      kind: 'bearer',
      accessToken: 't',
      expiresAt: NOW + 1000,
      scopes: ['a'],
    });
    const session = s.auth.getSession();
    expect(session).toEqual({ kind: 'oauth', expiresAt: NOW + 1000, scopes: ['a'] });
    expect(s.auth.getSession()).toBe(session);
    s.clock.advance(1000);
    expect(s.auth.getSession()).toBeNull();
  });

  it('tells its listeners when it expires, watching only while someone listens', () => {
    const s = setup();
    createSessionStore(s.storage, s.clock.now, 'app').saveCredentials({
      kind: 'bearer',
      accessToken: 't',
      expiresAt: NOW + 60e3,
      scopes: [],
    });
    expect(s.clock.pending()).toEqual([]);
    const stop = s.listen();
    expect(s.clock.pending().map((t) => t.at - NOW)).toEqual([60e3]);
    s.clock.advance(60e3);
    expect(s.changes).toEqual([[null, 'expired']]);
    expect(s.clock.pending()).toEqual([]);
    stop();
    expect(s.hub.size).toBe(0);
  });

  it('stops its timer and closes its channel when the last listener leaves', () => {
    const s = setup();
    createSessionStore(s.storage, s.clock.now, 'app').saveCredentials({
      kind: 'bearer',
      accessToken: 't',
      expiresAt: NOW + 60e3,
      scopes: [],
    });
    const first = s.listen();
    const second = s.listen();
    first();
    expect(s.clock.pending()).toHaveLength(1);
    expect(s.hub.size).toBe(1);
    second();
    expect(s.clock.pending()).toEqual([]);
    expect(s.hub.size).toBe(0);
    s.clock.advance(60e3);
    expect(s.changes).toEqual([]);
  });

  it('waits again when the expiry is beyond what one timer can wait', () => {
    const s = setup();
    const far = NOW + 40 * 24 * 3600e3;
    createSessionStore(s.storage, s.clock.now, 'app').saveCredentials({ kind: 'bearer', accessToken: 't', expiresAt: far, scopes: [] });
    s.listen();
    expect(s.clock.pending().map((t) => t.at - NOW)).toEqual([2 ** 31 - 1]);
    s.clock.advance(2 ** 31 - 1);
    expect(s.changes).toEqual([]);
    expect(s.clock.pending().map((t) => t.at)).toEqual([far]);
    s.clock.advance(far - s.clock.now());
    expect(s.changes).toEqual([[null, 'expired']]);
  });

  it('signs out here, tells the other tabs, and each ends its own session once', () => {
    const hub = channelHub();
    const here = setup({ hub });
    const there = setup({ hub });
    for (const tab of [here, there]) {
      createSessionStore(tab.storage, tab.clock.now, 'app').saveCredentials({ kind: 'basic', email: 'a@b.c', apiToken: 't' });
    }
    there.listen();
    here.auth.signOut();
    expect(here.storage.getItem('app:session')).toBeNull();
    expect(hub.posted).toEqual(['signed-out']);
    // Not listening, this instance opened the channel for that one message only.
    expect(hub.size).toBe(1);
    expect(there.changes).toEqual([[null, 'signed-out-elsewhere']]);
    expect(there.storage.getItem('app:session')).toBeNull();
    // A tab with no session has nothing to end; other messages are not a sign-out.
    hub.open('app').postMessage('signed-out');
    hub.open('app').postMessage('hello');
    expect(there.changes).toHaveLength(1);
  });

  it('a tab that signs out keeps listening to the others, and signs in and out again', () => {
    const hub = channelHub();
    const here = setup({ hub });
    here.listen();
    here.auth.signInWithApiToken('a@b.c', 't');
    void here.auth.signOut();
    // Its own channel stayed open (it sent on it): another tab's sign-out still reaches it.
    expect(hub.size).toBe(1);
    here.auth.signInWithApiToken('a@b.c', 't');
    hub.open('app').postMessage('signed-out');
    expect(here.changes.map(([, reason]) => reason)).toEqual(['signed-in', 'signed-out', 'signed-in', 'signed-out-elsewhere']);
  });

  it('tells its listeners of a sign-out elsewhere even when its storage lost the session first', () => {
    const hub = channelHub();
    const s = setup({ hub });
    createSessionStore(s.storage, s.clock.now, 'app').saveCredentials({ kind: 'basic', email: 'a@b.c', apiToken: 't' });
    s.listen();
    expect(s.auth.getSession()).not.toBeNull();
    s.storage.removeItem('app:session');
    hub.open('app').postMessage('signed-out');
    expect(s.changes).toEqual([[null, 'signed-out-elsewhere']]);
  });

  it('hears a sign-out only on its own channel name', () => {
    const hub = channelHub();
    const s = setup({ hub });
    createSessionStore(s.storage, s.clock.now, 'app').saveCredentials({ kind: 'basic', email: 'a@b.c', apiToken: 't' });
    s.listen();
    hub.open('another-app').postMessage('signed-out');
    expect(s.changes).toEqual([]);
  });

  it('takes an API token on this machine only, with both parts', () => {
    const s = setup();
    s.listen();
    s.auth.signInWithApiToken('ada@example.com', 'secret');
    expect(s.auth.getSession()).toEqual({ kind: 'api-token', expiresAt: null, scopes: [] });
    expect(s.changes).toEqual([['api-token', 'signed-in']]);
    expect(() => s.auth.signInWithApiToken('', 'secret')).toThrow(expect.objectContaining({ code: 'API_TOKEN_REFUSED' }));
    expect(() => s.auth.signInWithApiToken('ada@example.com', '')).toThrow(expect.objectContaining({ code: 'API_TOKEN_REFUSED' }));
    const away = setup({ url: 'https://app.example/' });
    expect(() => away.auth.signInWithApiToken('ada@example.com', 'secret')).toThrow(expect.objectContaining({ code: 'API_TOKEN_REFUSED' }));
    expect(away.auth.getSession()).toBeNull();
  });
});

/** A core signed in with a bearer token, its API answered by `fake`. */
function signedIn(fake: ReturnType<typeof fakeBitbucket>, options: FakeCoreOptions = {}) {
  const s = setup({ fetch: fake.fetch, sleep: async () => {}, ...options });
  createSessionStore(s.storage, s.clock.now, 'app').saveCredentials({
    kind: 'bearer',
    accessToken: TOKEN,
    expiresAt: NOW + 3600e3,
    scopes: [],
  });
  s.listen();
  return s;
}

describe('get', () => {
  it('GETs one resource with the token in the Authorization header only, the fields asked for, checked', async () => {
    const fake = fakeBitbucket({});
    const s = signedIn(fake);
    const check = vi.fn((json: unknown, path: string) => ({ name: (json as { display_name: string }).display_name, path }));
    expect(await s.auth.get('/user', { fields: ['display_name', 'links.avatar.href'], check })).toEqual({
      name: 'Ada Lovelace',
      path: '/user',
    });
    const [request] = fake.requests;
    expect(request?.url.href).toBe('https://api.bitbucket.org/2.0/user?fields=display_name%2Clinks.avatar.href');
    expect(request?.headers.get('authorization')).toBe(`Bearer ${TOKEN}`);
    expect(await s.auth.get('/user')).toMatchObject({ display_name: 'Ada Lovelace' });
    expect(fake.requests[1]?.url.search).toBe('');
  });

  it('keeps a query of the path, and checks the answer under the path without it', async () => {
    const fake = fakeBitbucket({});
    const s = signedIn(fake);
    const paths: string[] = [];
    await s.auth.get('/user?x=1', { fields: ['a'], check: (_json, path) => paths.push(path) });
    expect(fake.requests[0]?.url.search).toBe('?x=1&fields=a');
    expect(paths).toEqual(['/user']);
  });

  it('without a session refuses at once, with NO_SESSION, and sends nothing', async () => {
    const fake = fakeBitbucket({});
    const s = setup({ fetch: fake.fetch });
    expect(await failure(s.auth.get('/user?x=1'))).toMatchObject({ code: 'NO_SESSION', path: '/2.0/user?x=1' });
    expect(fake.requests).toEqual([]);
  });

  it('createBitbucketApi takes only what createBitbucketSignIn made, and says so', () => {
    expect(() => createBitbucketApi({} as BitbucketSignIn)).toThrow(
      new TypeError('bitbucket-browser-auth: createBitbucketApi needs what createBitbucketSignIn made.'),
    );
  });

  it('ends the session when Bitbucket refuses the token (401), telling the listeners which request', async () => {
    const fake = fakeBitbucket({}, { intercept: () => apiError(401, 'Access token expired.') });
    const s = signedIn(fake);
    const error = await failure(s.auth.get('/user'));
    expect(error.code).toBe('UNAUTHORIZED');
    expect(s.changes).toEqual([[null, 'refused']]);
    expect(s.auth.getSession()).toBeNull();
    let told: ApiError | undefined;
    const again = signedIn(fakeBitbucket({}, { intercept: () => apiError(401, 'no') }));
    again.auth.onChange((_session, change) => void (told = change.error));
    const refused = await failure(again.auth.get('/user'));
    expect(told).toBe(refused);
  });

  it('leaves the session alone on any other failure', async () => {
    const s = signedIn(fakeBitbucket({}, { intercept: () => apiError(403, 'no') }));
    expect((await failure(s.auth.get('/user'))).code).toBe('FORBIDDEN');
    expect(s.changes).toEqual([]);
    expect(s.auth.getSession()).not.toBeNull();
  });

  it('tells onRetry of each wait, and needs are named in the error', async () => {
    let calls = 0;
    const s = signedIn(
      fakeBitbucket({}, { intercept: () => (++calls === 1 ? new Response('slow', { status: 429 }) : apiError(403, 'no')) }),
    );
    const notices: string[] = [];
    const needs = { oauth: 'Account: Read', apiToken: 'read:user:bitbucket' } as const;
    const error = await failure(s.auth.get('/user', { needs, onRetry: (n) => void notices.push(n.reason) }));
    expect(notices).toEqual(['RATE_LIMITED']);
    expect(error.needs).toEqual(needs);
  });
});

describe('list', () => {
  const values = (n: number) => Array.from({ length: n }, (_, i) => repo('w', i));

  it('yields every value of every page, in order, asking only for the fields named', async () => {
    const fake = fakeBitbucket({ w: values(250) });
    const s = signedIn(fake);
    const names: string[] = [];
    for await (const name of s.auth.list('/repositories/w', {
      fields: ['name', 'links.html.href'],
      check: (v) => (v as { name: string }).name,
    })) {
      names.push(name);
    }
    expect(names).toEqual(values(250).map((r) => r.name));
    const first = fake.requests[0]?.url;
    expect(first?.searchParams.get('pagelen')).toBe('100');
    expect(first?.searchParams.get('fields')).toBe('next,size,page,pagelen,values.name,values.links.html.href');
    expect(fake.requests.map((r) => r.url.searchParams.get('page'))).toEqual([null, '2', '3']);
  });

  it('takes a page length, and without a check yields what came (unknown until checked)', async () => {
    const fake = fakeBitbucket({ w: values(25) });
    const s = signedIn(fake);
    const all: unknown[] = [];
    for await (const value of s.auth.list('/repositories/w', { pagelen: 10 })) all.push(value);
    expect(all).toHaveLength(25);
    expect(fake.requests[0]?.url.search).toBe('?pagelen=10');
  });

  it('stops the requests in flight when the loop ends early', async () => {
    const held: AbortSignal[] = [];
    const intercept: Intercept = (url, request) => {
      if (!url.searchParams.get('page')) return undefined;
      held.push(request.signal as AbortSignal);
      return abortedBy(request.signal);
    };
    const s = signedIn(fakeBitbucket({ w: values(500) }, { intercept }));
    for await (const value of s.auth.list('/repositories/w')) {
      expect(value).toBeDefined();
      break;
    }
    expect(held).toHaveLength(4);
    expect(held.every((signal) => signal.aborted)).toBe(true);
  });

  it('stops when its signal fires, and says so with ABORTED', async () => {
    const controller = new AbortController();
    const intercept: Intercept = (url, request) => (url.searchParams.get('page') ? abortedBy(request.signal) : undefined);
    const s = signedIn(fakeBitbucket({ w: values(500) }, { intercept }));
    const seen: unknown[] = [];
    const run = (async () => {
      for await (const value of s.auth.list('/repositories/w', { signal: controller.signal })) {
        seen.push(value);
        if (seen.length === 100) controller.abort();
      }
    })();
    expect((await failure(run)).code).toBe('ABORTED');
    expect(seen).toHaveLength(100);
  });

  it('yields what came before a bound, then throws the bound', async () => {
    const s = signedIn(fakeBitbucket({ w: values(500) }));
    const seen: unknown[] = [];
    const run = (async () => {
      for await (const value of s.auth.list('/repositories/w', { bounds: { pagesPerList: 2 } })) seen.push(value);
    })();
    const error = await failure(run);
    expect([error.code, error.path]).toEqual(['PAGE_LIMIT', '/repositories/w']);
    expect(seen).toHaveLength(200);
  });

  it('throws the check’s refusal, and a 401 ends the session', async () => {
    const s = signedIn(fakeBitbucket({ w: values(5) }));
    const refused = (async () => {
      for await (const value of s.auth.list('/repositories/w', { check: (_json, path) => bad(path) })) void value;
    })();
    expect(await failure(refused)).toMatchObject({ code: 'BAD_RESPONSE', path: '/repositories/w' });
    expect(s.changes).toEqual([]);
    const gone = signedIn(fakeBitbucket({ w: values(5) }, { intercept: () => json({}, 401) }));
    const list = (async () => {
      for await (const value of gone.auth.list('/repositories/w')) void value;
    })();
    expect((await failure(list)).code).toBe('UNAUTHORIZED');
    expect(gone.changes).toEqual([[null, 'refused']]);
  });
});
