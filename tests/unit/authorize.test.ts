import { describe, expect, it } from 'vitest';
import { buildAuthorizeUrl, callbackUrl, prepareSignIn } from '../../src/authorize.ts';
import { sameOriginPath } from '../../src/return-path.ts';
import { createSessionStore } from '../../src/session.ts';
import { memoryStorage } from '../support/memory-storage.ts';

describe('callbackUrl', () => {
  it.each([
    ['/', 'http://localhost:3000/oauth-callback'],
    ['/starter/', 'http://localhost:3000/starter/oauth-callback'],
  ])('under base %s is %s', (base, expected) => {
    expect(callbackUrl('http://localhost:3000', base)).toBe(expected);
  });
});

describe('buildAuthorizeUrl', () => {
  it('carries client_id, response_type=token, redirect_uri and state, keeping the URL’s own query', () => {
    const url = buildAuthorizeUrl({
      authorizeUrl: new URL('https://auth.example/site/oauth2/authorize?tenant=1'),
      clientId: 'KEY',
      redirectUri: 'https://app.example/oauth-callback',
      state: 'abc',
    });
    expect(url.origin + url.pathname).toBe('https://auth.example/site/oauth2/authorize');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      tenant: '1',
      client_id: 'KEY',
      response_type: 'token',
      redirect_uri: 'https://app.example/oauth-callback',
      state: 'abc',
    });
  });
});

describe('sameOriginPath', () => {
  const origin = 'https://app.example';
  it.each([
    ['/', '/'],
    ['/?q=api&sort=name', '/?q=api&sort=name'],
    ['/starter/#x', '/starter/#x'],
    ['//evil.example/', '/fallback'],
    ['/\\evil.example/', '/fallback'],
    ['https://evil.example/', '/fallback'],
    ['javascript:alert(1)', '/fallback'],
    ['', '/fallback'],
    ['relative/path', '/fallback'],
    ['relative/', '/fallback'],
    ['/a//b?c=d', '/a//b?c=d'],
    ['/.//evil.example/', '/fallback'],
    ['/a/..//evil.example', '/fallback'],
    ['/%2e//evil.example', '/fallback'],
    ['/./\\evil.example', '/fallback'],
  ])('%j → %j', (target, expected) => {
    expect(sameOriginPath(target, origin, '/fallback')).toBe(expected);
  });
});

describe('prepareSignIn', () => {
  const location = { origin: 'http://localhost:3000', protocol: 'http:', hostname: 'localhost', pathname: '/', search: '?q=web' };
  const setup = () => {
    const storage = memoryStorage();
    const session = createSessionStore(storage, () => 1000);
    const filled: number[] = [];
    const random = (bytes: Uint8Array<ArrayBuffer>) => {
      filled.push(bytes.length);
      bytes.fill(7);
      return bytes;
    };
    return { storage, session, filled, random };
  };

  it('stores a one-time state of 256 random bits with the path to return to, and builds the URL', () => {
    const { session, filled, random } = setup();
    const result = prepareSignIn({
      authorizeUrl: new URL('https://bitbucket.org/site/oauth2/authorize'),
      clientId: 'KEY',
      location,
      base: '/',
      session,
      random,
      now: () => 1000,
    });
    expect(filled).toEqual([32]);
    expect(result.ok).toBe(true);
    const url = result.ok ? result.url : new URL('about:blank');
    const state = url.searchParams.get('state');
    expect(state).toMatch(/^[\w-]{43}$/);
    expect(url.searchParams.get('redirect_uri')).toBe('http://localhost:3000/oauth-callback');
    expect(url.searchParams.get('response_type')).toBe('token');
    expect(session.takePending()).toEqual({ state, returnTo: '/?q=web', createdAt: 1000 });
  });

  it('refuses plain http away from localhost, and stores nothing', () => {
    const { session, random, storage } = setup();
    const result = prepareSignIn({
      authorizeUrl: new URL('https://bitbucket.org/site/oauth2/authorize'),
      clientId: 'KEY',
      location: { ...location, origin: 'http://app.example', hostname: 'app.example' },
      base: '/',
      session,
      random,
      now: () => 1000,
    });
    expect(result).toEqual({ ok: false, code: 'INSECURE_ORIGIN' });
    expect(storage.size).toBe(0);
  });

  it('allows plain http on 127.0.0.1', () => {
    const { session, random } = setup();
    const result = prepareSignIn({
      authorizeUrl: new URL('https://x.example/a'),
      clientId: 'KEY',
      location: { ...location, origin: 'http://127.0.0.1:3000', hostname: '127.0.0.1' },
      base: '/',
      session,
      random,
      now: () => 1,
    });
    expect(result.ok).toBe(true);
  });

  it('refuses without a client id', () => {
    const { session, random } = setup();
    expect(
      prepareSignIn({ authorizeUrl: new URL('https://x.example/a'), clientId: '', location, base: '/', session, random, now: () => 1 }),
    ).toEqual({ ok: false, code: 'NOT_CONFIGURED' });
  });
});

describe('prepareSignIn, where it may start', () => {
  const setup = () => {
    const storage = memoryStorage();
    const session = createSessionStore(storage, () => 1000);
    return { storage, session, random: (bytes: Uint8Array<ArrayBuffer>) => bytes.fill(7) };
  };
  const start = (location: Parameters<typeof prepareSignIn>[0]['location'], base = '/') => {
    const { session, random } = setup();
    const result = prepareSignIn({
      authorizeUrl: new URL('https://bitbucket.org/site/oauth2/authorize'),
      clientId: 'KEY',
      location,
      base,
      session,
      random,
      now: () => 1000,
    });
    return { result, pending: session.takePending() };
  };

  it('signs in from any https origin', () => {
    const { result, pending } = start(
      {
        origin: 'https://app.example',
        protocol: 'https:',
        hostname: 'app.example',
        pathname: '/starter/',
        search: '?q=x',
      },
      '/starter/',
    );
    expect(result.ok && result.url.searchParams.get('redirect_uri')).toBe('https://app.example/starter/oauth-callback');
    expect(pending?.returnTo).toBe('/starter/?q=x');
  });

  it('returns to the app’s base, not to another host, from a path that a browser reads as one', () => {
    const { result, pending } = start(
      { origin: 'https://app.example', protocol: 'https:', hostname: 'app.example', pathname: '//evil.example/', search: '' },
      '/starter/',
    );
    expect(result.ok).toBe(true);
    expect(pending?.returnTo).toBe('/starter/');
  });
});
