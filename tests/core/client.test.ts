import { describe, expect, it } from 'vitest';
import { safeLink } from '../../packages/bitbucket-browser-auth/src/checks.ts';
import { ApiError, backoff, createClient } from '../../packages/bitbucket-browser-auth/src/client.ts';
import { parsePage, parseUser, repositoryParser } from '../../src/api-shapes.ts';
import { API, apiError, failure, fakeFetch, json, repo } from '../support/fake-fetch.ts';

function client(route: Parameters<typeof fakeFetch>[0], extra: Partial<Parameters<typeof createClient>[0]> = {}) {
  const fake = fakeFetch(route);
  const sleeps: number[] = [];
  const notices: string[] = [];
  const raw = createClient({
    apiUrl: API,
    authorization: () => 'Bearer tok',
    fetch: fake.fetch,
    sleep: async (ms) => void sleeps.push(ms),
    random: () => 0.5,
    ...extra,
  });
  // Each request tells of its retries.
  const api = { get: (path: string, options = {}) => raw.get(path, { onRetry: (notice) => void notices.push(notice.reason), ...options }) };
  return { api, requests: fake.requests, sleeps, notices };
}

describe('client requests', () => {
  it('sends the token only in the Authorization header, with no other custom header', async () => {
    const { api, requests } = client(() => json({ display_name: 'Ada' }));
    await api.get('/user');
    const [request] = requests;
    expect(request?.url.href).toBe(`${API}/user`);
    expect(request?.url.search).not.toContain('tok');
    expect([...(request?.headers.keys() ?? [])]).toEqual(['authorization']);
    expect(request?.headers.get('authorization')).toBe('Bearer tok');
  });

  it('follows an absolute next link on the API origin', async () => {
    const { api, requests } = client(() => json({ values: [] }));
    await api.get(`${API}/repositories/w?page=2`);
    expect(requests[0]?.url.href).toBe(`${API}/repositories/w?page=2`);
  });

  it.each(['https://evil.example/2.0/user', 'https://api.bitbucket.org/other/user', 'http://api.bitbucket.org/2.0/user'])(
    'refuses to send the token to %s',
    async (url) => {
      const { api, requests } = client(() => json({}));
      const error = await failure(api.get(url));
      // The error says what was refused without repeating the foreign address into logs.
      expect([error.code, error.path]).toEqual(['BAD_RESPONSE', '(a link outside the API)']);
      expect(requests).toHaveLength(0);
    },
  );
});

describe('client errors', () => {
  it.each([
    [401, 'UNAUTHORIZED'],
    [403, 'FORBIDDEN'],
    [404, 'NOT_FOUND'],
    [410, 'GONE'],
    [400, 'HTTP_ERROR'],
  ] as const)('%d is %s, not retried, with Bitbucket’s message', async (status, code) => {
    const { api, requests } = client(() => apiError(status, 'Nope'));
    const error = await failure(api.get('/user'));
    expect([error.code, error.status, error.detail]).toEqual([code, status, 'Nope']);
    expect(requests).toHaveLength(1);
  });

  it('a 410 is ENDPOINT_REMOVED only when the message starts with CHANGE-2770', async () => {
    const removed = await failure(client(() => apiError(410, 'CHANGE-2770 - Functionality has been deprecated')).api.get('/workspaces'));
    expect(removed.code).toBe('ENDPOINT_REMOVED');
    // The description's own 410 on /repositories/{workspace}: "the account is marked as spam".
    const spam = await failure(client(() => apiError(410, 'This account has been marked as spam')).api.get('/repositories/w'));
    expect(spam.code).toBe('GONE');
    const bare = await failure(client(() => new Response('Gone', { status: 410 })).api.get('/user'));
    expect(bare.code).toBe('GONE');
  });

  it("a 403 carries Bitbucket's required and granted scopes when its detail lists them", async () => {
    const body = {
      type: 'error',
      error: {
        message: 'Your credentials lack one or more required privilege scopes.',
        detail: { required: ['read:workspace:bitbucket'], granted: ['read:user:bitbucket'] },
      },
    };
    const error = await failure(client(() => json(body, 403)).api.get('/user/workspaces'));
    expect(error.scopes).toEqual({ required: ['read:workspace:bitbucket'], granted: ['read:user:bitbucket'] });
    // A detail that is text, or lists that are not scope names, give none.
    const text = await failure(client(() => json({ type: 'error', error: { message: 'm', detail: 'no' } }, 403)).api.get('/user'));
    expect(text.scopes).toBeUndefined();
    const odd = { type: 'error', error: { message: 'm', detail: { required: ['<b>x</b>'], granted: [] } } };
    expect((await failure(client(() => json(odd, 403)).api.get('/user'))).scopes).toBeUndefined();
  });

  it('the error message names method and path but never the token', async () => {
    const { api } = client(() => apiError(401, 'Access token expired.'));
    const error = await failure(api.get('/user'));
    expect(error.message).toContain('GET /2.0/user');
    expect(error.message).not.toContain('tok');
    // As a log prints it: the kind of error first.
    expect(String(error)).toBe('ApiError: UNAUTHORIZED: GET /2.0/user');
  });

  it('retries a 429 with exponential backoff and jitter, a bounded number of times, then fails', async () => {
    const { api, requests, sleeps, notices } = client(
      () => new Response('Rate limit for this resource has been exceeded', { status: 429, headers: { 'Content-Type': 'text/plain' } }),
    );
    const error = await failure(api.get('/user'));
    expect(error.code).toBe('RATE_LIMITED');
    expect(requests).toHaveLength(5);
    expect(sleeps).toEqual([1000, 2000, 4000, 8000]);
    expect(notices).toEqual(['RATE_LIMITED', 'RATE_LIMITED', 'RATE_LIMITED', 'RATE_LIMITED']);
  });

  it('recovers when a 429 passes', async () => {
    let calls = 0;
    const { api } = client(() => (++calls < 3 ? new Response('slow down', { status: 429 }) : json({ display_name: 'Ada' })));
    expect(await api.get('/user')).toEqual({ display_name: 'Ada' });
  });

  it.each([500, 502, 503])('retries %d twice, then fails as SERVER_ERROR', async (status) => {
    const { api, requests, sleeps } = client(() => apiError(status, 'down'));
    expect((await failure(api.get('/user'))).code).toBe('SERVER_ERROR');
    expect(requests).toHaveLength(3);
    expect(sleeps).toEqual([500, 1000]);
  });

  it('retries a dropped connection and recovers', async () => {
    let calls = 0;
    const { api, notices } = client(() => {
      if (++calls === 1) throw new TypeError('Failed to fetch');
      return json({ ok: 1 });
    });
    expect(await api.get('/user')).toEqual({ ok: 1 });
    expect(notices).toEqual(['NETWORK']);
  });

  it.each([
    ['an HTML body', () => new Response('<html>oops</html>', { headers: { 'Content-Type': 'text/html' } })],
    ['JSON that does not parse', () => new Response('{"values": [', { headers: { 'Content-Type': 'application/json' } })],
  ])('%s is BAD_RESPONSE', async (_name, answer) => {
    const { api } = client(answer);
    expect((await failure(api.get('/user'))).code).toBe('BAD_RESPONSE');
  });

  it('jitter keeps each delay between half and one and a half of the base', () => {
    expect(backoff(1000, 2, () => 0)).toBe(2000);
    expect(backoff(1000, 2, () => 0.999)).toBe(5996);
    expect(backoff(1000, 20, () => 0.5)).toBe(16000);
  });
});

describe('response checks', () => {
  const parse = repositoryParser(['https:']);
  it('reads a repository, with null description and language', () => {
    const raw = { ...repo('w', 1), description: null, language: null };
    expect(parse(raw, '/x')).toMatchObject({
      name: 'w repo 1',
      description: '',
      language: '',
      html_href: 'https://bitbucket.org/w/repo-1',
      workspace: { slug: 'w', name: 'w team' },
    });
  });

  it.each([
    ['name is not a string', { name: 5 }],
    ['is_private is missing', { is_private: undefined }],
    ['updated_on is not a date', { updated_on: 'yesterday' }],
    ['workspace is missing', { workspace: undefined }],
  ])('refuses a repository whose %s', (_name, overrides) => {
    expect(() => parse({ ...repo('w', 1), ...overrides }, '/x')).toThrow(ApiError);
  });

  it.each(['javascript:alert(1)', 'data:text/html,<script>alert(1)</script>', 'http://bitbucket.org/w/r', 'not a url'])(
    'drops the link %s',
    (href) => {
      expect(safeLink(href, ['https:'])).toBeNull();
      expect(parse({ ...repo('w', 1), links: { html: { href } } }, '/x').html_href).toBeNull();
    },
  );

  it.each(['https://user:pass@bitbucket.org/w/r', 'https://bitbucket.org@evil.example/w/r', 'https://:secret@bitbucket.org/w/r'])(
    'drops the link %s, which carries user info',
    (href) => {
      expect(safeLink(href, ['https:'])).toBeNull();
      expect(parse({ ...repo('w', 1), links: { html: { href } } }, '/x').html_href).toBeNull();
    },
  );

  it('keeps http links when the API itself is http (the simulator)', () => {
    expect(safeLink('http://localhost:3100/w/r', ['https:', 'http:'])).toBe('http://localhost:3100/w/r');
  });

  it('refuses a page whose values is not a list, and a user without a display name', () => {
    expect(() => parsePage({ values: {} }, '/x', parse)).toThrow(ApiError);
    expect(() => parsePage({ values: [], size: -1 }, '/x', parse)).toThrow(ApiError);
    expect(() => parseUser({ nickname: 'x' })).toThrow(ApiError);
    expect(parsePage({ values: [], next: null }, '/x', parse)).toEqual({ values: [] });
  });
});
