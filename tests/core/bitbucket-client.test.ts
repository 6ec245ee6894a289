// The API client's checks at their edges: which answers count as JSON, which statuses as what,
// what the user is told while it waits, and what it keeps of Bitbucket's error message.
import { describe, expect, it, vi } from 'vitest';
import { codeForStatus, createClient, type ClientOptions, type RetryNotice } from '../../packages/bitbucket-browser-auth/src/client.ts';
import { abortedBy, API, apiError, failure, fakeFetch, json } from '../support/fake-fetch.ts';

function client(route: Parameters<typeof fakeFetch>[0], extra: Partial<ClientOptions> = {}) {
  const fake = fakeFetch(route);
  const notices: RetryNotice[] = [];
  const sleeps: number[] = [];
  const raw = createClient({
    apiUrl: API,
    authorization: () => 'Bearer tok',
    fetch: fake.fetch,
    sleep: async (ms) => void sleeps.push(ms),
    random: () => 0.5,
    ...extra,
  });
  // Each request tells of its retries.
  const api = { get: (path: string, options = {}) => raw.get(path, { onRetry: (notice) => void notices.push(notice), ...options }) };
  return { api, requests: fake.requests, notices, sleeps };
}

const body = (contentType: string) => () => new Response('{"ok":true}', { headers: { 'Content-Type': contentType } });

describe('which answers are JSON', () => {
  it.each(['application/json', 'application/json; charset=utf-8', 'Application/JSON', 'application/problem+json'])(
    'reads %s',
    async (contentType) => {
      expect(await client(body(contentType)).api.get('/user')).toEqual({ ok: true });
    },
  );

  it.each(['text/plain', 'text/application/json', 'application/jsonp', 'application/x-json-stream', 'application/+json', ''])(
    'refuses %j as BAD_RESPONSE',
    async (contentType) => {
      const error = await failure(client(body(contentType)).api.get('/user'));
      expect([error.code, error.status]).toEqual(['BAD_RESPONSE', 200]);
    },
  );

  it('refuses an answer without a Content-Type', async () => {
    const { api } = client(() => new Response(new Blob(['{"ok":true}'])));
    expect((await failure(api.get('/user'))).code).toBe('BAD_RESPONSE');
  });
});

describe('statuses', () => {
  it.each([
    [400, 'HTTP_ERROR'],
    [401, 'UNAUTHORIZED'],
    [403, 'FORBIDDEN'],
    [404, 'NOT_FOUND'],
    [409, 'HTTP_ERROR'],
    // Without a message saying CHANGE-2770, a 410 is only "gone" (the spam 410 of the description).
    [410, 'GONE'],
    [429, 'RATE_LIMITED'],
    [499, 'HTTP_ERROR'],
    [500, 'SERVER_ERROR'],
    [504, 'SERVER_ERROR'],
    [599, 'SERVER_ERROR'],
  ] as const)('%d is %s', (status, code) => {
    expect(codeForStatus(status)).toBe(code);
  });

  it('410 is ENDPOINT_REMOVED when the message starts with CHANGE-2770, and only then', () => {
    expect(codeForStatus(410, 'CHANGE-2770 - Functionality has been deprecated')).toBe('ENDPOINT_REMOVED');
    expect(codeForStatus(410, 'See CHANGE-2770')).toBe('GONE');
  });
});

describe('Bitbucket’s error message', () => {
  it('is kept up to 300 characters', async () => {
    const { api } = client(() => apiError(400, 'x'.repeat(500)));
    expect((await failure(api.get('/user'))).detail).toBe('x'.repeat(300));
  });

  it.each([
    ['a message that is not a string', json({ type: 'error', error: { message: 42 } }, 400)],
    ['no error object', json({ type: 'error' }, 400)],
    ['a body that is JSON null', json(null, 400)],
    ['a body that is not JSON', new Response('Bad Request', { status: 400, headers: { 'Content-Type': 'text/plain' } })],
  ])('is left out for %s', async (_name, answer) => {
    const error = await failure(client(() => answer.clone()).api.get('/user'));
    expect([error.code, error.status, error.detail]).toEqual(['HTTP_ERROR', 400, undefined]);
  });
});

describe('waiting to try again', () => {
  it('tells the user each retry: why, which attempt, and how long', async () => {
    let calls = 0;
    const { api, notices, sleeps } = client(() => {
      calls += 1;
      if (calls <= 2) return new Response('slow down', { status: 429 });
      if (calls === 3) return apiError(503, 'down');
      return json({ ok: 1 });
    });
    expect(await api.get('/user')).toEqual({ ok: 1 });
    expect(notices).toEqual([
      { reason: 'RATE_LIMITED', attempt: 1, delayMs: 1000 },
      { reason: 'RATE_LIMITED', attempt: 2, delayMs: 2000 },
      { reason: 'SERVER_ERROR', attempt: 1, delayMs: 500 },
    ]);
    expect(sleeps).toEqual([1000, 2000, 500]);
  });

  it('offline, waits for the network without spending a retry, then tries again', async () => {
    let online: () => void = () => {};
    let offline = true;
    let calls = 0;
    const { api, notices, sleeps } = client(
      () => {
        calls += 1;
        if (offline) throw new TypeError('Failed to fetch');
        return json({ ok: 1 });
      },
      {
        offline: () => (offline ? new Promise<void>((resolve) => (online = resolve)) : null),
      },
    );
    const result = api.get('/user');
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(notices).toEqual([{ reason: 'OFFLINE', attempt: 0, delayMs: 0 }]);
    offline = false;
    online();
    expect(await result).toEqual({ ok: 1 });
    expect(calls).toBe(2);
    expect(sleeps).toEqual([]);
  });

  it('a dropped connection while online is retried twice, then fails as NETWORK', async () => {
    const { api, requests, notices } = client(
      () => {
        throw new TypeError('Failed to fetch');
      },
      { offline: () => null },
    );
    expect((await failure(api.get('/user'))).code).toBe('NETWORK');
    expect(requests).toHaveLength(3);
    expect(notices.map((n) => [n.reason, n.attempt])).toEqual([
      ['NETWORK', 1],
      ['NETWORK', 2],
    ]);
  });
});

describe('paths', () => {
  it('resolves a path with or without its leading slash below the API base', async () => {
    const { api, requests } = client(() => json({}));
    await api.get('/repositories/w?pagelen=100');
    await api.get('user/workspaces');
    expect(requests.map((r) => r.url.href)).toEqual([`${API}/repositories/w?pagelen=100`, `${API}/user/workspaces`]);
  });

  it('names the path and query in its errors', async () => {
    const { api } = client(() => apiError(404, 'gone'));
    const error = await failure(api.get('/repositories/w?page=2'));
    expect([error.path, error.message]).toEqual(['/2.0/repositories/w?page=2', 'NOT_FOUND: GET /2.0/repositories/w?page=2']);
  });
});

describe('cancelling', () => {
  it('a signal already aborted sends nothing', async () => {
    const { api, requests } = client(() => json({}));
    const controller = new AbortController();
    controller.abort();
    expect((await failure(api.get('/user', { signal: controller.signal }))).code).toBe('ABORTED');
    expect(requests).toHaveLength(0);
  });

  it('an abort during the request is ABORTED at once: not a dropped connection to retry', async () => {
    const controller = new AbortController();
    const { api, requests, notices, sleeps } = client((_url, request) => {
      const answer = abortedBy(request.signal);
      controller.abort();
      return answer;
    });
    const error = await failure(api.get('/user', { signal: controller.signal }));
    expect([error.code, requests.length, notices, sleeps]).toEqual(['ABORTED', 1, [], []]);
  });

  it('an abort while the body is read is ABORTED, not a body that does not parse', async () => {
    const controller = new AbortController();
    const { api } = client(() => {
      const body = new ReadableStream<Uint8Array>({
        start(stream) {
          stream.enqueue(new TextEncoder().encode('{"values": ['));
          controller.signal.addEventListener('abort', () => stream.error(new DOMException('Aborted', 'AbortError')));
        },
      });
      queueMicrotask(() => controller.abort());
      return new Response(body, { headers: { 'Content-Type': 'application/json' } });
    });
    expect((await failure(api.get('/user', { signal: controller.signal }))).code).toBe('ABORTED');
  });

  it('an abort while waiting to try again sends nothing more', async () => {
    const controller = new AbortController();
    const { api, requests } = client(() => apiError(503, 'down'), {
      sleep: async () => void controller.abort(),
    });
    expect((await failure(api.get('/user', { signal: controller.signal }))).code).toBe('ABORTED');
    expect(requests).toHaveLength(1);
  });
});

describe('an answer from the server while the browser says it is offline', () => {
  it('is retried as what it is, without waiting for the network', async () => {
    let calls = 0;
    const { api, notices } = client(() => (++calls === 1 ? apiError(503, 'down') : json({ ok: 1 })), {
      offline: () => new Promise<void>(() => {}),
    });
    expect(await api.get('/user')).toEqual({ ok: 1 });
    expect(notices.map((n) => n.reason)).toEqual(['SERVER_ERROR']);
  });
});

describe('without an injected clock or randomness', () => {
  it('waits the delay it announced, on real timers, before it tries again', async () => {
    vi.useFakeTimers();
    try {
      let calls = 0;
      const fake = fakeFetch(() => (++calls === 1 ? new Response('slow down', { status: 429 }) : json({ ok: 1 })));
      const notices: RetryNotice[] = [];
      const api = createClient({ apiUrl: API, authorization: () => 'Bearer tok', fetch: fake.fetch });
      const result = api.get('/user', { onRetry: (n) => void notices.push(n) });
      await vi.advanceTimersByTimeAsync(0);
      const [notice] = notices;
      // Math.random's jitter: between half and one and a half of the first 429 delay (1 s).
      expect(notice?.delayMs).toBeGreaterThanOrEqual(500);
      expect(notice?.delayMs).toBeLessThan(1500);
      await vi.advanceTimersByTimeAsync((notice?.delayMs ?? 0) - 1);
      expect(fake.requests).toHaveLength(1);
      await vi.advanceTimersByTimeAsync(1);
      expect(await result).toEqual({ ok: 1 });
      expect(fake.requests).toHaveLength(2);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('the scopes a 403 names', () => {
  const refusal = (detail: unknown) => () => json({ type: 'error', error: { message: 'm', detail } }, 403);
  const scopesFor = async (detail: unknown) => (await failure(client(refusal(detail)).api.get('/user'))).scopes;

  it('keeps names of up to 64 letters, digits and `:._-`, and at most ten of them', async () => {
    const names = Array.from({ length: 11 }, (_, i) => `read:scope_${i}.x-y`);
    expect(await scopesFor({ required: names, granted: ['g'.repeat(64)] })).toEqual({
      required: names.slice(0, 10),
      granted: ['g'.repeat(64)],
    });
  });

  it('reads missing or unreadable granted scopes as none granted', async () => {
    expect(await scopesFor({ required: ['read:user:bitbucket'] })).toEqual({ required: ['read:user:bitbucket'], granted: [] });
    expect(await scopesFor({ required: ['read:user:bitbucket'], granted: ['a b'] })).toEqual({
      required: ['read:user:bitbucket'],
      granted: [],
    });
  });

  it.each([
    ['no required scope', { required: [], granted: ['read:user:bitbucket'] }],
    ['a required list that is not a list', { required: 'read:user:bitbucket', granted: [] }],
    ['a name that is not a string', { required: [42], granted: [] }],
    ['one bad name among good ones', { required: ['read:user:bitbucket', 'x y'], granted: [] }],
    ['a name that starts with a character outside the set', { required: ['<read'], granted: [] }],
    ['a name that ends with a character outside the set', { required: ['read>'], granted: [] }],
    ['a name of 65 characters', { required: ['r'.repeat(65)], granted: [] }],
    ['an empty name', { required: [''], granted: [] }],
    ['a detail that is null', null],
  ])('names none for %s', async (_name, detail) => {
    expect(await scopesFor(detail)).toBeUndefined();
  });
});
