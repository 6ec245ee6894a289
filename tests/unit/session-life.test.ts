/** The session's life on the core: sign-in, sign-out, other tabs, the expiry warning, refusals. */
import { describe, expect, it } from 'vitest';
import { createAuth } from '../../packages/bitbucket-browser-auth/src/api.ts';
import { createSessionStore, type Credentials } from '../../packages/bitbucket-browser-auth/src/session.ts';
import { createRepositoryCache } from '../../src/repo-cache.ts';
import { createSessionLife } from '../../src/session-life.ts';
import { channelHub, fakeClock, fakeCore } from '../support/core.ts';

const NOW = Date.parse('2026-11-28T12:00:00Z');

function setup(
  credentials: Credentials | null,
  options: { hostname?: string; arrived?: boolean; status?: number; relay?: Response[]; signOutStatus?: number } = {},
) {
  const relayAnswers = [...(options.relay ?? [])];
  const clock = fakeClock(NOW);
  const hub = channelHub();
  const hostname = options.hostname ?? 'localhost';
  const core = fakeCore({
    url: `http://${hostname}:3000/?q=x`,
    clock,
    hub,
    storageKey: 'bitbucket-starter',
    // The relay's /token answers `relay` in turn; the API refuses the token.
    fetch: async (input) =>
      String(input).endsWith('/relay/sign-out')
        ? new Response(null, { status: options.signOutStatus ?? 204 })
        : String(input).endsWith('/relay/token')
          ? (relayAnswers.shift() ?? Response.json({}, { status: 401 }))
          : Response.json({ type: 'error', error: { message: 'Access token expired.' } }, { status: options.status ?? 401 }),
    relay: options.relay ? 'http://localhost:3000/relay' : undefined,
  });
  const { storage } = core;
  const session = createSessionStore(storage, clock.now, 'bitbucket-starter');
  if (credentials) session.saveCredentials(credentials);
  storage.setItem('bitbucket-starter:repositories:v1', '{"user":{"display_name":"A"},"repositories":[]}');
  const events: unknown[] = [];
  const notices: unknown[] = [];
  const auth = createAuth(core.deps);
  const life = createSessionLife(
    {
      auth,
      cache: createRepositoryCache(storage),
      location: core.page,
      now: clock.now,
      setTimer: clock.setTimer,
      arrived: () => options.arrived ?? false,
      renews: options.relay !== undefined,
    },
    {
      signedIn: (s, fresh) => void events.push(['in', s.kind, fresh]),
      signedOut: (notice, ended) => {
        events.push(['out', notice?.message.id ?? null, ended]);
        notices.push(notice);
      },
      endsIn: (minutes) => void events.push(['ends in', minutes]),
    },
  );
  return {
    life,
    auth,
    session,
    storage,
    events,
    notices,
    navigations: core.navigations,
    posted: hub.posted,
    /** The same app in another tab: its channel. */
    otherTab: hub.open('bitbucket-starter'),
    advance: clock.advance,
    pendingTimers: clock.pending,
  };
}

const bearer = (expiresIn: number): Credentials => ({ kind: 'bearer', accessToken: 'tok', expiresAt: NOW + expiresIn, scopes: [] });

describe('session life', () => {
  it('starts signed in with stored credentials; "fresh" right after the callback', () => {
    const plain = setup(bearer(3600e3));
    plain.life.start();
    expect(plain.events).toEqual([['in', 'oauth', false]]);
    const arrived = setup(bearer(3600e3), { arrived: true });
    arrived.life.start();
    expect(arrived.events).toEqual([['in', 'oauth', true]]);
  });

  it('starts signed out without credentials, and the cached list goes', () => {
    const { life, events, storage } = setup(null);
    life.start();
    expect(events).toEqual([['out', null, false]]);
    expect(storage.size).toBe(0);
  });

  it('signIn stores a one-time state and goes to the authorize URL with the way back', () => {
    const { life, navigations, storage } = setup(null);
    life.start();
    life.signIn();
    const url = new URL(navigations[0] ?? '');
    expect(url.searchParams.get('response_type')).toBe('token');
    expect(storage.getItem('bitbucket-starter:pending-sign-in')).toContain('"returnTo":"/?q=x"');
  });

  it('signIn refused over plain http elsewhere: signed out with the reason, naming the host', () => {
    const { life, events, notices, navigations } = setup(null, { hostname: 'app.example' });
    life.start();
    life.signIn();
    expect(navigations).toEqual([]);
    expect(events.at(-1)).toEqual(['out', 'INSECURE_ORIGIN', false]);
    expect(notices.at(-1)).toEqual({ kind: 'alert', message: { id: 'INSECURE_ORIGIN', slots: { host: 'app.example' } } });
  });

  it('an API token signs in at once and is kept as HTTP Basic credentials', () => {
    const { life, events, session } = setup(null);
    life.start();
    life.signInWithApiToken('ada@example.com', 'secret');
    expect(events.at(-1)).toEqual(['in', 'api-token', true]);
    expect(session.credentials()).toEqual({ kind: 'basic', email: 'ada@example.com', apiToken: 'secret' });
  });

  it('signOut clears the session and the cached list, and tells the other tabs', () => {
    const { life, events, storage, posted } = setup(bearer(3600e3));
    life.start();
    life.signOut();
    expect(events.at(-1)).toEqual(['out', 'SIGNED_OUT', true]);
    expect(storage.size).toBe(0);
    expect(posted).toEqual(['signed-out']);
  });

  it('a sign-out the relay could not hear of leaves the tab signed out, and the user is told its session may live on', async () => {
    const confirmed = setup(bearer(3600e3), { relay: [], signOutStatus: 204 });
    confirmed.life.start();
    await confirmed.life.signOut();
    expect(confirmed.events.at(-1)).toEqual(['out', 'SIGNED_OUT', true]);
    const unheard = setup(bearer(3600e3), { relay: [], signOutStatus: 502 });
    unheard.life.start();
    await unheard.life.signOut();
    expect(unheard.events.slice(-2)).toEqual([
      ['out', 'SIGNED_OUT', true],
      ['out', 'SIGN_OUT_INCOMPLETE', false],
    ]);
    expect(unheard.notices.at(-1)).toEqual({ kind: 'alert', message: { id: 'SIGN_OUT_INCOMPLETE' } });
    expect(unheard.session.credentials()).toBeNull();
  });

  it('a sign-out in another tab ends this one, without echoing it back', () => {
    const { life, events, otherTab, posted, session } = setup(bearer(3600e3));
    life.start();
    otherTab.postMessage('signed-out');
    expect(events.at(-1)).toEqual(['out', 'SIGNED_OUT_ELSEWHERE', true]);
    expect(session.credentials()).toBeNull();
    expect(posted).toEqual(['signed-out']);
  });

  it('warns in the last five minutes, minute by minute, and ends the session at expiry', () => {
    const { life, events, advance, pendingTimers } = setup(bearer(10 * 60e3));
    life.start();
    expect(events).toEqual([['in', 'oauth', false]]);
    advance(5 * 60e3);
    expect(events.at(-1)).toEqual(['ends in', 5]);
    advance(60e3);
    expect(events.at(-1)).toEqual(['ends in', 4]);
    advance(4 * 60e3);
    expect(events.at(-1)).toEqual(['out', 'SESSION_EXPIRED', true]);
    expect(pendingTimers()).toEqual([]);
  });

  it('a refused token ends the session, saying which request was refused; an API token is named as such', async () => {
    const oauth = setup(bearer(3600e3));
    oauth.life.start();
    await expect(oauth.auth.get('/user')).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    expect(oauth.events.at(-1)).toEqual(['out', 'UNAUTHORIZED', true]);
    expect(oauth.notices.at(-1)).toMatchObject({
      kind: 'alert',
      message: { id: 'UNAUTHORIZED', slots: { path: '/2.0/user', status: '401' } },
    });
    const basic = setup({ kind: 'basic', email: 'a@b.c', apiToken: 't' });
    basic.life.start();
    await expect(basic.auth.get('/user')).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    expect(basic.events.at(-1)).toEqual(['out', 'API_TOKEN_REJECTED', true]);
    // Any other refusal is the request's own business: the session stays.
    const forbidden = setup(bearer(3600e3), { status: 403 });
    forbidden.life.start();
    await expect(forbidden.auth.get('/user')).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect(forbidden.events).toEqual([['in', 'oauth', false]]);
  });

  it('only a sign-out message from another tab ends the session, and only a session that is still there', () => {
    const signedIn = setup(bearer(3600e3));
    signedIn.life.start();
    signedIn.otherTab.postMessage('hello');
    expect(signedIn.events).toEqual([['in', 'oauth', false]]);
    const signedOut = setup(null);
    signedOut.life.start();
    signedOut.otherTab.postMessage('signed-out');
    expect(signedOut.events).toEqual([['out', null, false]]);
  });

  it.each([
    ['between two whole minutes', 10 * 60e3 + 30e3, 30e3],
    ['on a whole minute', 10 * 60e3, 60e3],
  ])('the expiry timer wakes at the next whole minute before expiry: %s', (_when, expiresIn, delay) => {
    const { life, pendingTimers } = setup(bearer(expiresIn));
    life.start();
    // The core's own timer waits for the expiry itself.
    expect(pendingTimers().map((timer) => timer.at - NOW)).toEqual([expiresIn, delay]);
  });

  it('with a relay: no warning while renewals work, the view kept through a renewal; a failed one warns, a later one clears it', async () => {
    const token = (expiresIn: number) => Response.json({ access_token: 'tok-2', token_type: 'bearer', expires_in: expiresIn, scope: '' });
    const { life, events, advance } = setup(bearer(10 * 60e3), { relay: [token(3600), Response.json({}, { status: 502 }), token(3600)] });
    life.start();
    // Five minutes before expiry: renewed, not warned; the signed-in view is not shown again.
    advance(5 * 60e3);
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(events).toEqual([
      ['in', 'oauth', false],
      ['ends in', null],
    ]);
    // The next renewal fails (502): now the user is warned.
    advance(55 * 60e3);
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(events.at(-1)).toEqual(['ends in', 5]);
    // The retry works: the warning goes.
    advance(30e3);
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(events.at(-1)).toEqual(['ends in', null]);
    expect(events.filter((event) => (event as unknown[])[0] === 'in')).toHaveLength(1);
  });
});
