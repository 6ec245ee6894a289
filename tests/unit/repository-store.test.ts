/** The repository store on its own: a fake Bitbucket, a memory cache, schedulers the test runs. */
import { describe, expect, it } from 'vitest';
import { repositoryParser, type Repository } from '../../src/api-shapes.ts';
import { ApiError } from '../../packages/bitbucket-browser-auth/src/client.ts';
import { createRepositoryCache } from '../../src/repo-cache.ts';
import { DEFAULT_QUERY } from '../../src/repo-filter.ts';
import { createRepositoryStore, type RepositoryListState, type RepositoryStoreDeps } from '../../src/repository-store.ts';
import { API, apiError, fakeBitbucket, json, quickClient, repo, type Intercept } from '../support/fake-fetch.ts';
import { memoryStorage } from '../support/memory-storage.ts';

const many = (workspace: string, count: number) => Array.from({ length: count }, (_, n) => repo(workspace, n));
const parse = repositoryParser(['https:']);

function setup(
  workspaces: Record<string, ReturnType<typeof many>>,
  options: {
    intercept?: Intercept;
    storage?: ReturnType<typeof memoryStorage>;
    parseRepository?: RepositoryStoreDeps['parseRepository'];
    bounds?: RepositoryStoreDeps['bounds'];
    /** The session is gone: the core refuses every request before it is sent. */
    noSession?: boolean;
  } = {},
) {
  const fake = fakeBitbucket(workspaces, options.intercept ? { intercept: options.intercept } : {});
  const quick = quickClient(fake.fetch);
  // What the API refused the credentials on: the core ends the session then, the store shows nothing.
  const refused: ApiError[] = [];
  const client = {
    get: (url: string, request?: Parameters<typeof quick.get>[1]) =>
      (options.noSession ? Promise.reject(new ApiError('NO_SESSION', '(no session)')) : quick.get(url, request)).catch((error: unknown) => {
        if (error instanceof ApiError && ['UNAUTHORIZED', 'NO_SESSION'].includes(error.code)) refused.push(error);
        throw error;
      }),
  };
  const storage = options.storage ?? memoryStorage();
  const timers: Array<() => void> = [];
  const cleared: Array<() => void> = [];
  const store = createRepositoryStore({
    client,
    cache: createRepositoryCache(storage),
    linkProtocols: ['https:'],
    parseRepository: options.parseRepository ?? repositoryParser(['https:']),
    query: DEFAULT_QUERY,
    schedule: (task) => void queueMicrotask(task),
    defer: (task) => void setTimeout(task),
    setTimer: (task) => {
      timers.push(task);
      return () => void cleared.push(task);
    },
    bounds: options.bounds ?? { pagesPerList: 5 },
  });
  const states: RepositoryListState[] = [];
  store.subscribe((state) => void states.push(state));
  const settled = async (condition: (state: RepositoryListState) => boolean) => {
    for (let turns = 0; !condition(states.at(-1) as RepositoryListState); turns++) {
      if (turns > 1000) throw new Error(`never: ${JSON.stringify({ ...states.at(-1), matches: undefined })}`);
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
    return states.at(-1) as RepositoryListState;
  };
  return { store, fake, storage, timers, cleared, refused, states, settled };
}

describe('repository store', () => {
  it('subscribers get the state at once, then each change; load fills the list page by page', async () => {
    const { store, states, settled } = setup({ a: many('a', 150), b: many('b', 3) });
    expect(states).toHaveLength(1);
    expect(states[0]).toMatchObject({ loading: true, total: 0 });
    store.load();
    const done = await settled((s) => !s.loading);
    expect(done).toMatchObject({ total: 153, user: { display_name: 'Ada Lovelace' }, error: null });
    expect(done.workspaces.map((w) => w.slug).sort()).toEqual(['a', 'b']);
    // On the way: some state showed part of the list.
    expect(states.some((s) => s.loading && s.total > 0 && s.total < 153)).toBe(true);
  });

  it('setQuery narrows the matches at once; unchanged parts keep their identity', async () => {
    const { store, states, settled } = setup({ a: [repo('a', 1, { name: 'api' }), repo('a', 2, { name: 'web' })] });
    store.load();
    const before = await settled((s) => !s.loading);
    store.setQuery({ ...DEFAULT_QUERY, q: 'api' });
    const after = states.at(-1) as RepositoryListState;
    expect(after.matches.map((r) => r.name)).toEqual(['api']);
    expect(after.workspaces).toBe(before.workspaces);
  });

  it('keeps a failed workspace apart, and retryWorkspace loads it alone', async () => {
    let broken = true;
    const { store, fake, settled } = setup(
      { good: many('good', 2), bad: many('bad', 2) },
      { intercept: (url) => (broken && url.pathname.endsWith('/bad') ? apiError(403, 'no') : undefined) },
    );
    store.load();
    const failed = await settled((s) => !s.loading);
    expect(failed.total).toBe(2);
    expect(failed.workspaceErrors).toMatchObject([
      { slug: 'bad', message: { id: 'FORBIDDEN', slots: { permission: 'Repositories: Read', scope: 'read:repository:bitbucket' } } },
    ]);
    broken = false;
    const before = fake.requests.length;
    store.retryWorkspace('bad');
    await settled((s) => s.total === 4);
    expect(fake.requests.slice(before).map((r) => r.url.pathname)).toEqual(['/2.0/repositories/bad']);
  });

  it.each([
    [
      'a token refused with 401',
      'UNAUTHORIZED',
      { intercept: (url: URL) => (url.pathname.endsWith('/user') ? apiError(401, 'expired') : undefined) },
    ],
    ['no session left', 'NO_SESSION', { noSession: true }],
  ])('%s shows no error: the session ends instead', async (_case, code, options) => {
    const { store, refused, states } = setup({ a: many('a', 1) }, options);
    store.load();
    for (let turns = 0; refused.length === 0 && turns < 1000; turns++) await new Promise((resolve) => setTimeout(resolve, 0));
    for (let turns = 0; turns < 20; turns++) await new Promise((resolve) => setTimeout(resolve, 0));
    expect([...new Set(refused.map((e) => e.code))]).toEqual([code]);
    expect(states.every((s) => s.error === null)).toBe(true);
  });

  it('says where a bound stopped the load, and keeps what loaded', async () => {
    const endless: Intercept = (url) => {
      if (!url.pathname.endsWith('/repositories/w')) return undefined;
      const n = Number(url.searchParams.get('cursor') ?? 0);
      return json({ values: [repo('w', n)], next: `${API}/repositories/w?cursor=${n + 1}` });
    };
    const { store, settled } = setup({ w: [] }, { intercept: endless });
    store.load();
    const done = await settled((s) => !s.loading);
    expect(done.total).toBe(5);
    expect(done.stops).toEqual([{ id: 'PAGE_LIMIT', slots: { workspace: 'w' } }]);
  });

  it('starts with the cached list, refreshes in the background, and saves the new list after showing it', async () => {
    const storage = memoryStorage();
    const first = setup({ a: many('a', 3) }, { storage });
    first.store.load();
    await first.settled((s) => !s.loading);
    for (const task of first.timers) task();
    const second = setup({ a: many('a', 4) }, { storage });
    expect(second.states[0]).toMatchObject({ loading: false, total: 3 });
    second.store.load();
    expect(second.states.at(-1)).toMatchObject({ notice: { id: 'REFRESHING' }, total: 3 });
    await second.settled((s) => s.notice === null && s.total === 4);
  });

  it('stop cancels what is under way: nothing is published afterwards', async () => {
    const { store, fake, states } = setup({ a: many('a', 3) });
    store.load();
    store.stop();
    const count = states.length;
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(states).toHaveLength(count);
    expect(fake.requests.every((r) => r.signal?.aborted)).toBe(true);
  });
});

describe('repository store: what it says', () => {
  it('shows a cached list at once, its links checked again against the schemes allowed now', () => {
    const storage = memoryStorage();
    const [safe, unsafe] = [1, 2].map((n) => parse(repo('a', n), '/x'));
    createRepositoryCache(storage).save({
      user: { display_name: 'Grace' },
      repositories: [safe as Repository, { ...(unsafe as Repository), html_href: 'javascript:alert(1)' }],
    });
    const { states } = setup({}, { storage });
    expect(states).toHaveLength(1);
    expect(states[0]).toMatchObject({ loading: false, total: 2, user: { display_name: 'Grace' } });
    expect(states[0]?.matches.map((r) => [r.full_name, r.html_href])).toEqual(
      expect.arrayContaining([
        ['a/repo-1', 'https://bitbucket.org/a/repo-1'],
        ['a/repo-2', null],
      ]),
    );
  });

  it('a failing /user leaves the name unknown and says why; the list is not kept without a user', async () => {
    const { store, settled, timers } = setup(
      { a: many('a', 2) },
      { intercept: (url) => (url.pathname.endsWith('/2.0/user') ? apiError(403, 'no') : undefined) },
    );
    store.load();
    const done = await settled((s) => !s.loading);
    expect(done).toMatchObject({ user: null, userError: { id: 'FORBIDDEN' }, error: null, total: 2 });
    expect(timers).toHaveLength(0);
  });

  it('a failed load says why, stops loading and waiting; a new load starts afresh', async () => {
    let broken = true;
    const { store, states, settled } = setup(
      { a: many('a', 2) },
      { intercept: (url) => (broken && url.pathname.endsWith('/user/workspaces') ? json({ values: [{ workspace: {} }] }) : undefined) },
    );
    store.load();
    store.showRetry({ reason: 'NETWORK', attempt: 1, delayMs: 1000 });
    const failed = await settled((s) => !s.loading);
    expect(failed).toMatchObject({ error: { id: 'BAD_RESPONSE', slots: { path: '/user/workspaces' } }, notice: null, total: 0 });
    broken = false;
    store.load();
    expect(states.at(-1)).toMatchObject({ error: null, loading: true, notice: null });
    expect(await settled((s) => !s.loading)).toMatchObject({ error: null, total: 2 });
  });

  it('a failure that is no API error is reported as unexpected', async () => {
    const { store, settled, refused } = setup(
      { a: many('a', 2) },
      {
        parseRepository: () => {
          throw new TypeError('a bug');
        },
      },
    );
    store.load();
    expect(await settled((s) => !s.loading)).toMatchObject({ error: { id: 'UNEXPECTED' } });
    expect(refused).toEqual([]);
  });

  it('says what the client waits for, in whole seconds rounded up; changes in one turn are published once', async () => {
    const { store, states } = setup({});
    const before = states.length;
    store.showRetry({ reason: 'SERVER_ERROR', attempt: 1, delayMs: 500 });
    store.showRetry({ reason: 'RATE_LIMITED', attempt: 2, delayMs: 2001 });
    expect(states).toHaveLength(before);
    await Promise.resolve();
    expect(states).toHaveLength(before + 1);
    expect(states.at(-1)?.notice).toEqual({ id: 'RETRY_RATE_LIMITED', slots: { seconds: '3', attempt: '2' } });
  });

  it('says once that the whole load stopped at its bound, naming no workspace', async () => {
    const endless: Intercept = (url) => {
      if (!url.pathname.endsWith('/repositories/w')) return undefined;
      const n = Number(url.searchParams.get('cursor') ?? 0);
      return json({ values: [repo('w', n)], next: `${API}/repositories/w?cursor=${n + 1}` });
    };
    const { store, settled } = setup({ w: [] }, { intercept: endless, bounds: { pagesPerLoad: 4 } });
    store.load();
    const done = await settled((s) => !s.loading);
    expect(done.stops).toEqual([{ id: 'LOAD_LIMIT', slots: { workspace: '' } }]);
    expect(done.total).toBe(3);
  });

  it('a workspace retried that fails again shows one error for it, not two; Retry takes the old one away at once', async () => {
    const { store, states, settled } = setup(
      { good: many('good', 2), bad: many('bad', 2) },
      { intercept: (url) => (url.pathname.endsWith('/bad') ? apiError(404, 'no') : undefined) },
    );
    store.load();
    await settled((s) => !s.loading);
    store.retryWorkspace('bad');
    expect(states.at(-1)?.workspaceErrors).toEqual([]);
    const again = await settled((s) => s.workspaceErrors.length > 0);
    expect(again.workspaceErrors.map((e) => [e.slug, e.message.id])).toEqual([['bad', 'NOT_FOUND']]);
    expect(again.total).toBe(2);
  });

  it('an unsubscribed listener hears nothing more; stop cancels the saving still to come', async () => {
    const { store, settled, timers, cleared } = setup({ a: many('a', 2) });
    const heard: RepositoryListState[] = [];
    const unsubscribe = store.subscribe((state) => void heard.push(state));
    expect(heard).toHaveLength(1);
    unsubscribe();
    store.load();
    await settled((s) => !s.loading);
    expect(heard).toHaveLength(1);
    expect(timers).toHaveLength(1);
    store.stop();
    expect(cleared).toEqual(timers);
  });
});
