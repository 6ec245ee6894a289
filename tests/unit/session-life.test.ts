/** The session's life on its own: sign-in, sign-out, other tabs, the expiry timer. */
import { describe, expect, it } from 'vitest';
import { readConfig } from '../../src/config.ts';
import { createRepositoryCache } from '../../src/repo-cache.ts';
import { createSessionStore, type Credentials } from '../../src/session.ts';
import { createSessionLife } from '../../src/session-life.ts';
import { memoryStorage } from '../support/memory-storage.ts';

const NOW = Date.parse('2026-11-28T12:00:00Z');

function setup(credentials: Credentials | null, options: { hostname?: string; arrived?: boolean } = {}) {
  let now = NOW;
  const storage = memoryStorage();
  const session = createSessionStore(storage, () => now);
  if (credentials) session.saveCredentials(credentials);
  if (options.arrived) session.markArrived();
  storage.setItem('bitbucket-starter:repositories:v1', '{"user":{"display_name":"A"},"repositories":[]}');
  const hostname = options.hostname ?? 'localhost';
  const config = readConfig({ VITE_BITBUCKET_CLIENT_ID: 'KEY' }, hostname);
  if (!config.ok) throw new Error('bad config');
  const events: unknown[] = [];
  const notices: unknown[] = [];
  const navigations: string[] = [];
  const posted: unknown[] = [];
  const timers: Array<{ at: number; task: () => void; cleared: boolean }> = [];
  const channel = { postMessage: (m: unknown) => void posted.push(m), onmessage: null as ((event: MessageEvent) => void) | null };
  const life = createSessionLife(
    {
      config: config.config,
      session,
      cache: createRepositoryCache(storage),
      location: { origin: `http://${hostname}:3000`, protocol: 'http:', hostname, pathname: '/', search: '?q=x' },
      navigate: (url) => void navigations.push(url),
      now: () => now,
      random: (bytes) => bytes.fill(7),
      base: '/',
      setTimer: (task, ms) => {
        const timer = { at: now + ms, task, cleared: false };
        timers.push(timer);
        return () => void (timer.cleared = true);
      },
      channel,
    },
    {
      signedIn: (c, fresh) => void events.push(['in', c.kind, fresh]),
      signedOut: (notice, ended) => {
        events.push(['out', notice?.message.id ?? null, ended]);
        notices.push(notice);
      },
      endsIn: (minutes) => void events.push(['ends in', minutes]),
    },
  );
  const advance = (ms: number) => {
    now += ms;
    for (const timer of timers.filter((t) => !t.cleared && t.at <= now)) {
      timer.cleared = true;
      timer.task();
    }
  };
  return {
    life,
    session,
    storage,
    events,
    notices,
    navigations,
    posted,
    channel,
    advance,
    pendingTimers: () => timers.filter((t) => !t.cleared),
  };
}

const bearer = (expiresIn: number): Credentials => ({ kind: 'bearer', accessToken: 'tok', expiresAt: NOW + expiresIn, scopes: [] });

describe('session life', () => {
  it('starts signed in with stored credentials; "fresh" right after the callback', () => {
    const plain = setup(bearer(3600e3));
    plain.life.start();
    expect(plain.events).toEqual([['in', 'bearer', false]]);
    const arrived = setup(bearer(3600e3), { arrived: true });
    arrived.life.start();
    expect(arrived.events).toEqual([['in', 'bearer', true]]);
  });

  it('starts signed out without credentials, and the cached list goes', () => {
    const { life, events, storage } = setup(null);
    life.start();
    expect(events).toEqual([['out', null, false]]);
    expect(storage.size).toBe(0);
  });

  it('signIn stores a one-time state and goes to the authorize URL with the way back', async () => {
    const { life, navigations, storage } = setup(null);
    life.start();
    await life.signIn();
    const url = new URL(navigations[0] ?? '');
    expect(url.searchParams.get('response_type')).toBe('token');
    expect(storage.getItem('bitbucket-starter:pending-sign-in')).toContain('"returnTo":"/?q=x"');
  });

  it('signIn refused over plain http elsewhere: signed out with the reason, naming the host', async () => {
    const { life, events, notices, navigations } = setup(null, { hostname: 'app.example' });
    life.start();
    await life.signIn();
    expect(navigations).toEqual([]);
    expect(events.at(-1)).toEqual(['out', 'INSECURE_ORIGIN', false]);
    expect(notices.at(-1)).toEqual({ kind: 'alert', message: { id: 'INSECURE_ORIGIN', slots: { host: 'app.example' } } });
  });

  it('an API token signs in at once and is kept as HTTP Basic credentials', () => {
    const { life, events, session } = setup(null);
    life.start();
    life.signInWithApiToken('ada@example.com', 'secret');
    expect(events.at(-1)).toEqual(['in', 'basic', true]);
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

  it('a sign-out in another tab ends this one, without echoing it back', () => {
    const { life, events, channel, posted, session } = setup(bearer(3600e3));
    life.start();
    channel.onmessage?.(new MessageEvent('message', { data: 'signed-out' }));
    expect(events.at(-1)).toEqual(['out', 'SIGNED_OUT_ELSEWHERE', true]);
    expect(session.credentials()).toBeNull();
    expect(posted).toEqual([]);
  });

  it('warns in the last five minutes, minute by minute, and ends the session at expiry', () => {
    const { life, events, advance, pendingTimers } = setup(bearer(10 * 60e3));
    life.start();
    expect(events).toEqual([['in', 'bearer', false]]);
    advance(5 * 60e3);
    expect(events.at(-1)).toEqual(['ends in', 5]);
    advance(60e3);
    expect(events.at(-1)).toEqual(['ends in', 4]);
    advance(4 * 60e3);
    expect(events.at(-1)).toEqual(['out', 'SESSION_EXPIRED', true]);
    expect(pendingTimers()).toEqual([]);
  });

  it('a refused token ends the session; an API token is named as such', () => {
    const oauth = setup(bearer(3600e3));
    oauth.life.start();
    oauth.life.refused({ id: 'UNAUTHORIZED' });
    expect(oauth.events.at(-1)).toEqual(['out', 'UNAUTHORIZED', true]);
    const basic = setup({ kind: 'basic', email: 'a@b.c', apiToken: 't' });
    basic.life.start();
    basic.life.refused({ id: 'UNAUTHORIZED' });
    expect(basic.events.at(-1)).toEqual(['out', 'API_TOKEN_REJECTED', true]);
  });

  it('only a sign-out message from another tab ends the session, and only a session that is still there', () => {
    const signedIn = setup(bearer(3600e3));
    signedIn.life.start();
    signedIn.channel.onmessage?.(new MessageEvent('message', { data: 'hello' }));
    expect(signedIn.events).toEqual([['in', 'bearer', false]]);
    const signedOut = setup(null);
    signedOut.life.start();
    signedOut.channel.onmessage?.(new MessageEvent('message', { data: 'signed-out' }));
    expect(signedOut.events).toEqual([['out', null, false]]);
  });

  it.each([
    ['between two whole minutes', 10 * 60e3 + 30e3, 30e3],
    ['on a whole minute', 10 * 60e3, 60e3],
  ])('the expiry timer wakes at the next whole minute before expiry: %s', (_when, expiresIn, delay) => {
    const { life, pendingTimers } = setup(bearer(expiresIn));
    life.start();
    expect(pendingTimers().map((timer) => timer.at - NOW)).toEqual([delay]);
  });
});
