import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { callbackParameters, readCallback, reduceToken, type CallbackCheck } from '../../packages/bitbucket-browser-auth/src/callback.ts';
import { createFlowRecorder, FLOW_KEY, MAX_RENEWALS } from '../../src/flow-record.ts';
import { memoryStorage } from '../support/memory-storage.ts';

const TOKEN = 'tok-9f8e7d6c5b4a3210-the-whole-secret';

/** A recorder on fresh storage with clocks the test moves. */
function recorder(storage = memoryStorage()) {
  const clock = { now: 1_800_000_000_000, page: 0 };
  const flow = createFlowRecorder(
    storage,
    () => clock.now,
    () => clock.page,
  );
  return { flow, storage, clock };
}

describe('reduceToken', () => {
  it('keeps the first 4 characters, an ellipsis and the length', () => {
    expect(reduceToken(TOKEN)).toBe(`tok-… (${TOKEN.length} characters)`);
  });

  it('shows no character of a token of 8 characters or fewer (4 would be half of it)', () => {
    expect(reduceToken('t0k')).toBe('… (3 characters)');
    expect(reduceToken('12345678')).toBe('… (8 characters)');
    expect(reduceToken('123456789')).toBe('1234… (9 characters)');
  });

  it('never holds the token, whatever it is', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 200 }), (token) => {
        const reduced = reduceToken(token);
        const suffix = `… (${token.length} characters)`;
        expect(reduced.endsWith(suffix)).toBe(true);
        // What is left of the token is a beginning of it: 4 characters at most, none of a short one.
        const kept = reduced.slice(0, -suffix.length);
        expect(token.startsWith(kept)).toBe(true);
        expect(kept.length).toBeLessThanOrEqual(token.length > 8 ? 4 : 0);
      }),
    );
  });
});

describe('callbackParameters', () => {
  it('lists every parameter with its value, the access token reduced (fragment or query, repeated or not)', () => {
    expect(callbackParameters(`#access_token=${TOKEN}&token_type=bearer&state=s1&access_token=${TOKEN}x`)).toEqual([
      ['access_token', reduceToken(TOKEN)],
      ['token_type', 'bearer'],
      ['state', 's1'],
      ['access_token', reduceToken(`${TOKEN}x`)],
    ]);
    expect(callbackParameters(`?access_token=${TOKEN}&error=access_denied`)).toEqual([
      ['access_token', reduceToken(TOKEN)],
      ['error', 'access_denied'],
    ]);
    expect(callbackParameters('')).toEqual([]);
  });

  it('reduces every credential a callback can carry, not only the access token', () => {
    const secret = 'live-secret-value-0123456789';
    const names = ['code', 'refresh_token', 'id_token', 'client_secret', 'password'];
    const parameters = callbackParameters(`?${names.map((name) => `${name}=${secret}`).join('&')}&state=s1&token_type=bearer`);
    expect(parameters).toEqual([...names.map((name) => [name, reduceToken(secret)]), ['state', 's1'], ['token_type', 'bearer']]);
    expect(JSON.stringify(parameters)).not.toContain(secret);
  });

  it('keeps at most 20 parameters of at most 200 characters: a link can be any length', () => {
    const long = 'x'.repeat(5000);
    const parameters = callbackParameters(`#${Array.from({ length: 50 }, (_, n) => `p${n}=${long}`).join('&')}`);
    expect(parameters).toHaveLength(20);
    for (const [, value] of parameters) expect(value).toHaveLength(200);
  });
});

describe('the recorder', () => {
  it('keeps the steps in storage at once, so the next page (after a redirect) reads them', () => {
    const { flow, storage, clock } = recorder();
    flow.record({ step: 'authorize', url: 'https://bitbucket.org/site/oauth2/authorize?client_id=k&state=s1' });
    clock.now += 5000;
    flow.record({ step: 'check', check: 'STATE_PRESENT', passed: true });
    const next = createFlowRecorder(storage, Date.now, () => 0);
    expect(next.steps).toEqual([
      { step: 'authorize', url: 'https://bitbucket.org/site/oauth2/authorize?client_id=k&state=s1', at: 1_800_000_000_000 },
      { step: 'check', check: 'STATE_PRESENT', passed: true, at: 1_800_000_005_000 },
    ]);
  });

  it('starts over with each authorization request: the inspector shows the latest sign-in', () => {
    const { flow, storage } = recorder();
    flow.record({ step: 'authorize', url: 'https://example.test/a?state=1' });
    flow.record({ step: 'refused', code: 'STATE_MISMATCH' });
    flow.record({ step: 'authorize', url: 'https://example.test/a?state=2' });
    expect(flow.steps.map((step) => step.step)).toEqual(['authorize']);
    expect(JSON.parse(storage.getItem(FLOW_KEY) ?? '')).toHaveLength(1);
  });

  it('goes on when storage refuses to write, and starts empty from a value it cannot read', () => {
    const full = {
      ...memoryStorage(),
      setItem: () => {
        throw new DOMException('full', 'QuotaExceededError');
      },
    };
    const { flow } = recorder(full);
    expect(() => flow.record({ step: 'refused', code: 'NO_RESPONSE' })).not.toThrow();
    expect(flow.steps).toHaveLength(1);
    for (const stored of ['not json', '{"steps":1}', 'null']) {
      const storage = memoryStorage();
      storage.setItem(FLOW_KEY, stored);
      expect(createFlowRecorder(storage, Date.now, () => 0).steps).toEqual([]);
    }
  });

  it('tells its listeners of each change until they unsubscribe', () => {
    const { flow } = recorder();
    let calls = 0;
    const stop = flow.subscribe(() => calls++);
    flow.record({ step: 'refused', code: 'NO_RESPONSE' });
    stop();
    flow.record({ step: 'refused', code: 'NO_RESPONSE' });
    expect(calls).toBe(1);
  });
});

describe('recordFetch', () => {
  const page = { values: [{ slug: 'a' }], page: 2, size: 250, pagelen: 100, next: 'https://api.example/2.0/x?page=3' };

  it('records each request: method, URL, when it started and ended, status, bytes and the paging envelope', async () => {
    const { flow, clock } = recorder();
    const body = JSON.stringify(page);
    const fetch = flow.recordFetch(async () => {
      clock.page = 40;
      return new Response(body, { status: 200, headers: { 'Content-Type': 'application/json' } });
    });
    clock.page = 10;
    const response = await fetch(new URL('https://api.example/2.0/repositories/a?page=2'), {
      headers: { Authorization: `Bearer ${TOKEN}` },
    });
    expect(flow.requests).toEqual([
      { method: 'GET', url: 'https://api.example/2.0/repositories/a?page=2', start: 10, end: 40, status: 200 },
    ]);
    clock.page = 55;
    // The app's own read of the body gives the size and the paging: the body is read once.
    expect(await response.json()).toEqual(page);
    expect(flow.requests[0]).toEqual({
      method: 'GET',
      url: 'https://api.example/2.0/repositories/a?page=2',
      start: 10,
      end: 55,
      status: 200,
      bytes: new TextEncoder().encode(body).length,
      page: 2,
      size: 250,
      pagelen: 100,
    });
    // The Authorization header is not recorded.
    expect(JSON.stringify(flow.requests)).not.toContain(TOKEN);
  });

  it('counts the bytes of an error body that is not JSON, and lets the app see the parse error', async () => {
    const { flow } = recorder();
    const fetch = flow.recordFetch(async () => new Response('Rate limit for this resource has been exceeded', { status: 429 }));
    const response = await fetch('https://api.example/2.0/user');
    await expect(response.json()).rejects.toThrow(SyntaxError);
    expect(flow.requests[0]).toMatchObject({ status: 429, bytes: 46 });
  });

  it('records a failed connection and a cancelled request, and passes the same error on', async () => {
    const { flow } = recorder();
    const failure = new TypeError('Failed to fetch');
    await expect(flow.recordFetch(() => Promise.reject(failure))('https://api.example/2.0/user')).rejects.toBe(failure);
    const controller = new AbortController();
    controller.abort();
    const aborted = new DOMException('aborted', 'AbortError');
    await expect(
      flow.recordFetch(() => Promise.reject(aborted))('https://api.example/2.0/user', { signal: controller.signal }),
    ).rejects.toBe(aborted);
    expect(flow.requests.map((request) => request.failure)).toEqual(['network', 'aborted']);
    expect(flow.requests.every((request) => request.end !== undefined && request.status === undefined)).toBe(true);
  });

  it('keeps no request in storage (they belong to this page) and tells listeners as each starts and ends', async () => {
    const { flow, storage } = recorder();
    let calls = 0;
    flow.subscribe(() => calls++);
    const response = await flow.recordFetch(async () => Response.json(page))('https://api.example/2.0/x');
    expect(calls).toBe(2);
    await response.json();
    expect(calls).toBe(3);
    expect(storage.size).toBe(0);
  });
});

describe('readCallback tells its observer each check as it makes it', () => {
  const NOW = 1_800_000_000_000;
  const pending = { state: 's1', returnTo: '/', createdAt: NOW };
  const read = (hash: string, stored: typeof pending | null = pending) => {
    const checks: Array<[CallbackCheck, boolean]> = [];
    const result = readCallback({ hash, search: '' }, stored, NOW, (check, passed) => checks.push([check, passed]));
    return { result, checks };
  };
  const good = `#access_token=${TOKEN}&token_type=bearer&expires_in=7200&scopes=account&state=s1`;

  it('every check, passed, in order, for an answer it accepts', () => {
    const { result, checks } = read(good);
    expect(result.ok).toBe(true);
    expect(checks).toEqual(
      (
        [
          'NO_REPEATED_PARAMETER',
          'NO_OAUTH_ERROR',
          'ANSWER_PRESENT',
          'STATE_PRESENT',
          'ONE_USE',
          'STATE_MATCHES',
          'TOKEN_PRESENT',
          'TOKEN_TYPE',
          'LIFETIME',
          'SCOPES',
        ] as const
      ).map((check) => [check, true]),
    );
  });

  it.each([
    ['a wrong state', good.replace('state=s1', 'state=forged'), pending, 'STATE_MATCHES'],
    ['no stored sign-in', good, null, 'ONE_USE'],
    ['no state', good.replace('&state=s1', ''), pending, 'STATE_PRESENT'],
    ['access denied', '#error=access_denied&state=s1', pending, 'NO_OAUTH_ERROR'],
    ['a repeated parameter', `${good}&state=s1`, pending, 'NO_REPEATED_PARAMETER'],
    ['a mac token', good.replace('bearer', 'mac'), pending, 'TOKEN_TYPE'],
    ['no lifetime', good.replace('expires_in=7200&', ''), pending, 'LIFETIME'],
    ['both scope spellings', `${good}&scope=account`, pending, 'SCOPES'],
    ['an empty answer', '', pending, 'ANSWER_PRESENT'],
    ['no token', good.replace(`access_token=${TOKEN}&`, ''), pending, 'TOKEN_PRESENT'],
  ] as const)('%s: the checks before it passed, it failed, and none came after', (_name, hash, stored, failing) => {
    const { result, checks } = read(hash, stored);
    expect(result.ok).toBe(false);
    expect(checks.at(-1)).toEqual([failing, false]);
    expect(checks.slice(0, -1).every(([, passed]) => passed)).toBe(true);
  });
});

describe('renewals in the record', () => {
  it('keeps the latest 20, and the steps of the sign-in before them', () => {
    const storage = memoryStorage();
    const flow = createFlowRecorder(
      storage,
      () => 1,
      () => 0,
    );
    flow.record({ step: 'authorize', url: 'https://bitbucket.org/site/oauth2/authorize' });
    for (let n = 0; n < MAX_RENEWALS + 5; n++)
      flow.record({ step: 'renewal', why: 'expiring', outcome: 'renewed', status: 200, expiresAt: n });
    const renewals = flow.steps.filter((step) => step.step === 'renewal');
    expect(MAX_RENEWALS).toBe(20);
    expect(renewals.map((step) => (step as { expiresAt: number }).expiresAt)).toEqual(Array.from({ length: 20 }, (_, i) => i + 5));
    expect(flow.steps[0]?.step).toBe('authorize');
    expect(JSON.parse(storage.getItem('bitbucket-starter:flow') ?? '[]')).toHaveLength(21);
  });
});
