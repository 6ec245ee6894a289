// @vitest-environment jsdom
/** The core's browser edge in a page (jsdom): its defaults, and the options it refuses. */
import { beforeEach, describe, expect, it, vi } from 'vitest';

/** A fresh copy of the package, as a new page load would have. */
async function core() {
  vi.resetModules();
  return import('../../packages/bitbucket-browser-auth/src/index.ts');
}

const options = { clientId: 'KEY', redirectUri: 'http://localhost:3000/oauth-callback' };

beforeEach(() => {
  sessionStorage.clear();
  localStorage.clear();
  history.replaceState(null, '', '/');
});

describe('createBitbucketAuth in a page', () => {
  it('keeps the session in sessionStorage under its own prefix, and reads the callback from the address bar, which it clears', async () => {
    const { createBitbucketAuth } = await core();
    const auth = createBitbucketAuth(options);
    sessionStorage.setItem(
      'bitbucket-browser-auth:pending-sign-in',
      JSON.stringify({ state: 's1', returnTo: '/repos?q=x', createdAt: Date.now() }),
    );
    history.replaceState({ kept: true }, '', '/oauth-callback?from=app#access_token=tok-abc&token_type=bearer&expires_in=60&state=s1');
    const outcome = await auth.handleCallback();
    expect(outcome).toEqual({ ok: true, returnTo: '/repos?q=x' });
    expect(location.href).toBe('http://localhost:3000/oauth-callback');
    // The history entry's own state is left as it was.
    expect(history.state).toEqual({ kept: true });
    expect(JSON.parse(sessionStorage.getItem('bitbucket-browser-auth:session') ?? '{}')).toMatchObject({ accessToken: 'tok-abc' });
    expect(localStorage.length).toBe(0);
    expect(auth.getSession()?.kind).toBe('oauth');
  });

  it('asks Bitbucket’s own API by default, through the page’s fetch', async () => {
    const { createBitbucketAuth } = await core();
    const fetch = vi.fn(async () => Response.json({ display_name: 'Ada' }));
    vi.stubGlobal('fetch', fetch);
    try {
      const auth = createBitbucketAuth(options);
      auth.signInWithApiToken('ada@example.com', 'secret');
      expect(await auth.get('/user')).toEqual({ display_name: 'Ada' });
      expect(String((fetch.mock.calls[0] as unknown[])[0])).toBe('https://api.bitbucket.org/2.0/user');
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it('signs out this page and tells the app’s other pages on a channel named by its prefix', async () => {
    const { createBitbucketAuth } = await core();
    const heard: unknown[] = [];
    const other = new BroadcastChannel('my-app');
    other.onmessage = ({ data }) => void heard.push(data);
    const auth = createBitbucketAuth({ ...options, storageKey: 'my-app' });
    auth.signInWithApiToken('ada@example.com', 'secret');
    expect(sessionStorage.getItem('my-app:session')).not.toBeNull();
    auth.signOut();
    expect(sessionStorage.getItem('my-app:session')).toBeNull();
    await vi.waitFor(() => expect(heard).toEqual(['signed-out']));
    other.close();
  });

  it('without the API part for a callback page', async () => {
    const { createBitbucketSignIn } = await core();
    const auth = createBitbucketSignIn(options);
    expect(Object.keys(auth).sort()).toEqual([
      'getSession',
      'handleCallback',
      'onChange',
      'ready',
      'signIn',
      'signInWithApiToken',
      'signOut',
    ]);
  });

  it.each([
    ['redirectUri', { redirectUri: '/oauth-callback' }],
    ['redirectUri', { redirectUri: 'https://app.example/oauth-callback#x' }],
    ['authorizeUrl', { authorizeUrl: 'http://bitbucket.org/site/oauth2/authorize' }],
    ['authorizeUrl', { authorizeUrl: 'https://user:pass@relay.example/authorize' }],
    ['apiUrl', { apiUrl: 'ftp://api.example/2.0' }],
    ['apiUrl', { apiUrl: 'https://api.example/2.0#x' }],
  ])('refuses %s %j with a TypeError that names it', async (option, bad) => {
    const { createBitbucketAuth } = await core();
    expect(() => createBitbucketAuth({ ...options, ...bad })).toThrow(new RegExp(`^bitbucket-browser-auth: ${option} must be`));
    expect(() => createBitbucketAuth({ ...options, ...bad })).toThrow(TypeError);
  });

  it('takes a callback on plain http anywhere (signIn refuses it there, with a code to explain)', async () => {
    const { createBitbucketSignIn } = await core();
    const auth = createBitbucketSignIn({ ...options, redirectUri: 'http://app.example/oauth-callback' });
    expect(() => auth.signIn()).toThrow(expect.objectContaining({ code: 'REDIRECT_URI_ORIGIN' }));
  });

  it('accepts https anywhere and plain http on this machine, and an API base with a trailing slash', async () => {
    const { createBitbucketAuth } = await core();
    const fetch = vi.fn(async () => Response.json({}));
    const auth = createBitbucketAuth({
      ...options,
      authorizeUrl: 'http://127.0.0.1:3100/site/oauth2/authorize',
      apiUrl: 'https://api.example/2.0/',
      fetch,
    });
    auth.signInWithApiToken('a@b.c', 't');
    await auth.get('/user');
    expect(String((fetch.mock.calls[0] as unknown[])[0])).toBe('https://api.example/2.0/user');
  });
});
