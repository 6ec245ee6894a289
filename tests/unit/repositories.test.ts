import { describe, expect, it } from 'vitest';
import { repositoryParser, type Repository } from '../../src/api-shapes.ts';
import { ApiError, createClient } from '../../packages/bitbucket-browser-auth/src/client.ts';
import { createLimiter, plannedPages, type Bounds } from '../../packages/bitbucket-browser-auth/src/paginate.ts';
import { loadEverything } from '../../src/repositories.ts';
import {
  abortedBy,
  API,
  apiError,
  fakeBitbucket,
  gate,
  json,
  quickClient,
  repo,
  type FakeRepo,
  type Intercept,
} from '../support/fake-fetch.ts';

const many = (workspace: string, count: number) => Array.from({ length: count }, (_, n) => repo(workspace, n));
const parseRepository = repositoryParser(['https:']);

async function load(workspaces: Record<string, FakeRepo[]>, options: Parameters<typeof fakeBitbucket>[1] = {}) {
  const fake = fakeBitbucket(workspaces, options);
  const client = quickClient(fake.fetch);
  const byWorkspace = new Map<string, Repository[]>();
  const batches: number[] = [];
  const errors: Array<[string, string]> = [];
  let user = '';
  await loadEverything(
    client,
    {
      onUser: (u) => void (user = u.display_name),
      onRepositories: (slug, repos) => {
        batches.push(repos.length);
        byWorkspace.set(slug, [...(byWorkspace.get(slug) ?? []), ...repos]);
      },
      onWorkspaceError: (slug, error) => void errors.push([slug, error.code]),
      onUserError: (error) => void errors.push(['(user)', error.code]),
    },
    { parseRepository },
  );
  const paths = fake.requests.map((r) => r.url.pathname + r.url.search);
  const workspaceList = fake.requests
    .filter((r) => r.url.pathname.startsWith('/2.0/repositories/'))
    .map((r) => decodeURIComponent(r.url.pathname.split('/')[3] ?? ''));
  return { byWorkspace, batches, errors, user, workspaceList: [...new Set(workspaceList)], paths, requests: fake.requests };
}

const names = (repos: Repository[] | undefined) => (repos ?? []).map((r) => r.full_name).sort();
const expected = (repos: FakeRepo[]) => repos.map((r) => r.full_name).sort();

describe('loadEverything', () => {
  it('loads the user and every repository of every workspace, each once', async () => {
    const data = { big: many('big', 250), small: many('small', 5), empty: [] };
    const result = await load(data);
    expect(result.user).toBe('Ada Lovelace');
    expect(result.workspaceList).toEqual(['big', 'small', 'empty']);
    expect(names(result.byWorkspace.get('big'))).toEqual(expected(data.big));
    expect(names(result.byWorkspace.get('small'))).toEqual(expected(data.small));
    expect(result.byWorkspace.has('empty')).toBe(false);
    expect(result.errors).toEqual([]);
  });

  it('a failing /user is reported alone: every repository still loads', async () => {
    const data = { a: many('a', 3), b: many('b', 2) };
    const intercept: Intercept = (url) => (url.pathname.endsWith('/2.0/user') ? apiError(403, 'Forbidden') : undefined);
    const result = await load(data, { intercept });
    expect(result.errors).toEqual([['(user)', 'FORBIDDEN']]);
    expect(result.user).toBe('');
    expect(names(result.byWorkspace.get('a'))).toEqual(expected(data.a));
    expect(names(result.byWorkspace.get('b'))).toEqual(expected(data.b));
  });

  it('a repository without workspace takes the workspace it was listed under', async () => {
    const { workspace: _dropped, ...bare } = repo('w', 1);
    const result = await load({ w: [bare as FakeRepo, repo('w', 2)] });
    expect(result.errors).toEqual([]);
    expect(result.byWorkspace.get('w')?.map((r) => r.workspace)).toEqual([
      { slug: 'w', name: 'w' },
      { slug: 'w', name: 'w team' },
    ]);
  });

  it('asks for pagelen=100 and only the fields it shows, and never a removed endpoint', async () => {
    const { paths, requests } = await load({ w: many('w', 120) });
    const repoRequests = requests.filter((r) => r.url.pathname === '/2.0/repositories/w');
    expect(repoRequests.every((r) => r.url.searchParams.get('pagelen') === '100')).toBe(true);
    expect(repoRequests[0]?.url.searchParams.get('fields')).toContain('values.links.html.href');
    expect(repoRequests[0]?.url.searchParams.get('fields')).not.toContain('values.links.clone');
    for (const path of paths) {
      expect(path).not.toMatch(/^\/2\.0\/repositories(\?|$)|^\/2\.0\/workspaces(\?|$)|\/user\/permissions\//);
    }
  });

  it('with a total and page numbers, asks for the remaining pages by number', async () => {
    const { paths, byWorkspace } = await load({ w: many('w', 450) });
    const pages = paths.filter((p) => p.startsWith('/2.0/repositories/w')).map((p) => new URL(p, API).searchParams.get('page'));
    expect(pages).toEqual([null, '2', '3', '4', '5']);
    expect(byWorkspace.get('w')).toHaveLength(450);
  });

  it('without a total, follows next to the end', async () => {
    const data = { w: many('w', 333) };
    const { byWorkspace, paths } = await load(data, { omitSize: true });
    expect(names(byWorkspace.get('w'))).toEqual(expected(data.w));
    expect(paths.filter((p) => p.startsWith('/2.0/repositories/w'))).toHaveLength(4);
  });

  it('with opaque next links (no page numbers), follows next', async () => {
    const data = { w: many('w', 230) };
    const { byWorkspace } = await load(data, { cursor: true });
    expect(names(byWorkspace.get('w'))).toEqual(expected(data.w));
  });

  it('hands repositories over page by page, as they arrive', async () => {
    const { batches } = await load({ w: many('w', 250) });
    expect(batches).toEqual([100, 100, 50]);
  });

  it('falls back to next when a numbered page comes back unexpected, losing and repeating nothing', async () => {
    const data = { w: many('w', 420) };
    let spoiled = false;
    const intercept: Intercept = (url) => {
      if (url.searchParams.get('page') === '3' && !spoiled) {
        spoiled = true;
        return json({ values: 'not a list' });
      }
      return undefined;
    };
    const { byWorkspace } = await load(data, { intercept });
    expect(spoiled).toBe(true);
    expect(names(byWorkspace.get('w'))).toEqual(expected(data.w));
  });

  it('follows next past the planned pages when repositories were added meanwhile', async () => {
    const data = { w: many('w', 150) };
    const intercept: Intercept = (url) => {
      // The first page reports an outdated total of 150; by page 2 there are 230.
      if (url.searchParams.get('page') === '2' && data.w.length === 150)
        data.w.push(...many('x', 80).map((r) => ({ ...r, workspace: { slug: 'w', name: 'w team' } })));
      return undefined;
    };
    const { byWorkspace } = await load(data, { intercept });
    expect(byWorkspace.get('w')).toHaveLength(230);
  });

  it('one failing workspace is reported alone; the others load', async () => {
    const intercept: Intercept = (url) => (url.pathname.endsWith('/repositories/broken') ? apiError(403, 'Forbidden') : undefined);
    const { byWorkspace, errors } = await load({ ok: many('ok', 30), broken: many('broken', 3) }, { intercept });
    expect(byWorkspace.get('ok')).toHaveLength(30);
    expect(errors).toEqual([['broken', 'FORBIDDEN']]);
  });

  it('a refused token fails the whole load', async () => {
    const intercept: Intercept = (url) => (url.pathname.includes('/repositories/') ? apiError(401, 'Access token expired.') : undefined);
    await expect(load({ w: many('w', 3) }, { intercept })).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
  });

  it('a workspace list of the wrong shape fails with BAD_RESPONSE', async () => {
    const intercept: Intercept = (url) => (url.pathname.endsWith('/user/workspaces') ? json({ values: [{ workspace: {} }] }) : undefined);
    await expect(load({ w: [] }, { intercept })).rejects.toBeInstanceOf(ApiError);
  });
});

describe('loadEverything when things go wrong', () => {
  it('a failed load cancels what is still in flight, and reports the failure that caused it', async () => {
    // Every repository page hangs until cancelled; /user answers 401.
    const intercept: Intercept = (url, request) =>
      url.pathname.endsWith('/user')
        ? apiError(401, 'Token is invalid')
        : url.pathname.includes('/repositories/')
          ? abortedBy(request.signal)
          : undefined;
    const fake = fakeBitbucket({ a: many('a', 5), b: many('b', 5) }, { intercept });
    const client = createClient({ apiUrl: API, authorization: () => 'Bearer t', fetch: fake.fetch });
    const outcome = loadEverything(
      client,
      { onUser: () => {}, onUserError: () => {}, onRepositories: () => {}, onWorkspaceError: () => {} },
      { parseRepository },
    );
    await expect(outcome).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    const pages = fake.requests.filter((r) => r.url.pathname.includes('/repositories/'));
    expect(pages.length).toBeGreaterThan(0);
    for (const request of pages) expect(request.signal?.aborted).toBe(true);
  });

  it('a /user cancelled with the failed load is not reported as a failure of its own', async () => {
    const intercept: Intercept = (url, request) =>
      url.pathname.endsWith('/user')
        ? abortedBy(request.signal)
        : url.pathname.includes('/repositories/')
          ? apiError(401, 'Token is invalid')
          : undefined;
    const fake = fakeBitbucket({ a: many('a', 5) }, { intercept });
    const client = createClient({ apiUrl: API, authorization: () => 'Bearer t', fetch: fake.fetch });
    const userErrors: string[] = [];
    const outcome = loadEverything(
      client,
      { onUser: () => {}, onUserError: (error) => void userErrors.push(error.code), onRepositories: () => {}, onWorkspaceError: () => {} },
      { parseRepository },
    );
    await expect(outcome).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    expect(userErrors).toEqual([]);
  });

  it('a next link that points back is refused instead of followed for ever', async () => {
    let calls = 0;
    const intercept: Intercept = (url) => {
      if (!url.pathname.endsWith('/repositories/loop')) return undefined;
      calls++;
      return json({ values: [repo('loop', calls)], next: `${API}/repositories/loop?cursor=same` });
    };
    const { errors } = await load({ loop: many('loop', 1) }, { intercept });
    expect(errors).toEqual([['loop', 'BAD_RESPONSE']]);
    expect(calls).toBe(2);
  });

  it('a failing workspace hands nothing over once it has failed', async () => {
    const emitted: string[] = [];
    const intercept: Intercept = (url, request) => {
      const page = url.searchParams.get('page');
      if (page === '3') return apiError(403, 'Forbidden');
      // Page 4 answers only after page 3 has failed: too late to count.
      if (page === '4') return abortedBy(request.signal);
      return undefined;
    };
    const fake = fakeBitbucket({ w: many('w', 400) }, { intercept });
    const client = createClient({ apiUrl: API, authorization: () => 'Bearer t', fetch: fake.fetch });
    const errors: string[] = [];
    await loadEverything(
      client,
      {
        onUser: () => {},
        onUserError: () => {},
        onRepositories: (_slug, repos) => void emitted.push(...repos.map((r) => r.full_name)),
        onWorkspaceError: (_slug, e) => void errors.push(e.code),
      },
      { parseRepository },
    );
    expect(errors).toEqual(['FORBIDDEN']);
    expect(fake.requests.find((r) => r.url.searchParams.get('page') === '4')?.signal?.aborted).toBe(true);
    expect(emitted).not.toContain('w/repo-300');
  });
});

describe('plannedPages', () => {
  it('plans nothing for a total beyond reason (it follows next instead)', () => {
    expect(plannedPages({ values: [], size: 500_000_000, pagelen: 100, next: `${API}/r?page=2` })).toEqual([]);
  });

  it('plans pages 2…N from size and pagelen, keeping the other parameters of next', () => {
    const pages = plannedPages({ values: [], size: 250, pagelen: 100, next: `${API}/repositories/w?pagelen=100&fields=x&page=2` });
    expect(pages.map((p) => p.url)).toEqual([
      `${API}/repositories/w?pagelen=100&fields=x&page=2`,
      `${API}/repositories/w?pagelen=100&fields=x&page=3`,
    ]);
  });
  it.each([
    ['no size', { values: [], next: `${API}/r?page=2` }],
    ['no next', { values: [], size: 500, pagelen: 100 }],
    ['a cursor', { values: [], size: 500, pagelen: 100, next: `${API}/r?cursor=abc` }],
  ])('plans nothing with %s', (_name, page) => {
    expect(plannedPages(page)).toEqual([]);
  });
});

describe('createLimiter', () => {
  it('never runs more than the bound at once, and runs everything', async () => {
    const limit = createLimiter(3);
    let running = 0;
    let peak = 0;
    const done = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        limit(async () => {
          peak = Math.max(peak, ++running);
          await new Promise((resolve) => setTimeout(resolve, 1 + (i % 3)));
          running--;
          return i;
        }),
      ),
    );
    expect(peak).toBe(3);
    expect(done).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });
});

describe('loadEverything: no round waits for the main thread', () => {
  it('every workspace’s remaining pages leave before any page’s repositories are checked or handed over', async () => {
    const held: Array<() => void> = [];
    const fake = fakeBitbucket({ big: many('big', 450), mid: many('mid', 250), small: many('small', 20) });
    const client = createClient({ apiUrl: API, authorization: () => 'Bearer t', fetch: fake.fetch });
    const handed: string[] = [];
    const done = loadEverything(
      client,
      { onUser: () => {}, onUserError: () => {}, onRepositories: (slug) => void handed.push(slug), onWorkspaceError: () => {} },
      { parseRepository, defer: (task) => void held.push(task) },
    );
    const pages = () => fake.requests.filter((r) => r.url.pathname.startsWith('/2.0/repositories/')).length;
    // 3 first pages, then 4 more of big and 2 more of mid: all of them with nothing handed over yet.
    for (let turns = 0; pages() < 9 || held.length < 9; turns++) {
      if (turns > 1000) throw new Error(`only ${pages()} pages asked, ${held.length} waiting`);
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
    expect(handed).toEqual([]);
    for (const task of held.splice(0)) task();
    await done;
    expect(handed.filter((slug) => slug === 'big')).toHaveLength(5);
  });
});

describe('loadEverything: bounded whatever the API sends', () => {
  const endless: Intercept = (url) => {
    if (!url.pathname.startsWith('/2.0/repositories/')) return undefined;
    const slug = url.pathname.split('/')[3] ?? '';
    const n = Number(url.searchParams.get('cursor') ?? 0);
    return json({ values: [repo(slug, n)], next: `${API}/repositories/${slug}?cursor=${n + 1}` });
  };

  async function boundedLoad(bounds: Parameters<typeof loadEverything>[2]['bounds']) {
    const fake = fakeBitbucket({ a: [], b: [], c: [] }, { intercept: endless });
    const client = createClient({ apiUrl: API, authorization: () => 'Bearer t', fetch: fake.fetch });
    const limits: Array<[string | null, string]> = [];
    let repositories = 0;
    await loadEverything(
      client,
      {
        onUser: () => {},
        onUserError: () => {},
        onRepositories: (_slug, repos) => void (repositories += repos.length),
        onWorkspaceError: () => {},
        onLimit: (slug, code) => void limits.push([slug, code]),
      },
      { parseRepository, ...(bounds ? { bounds } : {}) },
    );
    const pages = fake.requests.filter((r) => r.url.pathname.startsWith('/2.0/repositories/')).length;
    return { pages, repositories, limits };
  }

  it('stops each workspace at its own bound, and says which; what loaded stays', async () => {
    const { pages, repositories, limits } = await boundedLoad({ pagesPerList: 10 });
    expect(pages).toBe(30);
    expect(repositories).toBe(30);
    expect(limits.sort()).toEqual([
      ['a', 'PAGE_LIMIT'],
      ['b', 'PAGE_LIMIT'],
      ['c', 'PAGE_LIMIT'],
    ]);
  });

  it('stops the whole load at its bound (the workspace list counts too), and says so once', async () => {
    const { pages, repositories, limits } = await boundedLoad({ pagesPerLoad: 50 });
    expect(pages).toBe(49);
    expect(repositories).toBe(49);
    expect(limits).toEqual([[null, 'LOAD_LIMIT']]);
  });

  it('by default, a load of endless pages stops at 2,000 pages', async () => {
    const { pages, limits } = await boundedLoad(undefined);
    expect(pages).toBe(1999);
    expect(limits).toEqual([[null, 'LOAD_LIMIT']]);
  });

  /** Limits said by a load whose workspace list and repository lists are answered by `intercept`. */
  async function limitsOf(intercept: Intercept, bounds: Partial<Bounds>, onLimit = () => {}) {
    const fake = fakeBitbucket({ a: [], b: [] }, { intercept });
    const client = createClient({ apiUrl: API, authorization: () => 'Bearer t', fetch: fake.fetch });
    const limits: Array<[string | null, string]> = [];
    const ignore = () => {};
    const handlers = { onUser: ignore, onUserError: ignore, onRepositories: ignore, onWorkspaceError: ignore };
    const said = (slug: string | null, code: string) => {
      limits.push([slug, code]);
      onLimit();
    };
    await loadEverything(client, { ...handlers, onLimit: said }, { parseRepository, bounds });
    return limits;
  }

  it('a workspace list stopped at its bound is a bound of the whole load', async () => {
    const workspacePages: Intercept = (url, request) => {
      if (!url.pathname.endsWith('/user/workspaces')) return endless(url, request);
      const n = Number(url.searchParams.get('cursor') ?? 0);
      return json({ values: [{ workspace: { slug: `w${n}` } }], next: `${API}/user/workspaces?cursor=${n + 1}` });
    };
    expect(await limitsOf(workspacePages, { pagesPerList: 2 })).toEqual([
      [null, 'LOAD_LIMIT'],
      ['w0', 'PAGE_LIMIT'],
      ['w1', 'PAGE_LIMIT'],
    ]);
  });

  it('each bound is said whichever comes first: a workspace’s own, then the whole load’s', async () => {
    // a: one page of three repositories (past its bound of two); b: empty pages without end, the
    // second of them once a's bound has been said.
    const aStopped = gate();
    const intercept: Intercept = async (url, request) => {
      if (url.pathname.endsWith('/repositories/a')) return json({ values: [repo('a', 1), repo('a', 2), repo('a', 3)] });
      if (!url.pathname.endsWith('/repositories/b')) return endless(url, request);
      const n = Number(url.searchParams.get('cursor') ?? 0);
      if (n > 0) await aStopped.opened;
      return json({ values: [], next: `${API}/repositories/b?cursor=${n + 1}` });
    };
    expect(await limitsOf(intercept, { valuesPerList: 2, pagesPerLoad: 10 }, aStopped.open)).toEqual([
      ['a', 'VALUE_LIMIT'],
      [null, 'LOAD_LIMIT'],
    ]);
  });

  it('each bound is said whichever comes first: the whole load’s, then a workspace’s own', async () => {
    expect(await limitsOf(endless, { pagesPerList: 2, pagesPerLoad: 4 })).toEqual([
      [null, 'LOAD_LIMIT'],
      ['a', 'PAGE_LIMIT'],
    ]);
  });
});
