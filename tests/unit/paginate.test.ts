/**
 * The paginator, structurally: which request waited for which, how many were sent, and where a
 * bound stopped it. No timing: answers and the view's turn are released by the test.
 */
import { describe, expect, it } from 'vitest';
import { repositoryParser, type Repository } from '../../src/api-shapes.ts';
import { listRepositories } from '../../src/api.ts';
import { createClient } from '../../src/bitbucket.ts';
import { collect, createPageBudget, paginate, plannedPages, type PaginateOptions } from '../../src/paginate.ts';
import { API, fakeBitbucket, json, quickClient, repo, type Intercept } from '../support/fake-fetch.ts';

const many = (workspace: string, count: number) => Array.from({ length: count }, (_, n) => repo(workspace, n));
const check = repositoryParser(['https:']);

/** A view's turn that comes only when the test says so; counts how many pages wait for it. */
function heldView() {
  const waiting: Array<() => void> = [];
  return {
    yieldToView: () => new Promise<void>((resolve) => waiting.push(resolve)),
    get waiting() {
      return waiting.length;
    },
    release() {
      for (const resolve of waiting.splice(0)) resolve();
    },
  };
}

function setup(
  intercept?: Intercept,
  data: Record<string, ReturnType<typeof many>> = { w: many('w', 450) },
  extra: { omitSize?: boolean; cursor?: boolean } = {},
) {
  const fake = fakeBitbucket(data, { ...extra, ...(intercept ? { intercept } : {}) });
  const client = quickClient(fake.fetch);
  const handed: Repository[][] = [];
  const run = (options: Partial<PaginateOptions<Repository>> = {}) =>
    paginate({
      client,
      call: listRepositories('w', check),
      key: (r) => r.full_name,
      onValues: (values) => void handed.push(values),
      ...options,
    });
  const pagesAsked = () =>
    fake.requests
      .filter((r) => r.url.pathname === '/2.0/repositories/w')
      .map((r) => r.url.searchParams.get('page') ?? r.url.searchParams.get('cursor'));
  return { fake, run, handed, pagesAsked };
}

/** Lets the event loop turn until `condition` holds (answers are promises, not timers). */
async function until(condition: () => boolean): Promise<void> {
  for (let turns = 0; !condition(); turns++) {
    if (turns > 1000) throw new Error('condition never held');
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
}

describe('paginate: requests leave before values are read', () => {
  it('asks for every planned page as soon as the first page is read, before its values are handed over', async () => {
    const view = heldView();
    const { run, handed, pagesAsked } = setup();
    const done = run({ yieldToView: view.yieldToView });
    await until(() => pagesAsked().length === 5);
    // Pages 2…5 are on their way, and the first page's repositories still wait for the view.
    expect(pagesAsked()).toEqual([null, '2', '3', '4', '5']);
    expect(handed).toEqual([]);
    await until(() => view.waiting === 5);
    view.release();
    expect(await done).toBeNull();
    expect(handed.flat()).toHaveLength(450);
  });

  it('following next, asks for each next page as soon as the page before is read, whatever the view does', async () => {
    const view = heldView();
    const { run, handed, pagesAsked } = setup(undefined, { w: many('w', 250) }, { cursor: true });
    const done = run({ yieldToView: view.yieldToView });
    // Every page is asked for while not one has been handed over.
    await until(() => pagesAsked().length === 3 && view.waiting === 3);
    expect(handed).toEqual([]);
    view.release();
    expect(await done).toBeNull();
    expect(handed.map((page) => page.length)).toEqual([100, 100, 50]);
  });

  it('checks and hands over nothing of a list that failed', async () => {
    const view = heldView();
    const intercept: Intercept = (url) => (url.searchParams.get('page') === '3' ? json({ error: 'x' }, 403) : undefined);
    const { run, handed } = setup(intercept);
    const done = run({ yieldToView: view.yieldToView });
    await expect(done).rejects.toMatchObject({ code: 'FORBIDDEN', needs: { oauth: 'Repositories: Read' } });
    view.release();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(handed).toEqual([]);
  });
});

describe('paginate: bounded whatever the API sends', () => {
  /** Every page has a fresh `next`, for ever. */
  const endless: Intercept = (url) => {
    const n = Number(url.searchParams.get('cursor') ?? 0);
    return json({ values: [repo('w', n)], next: `${API}/repositories/w?cursor=${n + 1}` });
  };

  it('endless fresh next links stop at the bound of pages per list, keeping what came', async () => {
    const { run, handed, fake } = setup(endless);
    expect(await run({ bounds: { pagesPerList: 25 } })).toBe('PAGE_LIMIT');
    expect(fake.requests).toHaveLength(25);
    expect(handed.flat()).toHaveLength(25);
  });

  it('stops at the default bound of 1,000 pages per list', async () => {
    const { run, fake } = setup(endless);
    expect(await run()).toBe('PAGE_LIMIT');
    expect(fake.requests).toHaveLength(1000);
  });

  it('a budget shared by the lists of a load stops them all once spent', async () => {
    const budget = createPageBudget(30);
    const first = setup(endless);
    const second = setup(endless);
    expect(await first.run({ budget })).toBe('LOAD_LIMIT');
    expect(await second.run({ budget })).toBe('LOAD_LIMIT');
    expect(first.fake.requests.length + second.fake.requests.length).toBe(30);
    expect(second.fake.requests).toHaveLength(0);
  });

  it('plans no more pages than the load has left, and says why it stopped', async () => {
    const { run, pagesAsked } = setup();
    expect(await run({ budget: createPageBudget(3) })).toBe('LOAD_LIMIT');
    expect(pagesAsked()).toEqual([null, '2', '3']);
  });

  it('a first page claiming a size beyond the bound plans nothing and follows next, page by page', async () => {
    const view = heldView();
    const huge: Intercept = (url) => {
      const page = Number(url.searchParams.get('page') ?? 1);
      return json({
        size: 10_000_000,
        page,
        pagelen: 100,
        values: many('w', 100).map((r) => ({ ...r, full_name: `w/${page}-${r.full_name}` })),
        ...(page < 3 ? { next: `${API}/repositories/w?page=${page + 1}` } : {}),
      });
    };
    const { run, pagesAsked } = setup(huge);
    const done = run({ yieldToView: view.yieldToView });
    await until(() => view.waiting === 3);
    view.release();
    expect(await done).toBeNull();
    // Page by page as next leads, and no page was planned from the claimed total.
    expect(pagesAsked()).toEqual([null, '2', '3']);
  });

  it('stops at the bound of values per list, keeping exactly that many', async () => {
    const { run, handed } = setup(undefined, { w: many('w', 450) });
    expect(await run({ bounds: { valuesPerList: 150 } })).toBe('VALUE_LIMIT');
    expect(handed.flat()).toHaveLength(150);
  });

  it('keeps only the start of a long description (memory stays bounded)', async () => {
    const { run, handed } = setup(undefined, { w: many('w', 3).map((r) => ({ ...r, description: 'x'.repeat(5000) })) });
    await run();
    expect(handed.flat().every((r) => r.description.length === 500)).toBe(true);
  });
});

describe('plannedPages', () => {
  it('plans nothing for a total beyond the bounds (it follows next instead)', () => {
    expect(plannedPages({ values: [], size: 500_000_000, pagelen: 100, next: `${API}/r?page=2` })).toEqual([]);
    expect(plannedPages({ values: [], size: 100_001, pagelen: 100, next: `${API}/r?page=2` })).toEqual([]);
    expect(plannedPages({ values: [], size: 1001, pagelen: 1, next: `${API}/r?page=2` })).toEqual([]);
    expect(plannedPages({ values: [], size: 100_000, pagelen: 100, next: `${API}/r?page=2` })).toHaveLength(999);
  });
});

describe('collect', () => {
  it('gathers every value of a list, in order, and says where a bound stopped it', async () => {
    const fake = fakeBitbucket({ w: many('w', 250) });
    const client = createClient({ apiUrl: API, authorization: () => 'Bearer t', fetch: fake.fetch });
    const call = listRepositories('w', check);
    const all = await collect({ client, call });
    expect(all.stopped).toBeNull();
    expect(all.values.map((r) => r.full_name)).toEqual(many('w', 250).map((r) => r.full_name));
    const some = await collect({ client, call, bounds: { pagesPerList: 2 } });
    expect([some.values.length, some.stopped]).toEqual([200, 'PAGE_LIMIT']);
  });
});
