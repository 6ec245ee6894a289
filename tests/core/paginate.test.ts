/**
 * The paginator, structurally: which request waited for which, how many were sent, and where a
 * bound stopped it. No timing: answers and the view's turn are released by the test.
 */
import { describe, expect, it } from 'vitest';
import { repositoryParser, type Repository } from '../../src/api-shapes.ts';
import { listRepositories } from '../../src/api.ts';
import {
  createLimiter,
  createPageBudget,
  paginate,
  plannedPages,
  type PaginateOptions,
} from '../../packages/bitbucket-browser-auth/src/paginate.ts';
import { abortedBy, API, fakeBitbucket, gate, json, quickClient, repo, type Intercept } from '../support/fake-fetch.ts';

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

describe('paginate: what is in flight', () => {
  it('without a shared limiter, keeps at most 12 requests in flight', async () => {
    const held = gate();
    const intercept: Intercept = (url) => (url.searchParams.get('page') ? held.opened.then(() => undefined) : undefined);
    const { run, handed, pagesAsked } = setup(intercept, { w: many('w', 2000) });
    const done = run();
    await until(() => pagesAsked().length === 13);
    // The first page, then 12 of the 19 planned: the rest wait for a free slot.
    for (let turn = 0; turn < 20; turn++) await new Promise((resolve) => setTimeout(resolve, 0));
    expect(pagesAsked()).toHaveLength(13);
    held.open();
    expect(await done).toBeNull();
    expect(handed.flat()).toHaveLength(2000);
    expect(pagesAsked()).toHaveLength(20);
  });

  it('a cancel from outside stops the list: it rejects with ABORTED, cancels its requests and hands nothing over', async () => {
    const view = heldView();
    const outside = new AbortController();
    const { run, handed, fake } = setup();
    const done = run({ yieldToView: view.yieldToView, signal: outside.signal });
    await until(() => view.waiting === 5);
    outside.abort();
    view.release();
    await expect(done).rejects.toMatchObject({ code: 'ABORTED', path: '/repositories/w' });
    expect(handed).toEqual([]);
    expect(fake.requests.every((r) => r.signal?.aborted)).toBe(true);
  });

  it('a list that ends exactly at the bound of values is complete', async () => {
    const { run, handed } = setup(undefined, { w: many('w', 450) });
    expect(await run({ bounds: { valuesPerList: 450 } })).toBeNull();
    expect(handed.flat()).toHaveLength(450);
  });

  it('reaching the bound of values cancels the pages still in flight, and ends there', async () => {
    // Pages 4 and 5 answer only when cancelled.
    const intercept: Intercept = (url, request) =>
      ['4', '5'].includes(url.searchParams.get('page') ?? '') ? abortedBy(request.signal) : undefined;
    const { run, handed } = setup(intercept, { w: many('w', 450) });
    let outcome: unknown;
    void run({ bounds: { valuesPerList: 150 } }).then((result) => (outcome = result));
    await until(() => outcome !== undefined);
    expect(outcome).toBe('VALUE_LIMIT');
    expect(handed.flat().map((r) => r.full_name)).toEqual(many('w', 150).map((r) => r.full_name));
  });

  it('without a budget, one list is bounded by the pages of a whole load', async () => {
    const endless: Intercept = (url) => {
      const n = Number(url.searchParams.get('cursor') ?? 0);
      return json({ values: [repo('w', n)], next: `${API}/repositories/w?cursor=${n + 1}` });
    };
    const { run, fake } = setup(endless);
    expect(await run({ bounds: { pagesPerLoad: 7 } })).toBe('LOAD_LIMIT');
    expect(fake.requests).toHaveLength(7);
  });
});

describe('paginate: repeats and wrong answers', () => {
  /** Pages of `pages` (repository numbers, or a value as it comes), linked by cursor, without a total. */
  const linked =
    (pages: Array<Array<number | object>>): Intercept =>
    (url) => {
      const n = Number(url.searchParams.get('cursor') ?? 0);
      const next = n + 1 < pages.length ? { next: `${API}/repositories/w?cursor=${n + 1}` } : {};
      return json({ values: (pages[n] ?? []).map((k) => (typeof k === 'number' ? repo('w', k) : k)), ...next });
    };

  it('with a key, a value already handed over is dropped, and a page of repeats hands nothing; without one, all is kept', async () => {
    const pages = [[0, 1], [1, 2], [2]];
    const keyed = setup(linked(pages));
    expect(await keyed.run()).toBeNull();
    expect(keyed.handed.map((page) => page.map((r) => r.full_name))).toEqual([['w/repo-0', 'w/repo-1'], ['w/repo-2']]);
    const unkeyed: Repository[][] = [];
    const fake = fakeBitbucket({}, { intercept: linked(pages) });
    const call = listRepositories('w', check);
    expect(await paginate({ client: quickClient(fake.fetch), call, onValues: (values) => void unkeyed.push(values) })).toBeNull();
    expect(unkeyed.map((page) => page.length)).toEqual([2, 2, 1]);
  });

  it('a value that fails its check, on a page reached by next, fails the list with the path without its query', async () => {
    const { run, handed } = setup(linked([[0, 1], [{ name: 42 }], [3]]));
    await expect(run()).rejects.toMatchObject({ code: 'BAD_RESPONSE', path: '/repositories/w' });
    expect(handed.flat().map((r) => r.full_name)).toEqual(['w/repo-0', 'w/repo-1']);
  });

  it('a planned page answered as another page is not taken: following next gets the right one', async () => {
    let swapped = false;
    const intercept: Intercept = (url) => {
      if (url.searchParams.get('page') !== '3' || swapped) return undefined;
      swapped = true;
      return json({ size: 450, page: 2, pagelen: 100, values: many('w', 200).slice(100) });
    };
    const { run, handed, pagesAsked } = setup(intercept);
    expect(await run()).toBeNull();
    expect(handed.flat().map((r) => r.full_name)).toEqual(expect.arrayContaining(many('w', 450).map((r) => r.full_name)));
    expect(handed.flat()).toHaveLength(450);
    expect(pagesAsked()).toEqual([null, '2', '3', '4', '5', '3', '4', '5']);
  });

  it('a planned page that went missing (404) or came empty is asked again by following next', async () => {
    let missing = true;
    const intercept: Intercept = (url) => {
      const page = url.searchParams.get('page');
      if (page === '2' && missing) {
        missing = false;
        return json({ type: 'error', error: { message: 'gone' } }, 404);
      }
      if (page === '5') return json({ size: 450, page: 5, pagelen: 100, values: [] });
      return undefined;
    };
    const { run, handed, pagesAsked } = setup(intercept);
    expect(await run()).toBeNull();
    expect(handed.flat()).toHaveLength(400);
    expect(pagesAsked()).toEqual([null, '2', '3', '4', '5', '2', '3', '4', '5']);
  });
});

describe('plannedPages: where the count comes from', () => {
  it('without pagelen, counts by the values of the first page', () => {
    const first = { values: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], size: 25, next: `${API}/r?page=2` };
    expect(plannedPages(first).map((p) => p.number)).toEqual([2, 3]);
  });

  it('plans nothing with a next that is no URL, or pages of no values', () => {
    expect(plannedPages({ values: [], size: 25, pagelen: 10, next: 'page=2' })).toEqual([]);
    expect(plannedPages({ values: [], size: 25, next: `${API}/r?page=2` })).toEqual([]);
    expect(plannedPages({ values: [], size: 25, pagelen: 0, next: `${API}/r?page=2` })).toEqual([]);
  });
});

describe('createLimiter: slots', () => {
  it('hands a freed slot to the task waiting longest, and frees it for later tasks once none wait', async () => {
    const limit = createLimiter(1);
    const started: string[] = [];
    const first = gate();
    const task = (name: string, wait = Promise.resolve()) =>
      limit(async () => {
        started.push(name);
        await wait;
      });
    const all = [task('a', first.opened), task('b'), task('c')];
    await until(() => started.length === 1);
    expect(started).toEqual(['a']);
    first.open();
    await Promise.all(all);
    expect(started).toEqual(['a', 'b', 'c']);
    // Nothing waits any more: a new task has the slot at once.
    let later = false;
    void task('d').then(() => (later = true));
    await until(() => later);
    expect(started).toEqual(['a', 'b', 'c', 'd']);
  });
});
