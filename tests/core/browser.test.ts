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

describe('the browser edge’s own defaults', () => {
  it('takes a relay relative to the page: its /token asked at start, its /authorize where sign-in goes, trailing slashes dropped', async () => {
    const { createBitbucketAuth } = await core();
    const fetch = vi.fn(async () => Response.json({}, { status: 401 }));
    const visited: string[] = [];
    const auth = createBitbucketAuth({
      ...options,
      relay: '/relay//',
      fetch,
      observe: (event) => void (event.step === 'authorize' && visited.push(event.url)),
    });
    expect(await auth.ready).toBeNull();
    expect(fetch.mock.calls.map((call) => String((call as unknown[])[0]))).toEqual(['http://localhost:3000/relay/token']);
    auth.signIn();
    expect(visited[0]).toMatch(/^http:\/\/localhost:3000\/relay\/authorize\?/);
    // An authorize URL of its own wins over the relay's.
    const chosen = createBitbucketAuth({
      ...options,
      relay: 'http://localhost:3000/relay',
      authorizeUrl: 'https://sso.example/authorize',
      fetch,
      observe: (event) => void (event.step === 'authorize' && visited.push(event.url)),
    });
    chosen.signIn();
    expect(visited[1]).toMatch(/^https:\/\/sso\.example\/authorize\?/);
  });

  it('renews one at a time across the app’s tabs with the browser’s Web Locks, where it has them', async () => {
    const { createBitbucketAuth } = await core();
    const request = vi.fn((_name: string, task: () => Promise<unknown>) => task());
    Object.defineProperty(navigator, 'locks', { value: { request }, configurable: true });
    try {
      const fetch = vi.fn(async () => Response.json({}, { status: 401 }));
      const auth = createBitbucketAuth({ ...options, relay: '/relay', fetch });
      expect(await auth.ready).toBeNull();
      expect(request.mock.calls.map(([name]) => name)).toEqual(['bitbucket-browser-auth:renew']);
      expect(fetch).toHaveBeenCalledTimes(1);
    } finally {
      Reflect.deleteProperty(navigator, 'locks');
    }
  });

  it('drops every trailing slash of the API base', async () => {
    const { createBitbucketAuth } = await core();
    const fetch = vi.fn(async () => Response.json({}));
    const auth = createBitbucketAuth({ ...options, apiUrl: 'https://api.example/2.0//', fetch });
    auth.signInWithApiToken('a@b.c', 't');
    await auth.get('/user');
    expect(String((fetch.mock.calls[0] as unknown[])[0])).toBe('https://api.example/2.0/user');
  });

  it('signs out where the browser has no BroadcastChannel, with no channel', async () => {
    const { createBitbucketAuth } = await core();
    vi.stubGlobal('BroadcastChannel', undefined);
    try {
      const auth = createBitbucketAuth(options);
      auth.signInWithApiToken('a@b.c', 't');
      expect(await auth.signOut()).toBe(true);
      expect(auth.getSession()).toBeNull();
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it('ends the session at its expiry on the page’s own timers', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    try {
      const { createBitbucketAuth } = await core();
      const auth = createBitbucketAuth(options);
      sessionStorage.setItem(
        'bitbucket-browser-auth:pending-sign-in',
        JSON.stringify({ state: 's1', returnTo: '/', createdAt: Date.now() }),
      );
      history.replaceState(null, '', '/oauth-callback#access_token=tok-abc&token_type=bearer&expires_in=60&state=s1');
      expect(await auth.handleCallback()).toMatchObject({ ok: true });
      const changes: string[] = [];
      const stop = auth.onChange((_session, change) => void changes.push(change.reason));
      vi.advanceTimersByTime(59_999);
      expect(changes).toEqual([]);
      vi.advanceTimersByTime(1);
      expect(changes).toEqual(['expired']);
      stop();
    } finally {
      vi.useRealTimers();
    }
  });

  it('waits for the browser to be back online before it asks again, without spending a retry', async () => {
    const { createBitbucketAuth } = await core();
    let online = false;
    const onLine = vi.spyOn(navigator, 'onLine', 'get').mockImplementation(() => online);
    try {
      let calls = 0;
      const fetch = vi.fn(async () => {
        if (++calls === 1) throw new TypeError('Failed to fetch');
        return Response.json({ display_name: 'Ada' });
      });
      const auth = createBitbucketAuth({ ...options, fetch });
      auth.signInWithApiToken('a@b.c', 't');
      const listening = vi.spyOn(window, 'addEventListener');
      const user = auth.get('/user');
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(calls).toBe(1);
      online = true;
      window.dispatchEvent(new Event('online'));
      expect(await user).toEqual({ display_name: 'Ada' });
      expect(calls).toBe(2);
      // Once: no listener is left behind.
      expect(listening).toHaveBeenCalledWith('online', expect.any(Function), { once: true });
      listening.mockRestore();
    } finally {
      onLine.mockRestore();
    }
  });
});
