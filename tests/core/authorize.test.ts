import { describe, expect, it } from 'vitest';
import {
  buildAuthorizeUrl,
  homeOf,
  SignInError,
  startSignIn,
  type PageLocation,
} from '../../packages/bitbucket-browser-auth/src/authorize.ts';
import { isLoopback, sameOriginPath } from '../../packages/bitbucket-browser-auth/src/return-path.ts';
import { createSessionStore } from '../../packages/bitbucket-browser-auth/src/session.ts';
import { memoryStorage } from '../support/memory-storage.ts';

describe('buildAuthorizeUrl', () => {
  it('carries client_id, response_type=token, redirect_uri and state, keeping the URL’s own query', () => {
    const url = buildAuthorizeUrl({
      authorizeUrl: 'https://auth.example/site/oauth2/authorize?tenant=1',
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

describe('isLoopback', () => {
  it.each(['localhost', '[::1]', '127.0.0.1', '127.1.22.255'])('%s is this machine', (host) => {
    expect(isLoopback(host)).toBe(true);
  });
  it.each([
    'app.example',
    'localhost.example',
    '127.0.0.1.evil.example',
    'evil.127.0.0.1',
    '127.0.0.1000',
    '127.0.0',
    '127.0.0.',
    '128.0.0.1',
    '::1',
    '',
  ])('%j is not', (host) => {
    expect(isLoopback(host)).toBe(false);
  });
});

describe('homeOf', () => {
  it.each([
    ['http://localhost:3000/oauth-callback', '/'],
    ['https://app.example/starter/oauth-callback', '/starter/'],
    ['https://app.example/auth/callback?x=1', '/auth/'],
  ])('the home of %s is %s', (redirectUri, home) => {
    expect(homeOf(redirectUri)).toBe(home);
  });
});

describe('startSignIn', () => {
  const page: PageLocation = {
    origin: 'http://localhost:3000',
    protocol: 'http:',
    hostname: 'localhost',
    pathname: '/',
    search: '?q=web',
    hash: '#top',
  };
  const setup = () => {
    const storage = memoryStorage();
    const session = createSessionStore(storage, () => 1000, 'app');
    const filled: number[] = [];
    const random = (bytes: Uint8Array) => {
      filled.push(bytes.length);
      return bytes.fill(7);
    };
    return { storage, session, filled, random };
  };
  const start = (overrides: Partial<Parameters<typeof startSignIn>[0]> = {}) => {
    const { session, random, storage, filled } = setup();
    const run = () =>
      startSignIn({
        authorizeUrl: 'https://bitbucket.org/site/oauth2/authorize',
        clientId: 'KEY',
        redirectUri: 'http://localhost:3000/oauth-callback',
        page,
        session,
        random,
        now: () => 1000,
        ...overrides,
      });
    return { run, session, storage, filled };
  };

  it('stores a one-time state of 256 random bits with the page to return to, and builds the URL', () => {
    const { run, session, filled } = start();
    const url = run();
    expect(filled).toEqual([32]);
    const state = url.searchParams.get('state');
    expect(state).toMatch(/^[\w-]{43}$/);
    expect(url.searchParams.get('redirect_uri')).toBe('http://localhost:3000/oauth-callback');
    expect(url.searchParams.get('response_type')).toBe('token');
    expect(session.takePending()).toEqual({ state, returnTo: '/?q=web#top', createdAt: 1000 });
  });

  it('returns to the path it is given, when it is a path of this origin', () => {
    const { run, session } = start({ returnTo: '/repos?q=x' });
    run();
    expect(session.takePending()?.returnTo).toBe('/repos?q=x');
  });

  it.each(['https://evil.example/', '//evil.example/', 'javascript:alert(1)'])(
    'returns to the home of the callback instead of %s',
    (returnTo) => {
      const { run, session } = start({ returnTo, redirectUri: 'http://localhost:3000/starter/oauth-callback' });
      run();
      expect(session.takePending()?.returnTo).toBe('/starter/');
    },
  );

  it.each([
    ['plain http away from this machine', { page: { ...page, origin: 'http://app.example', hostname: 'app.example' } }, 'INSECURE_ORIGIN'],
    ['no client id', { clientId: '' }, 'NOT_CONFIGURED'],
    ['a callback on another origin', { redirectUri: 'http://localhost:4000/oauth-callback' }, 'REDIRECT_URI_ORIGIN'],
  ] as const)('refuses %s, and stores nothing', (_case, overrides, code) => {
    const { run, storage } = start(overrides);
    expect(run).toThrow(expect.objectContaining({ name: 'SignInError', code }));
    expect(run).toThrow(SignInError);
    expect(storage.size).toBe(0);
  });

  it('allows plain http on 127.0.0.1, and any https origin', () => {
    expect(() =>
      start({ page: { ...page, origin: 'http://127.0.0.1:3000', hostname: '127.0.0.1' }, redirectUri: 'http://127.0.0.1:3000/cb' }).run(),
    ).not.toThrow();
    const https = { ...page, origin: 'https://app.example', protocol: 'https:', hostname: 'app.example' };
    expect(start({ page: https, redirectUri: 'https://app.example/starter/oauth-callback' }).run().searchParams.get('redirect_uri')).toBe(
      'https://app.example/starter/oauth-callback',
    );
  });

  it('returns to the app’s home, not to another host, from a path that a browser reads as one', () => {
    const https = {
      ...page,
      origin: 'https://app.example',
      protocol: 'https:',
      hostname: 'app.example',
      pathname: '//evil.example/',
      search: '',
      hash: '',
    };
    const { run, session } = start({ page: https, redirectUri: 'https://app.example/starter/oauth-callback' });
    run();
    expect(session.takePending()?.returnTo).toBe('/starter/');
  });
});
