/**
 * The paginator: every page of a list, fast and bounded. The first page; then, when it gives a
 * total and numbered pages, all the others at once; then `next` to the end. A page's requests
 * leave as soon as its envelope (`next`, `size`, `pagelen`) is read, before its values are
 * checked or handed over, so that checking, indexing and rendering never hold a request back.
 * @see https://developer.atlassian.com/cloud/bitbucket/rest/intro/#pagination
 */
import { readEnvelope, type Page } from './api-shapes.ts';
import type { ListCall } from './api.ts';
import { ApiError, type BitbucketClient } from './bitbucket.ts';

/**
 * Why a list stopped before its end: more pages in one list than the bound, more values in one
 * list than the bound, or more pages across the whole load than its bound.
 */
export type LimitCode = 'PAGE_LIMIT' | 'VALUE_LIMIT' | 'LOAD_LIMIT';

/** How far a list, and a whole load, may go whatever the API sends. */
export interface Bounds {
  /** Pages of one list, planned or followed. */
  pagesPerList: number;
  /** Values of one list (repositories of a workspace). */
  valuesPerList: number;
  /** Pages of every list of one load together, planned or followed. */
  pagesPerLoad: number;
}

export const BOUNDS: Bounds = { pagesPerList: 1000, valuesPerList: 100_000, pagesPerLoad: 2000 };

/** The pages a whole load may still ask for, shared by its lists. */
export interface PageBudget {
  left: number;
}

/** A budget of `pages` pages. */
export const createPageBudget = (pages: number): PageBudget => ({ left: pages });

export type Limiter = <T>(task: () => Promise<T>) => Promise<T>;

export interface PaginateOptions<T> {
  client: BitbucketClient;
  call: ListCall<T>;
  /** New values, page by page (none already handed over, when `key` is given). */
  onValues: (values: T[]) => void;
  /** What makes two values the same (a repository's `full_name`): repeats are dropped. */
  key?: (value: T) => string;
  signal?: AbortSignal;
  /** Shares the requests in flight with other lists. */
  limit?: Limiter;
  /** Shares the pages of a whole load with other lists. */
  budget?: PageBudget;
  bounds?: Partial<Bounds>;
  /**
   * Resolves when a page's values may be checked and handed over (the app passes its scheduler).
   * The requests the page made known are sent before it is called.
   */
  yieldToView?: () => Promise<void>;
}

/** Requests in flight at most, unless a shared limiter is given. */
export const DEFAULT_MAX_IN_FLIGHT = 12;

/**
 * Loads every page of `call`. Resolves with null when the list is complete, or with the bound
 * that stopped it (what was loaded is kept). Rejects with an `ApiError` when the list fails; its
 * requests still in flight are cancelled then, and hand nothing over.
 */
export async function paginate<T>(options: PaginateOptions<T>): Promise<LimitCode | null> {
  const { client, call, key } = options;
  const bounds = { ...BOUNDS, ...options.bounds };
  const budget = options.budget ?? createPageBudget(bounds.pagesPerLoad);
  const limit = options.limit ?? createLimiter(DEFAULT_MAX_IN_FLIGHT);
  const yieldToView = options.yieldToView ?? (() => Promise.resolve());
  const path = call.path.split('?')[0] ?? call.path;
  const own = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, own.signal]) : own.signal;
  const seen = new Set<string>();
  let pages = 0;
  let values = 0;
  let stopped: LimitCode | null = null;

  /** Sends the request for a page, when the bounds allow one more; null (and why) when not. */
  const request = (url: string): Promise<Page<unknown>> | null => {
    if (pages >= bounds.pagesPerList) stopped ??= 'PAGE_LIMIT';
    else if (budget.left <= 0) stopped ??= 'LOAD_LIMIT';
    else {
      pages++;
      budget.left--;
      const page = limit(() => client.get(url, { signal, needs: call.needs })).then((json) => readEnvelope(json, path));
      // Whoever awaits the page sees its failure; a page nobody awaits any more (the list failed
      // or stopped) is not an unhandled rejection.
      page.catch(() => {});
      return page;
    }
    return null;
  };

  /** Checks a page's values and hands the new ones over, once the view has had its turn. */
  const take = async (page: Page<unknown>): Promise<void> => {
    await yieldToView();
    if (options.signal?.aborted) throw new ApiError('ABORTED', path);
    // The list failed or reached a bound meanwhile: this page is not wanted any more.
    if (own.signal.aborted) return;
    const checked = page.values.map((value) => call.check(value, path));
    const fresh = key ? checked.filter((value) => !seen.has(key(value)) && seen.add(key(value))) : checked;
    if (fresh.length > bounds.valuesPerList - values) {
      fresh.length = bounds.valuesPerList - values;
      stopped ??= 'VALUE_LIMIT';
      // Nothing more of this list is wanted: what is still in flight is cancelled.
      own.abort();
    }
    values += fresh.length;
    if (fresh.length > 0) options.onValues(fresh);
  };

  /**
   * Follows `next` from `url` to the end. Each next page is asked for as soon as the page before
   * is read; taking the pages runs alongside, in their order, and never holds a request back.
   */
  const follow = async (url: string | undefined): Promise<void> => {
    const followed = new Set<string>();
    const ask = (next: string | undefined) => {
      if (!next) return null;
      // A `next` seen before would go round for ever: that answer is refused.
      if (followed.has(next)) throw new ApiError('BAD_RESPONSE', path);
      followed.add(next);
      return request(next);
    };
    const taken: Promise<void>[] = [];
    for (let pending = ask(url); pending && failure === undefined;) {
      const page = await pending;
      pending = ask(page.next);
      taken.push(take(page).catch(failWith));
    }
    await Promise.all(taken);
  };

  // The first failure of a page being taken ends the list: the rest is cancelled.
  let failure: unknown;
  const failWith = (error: unknown) => {
    failure ??= error;
    own.abort();
  };

  try {
    const firstRequest = request(call.path);
    if (!firstRequest) return stopped;
    const first = await firstRequest;
    // With a total and numbered pages, every other page is asked for now, before the first is read.
    const planned: Array<{ number: number; page: Promise<Page<unknown>> }> = [];
    for (const { number, url } of plannedPages(first, bounds)) {
      const page = request(url);
      if (!page) break;
      planned.push({ number, page });
    }
    if (planned.length === 0) {
      await Promise.all([take(first), follow(first.next)]);
      if (failure !== undefined) throw failure;
      return stopped;
    }
    const [, ...pages] = await Promise.all([
      take(first),
      ...planned.map(({ number, page }) =>
        page
          .then(async (next) => {
            if (next.values.length === 0 || (next.page !== undefined && next.page !== number)) return undefined;
            await take(next);
            return next;
          })
          // A page that fails to come, or comes wrong, is no reason to give up: following `next` below recovers.
          .catch((error: unknown) => (isRecoverable(error) ? undefined : Promise.reject(error))),
      ),
    ]);
    // Follow `next` from the last page of the unbroken run: the gap after a page that failed, or
    // pages added since the total was read.
    let last = first;
    for (const page of pages) {
      if (!page) break;
      last = page;
    }
    if (stopped === null) await follow(last.next);
    if (failure !== undefined) throw failure;
    return stopped;
  } catch (error) {
    own.abort();
    // Cancelled because a bound was reached: not a failure, the list simply ends there.
    if (failure === undefined && stopped !== null && !options.signal?.aborted && error instanceof ApiError && error.code === 'ABORTED') {
      return stopped;
    }
    throw failure ?? error;
  }
}

/** Every value of a list, for a list shown whole (a repository's branches); and the bound that stopped it, if any. */
export async function collect<T>(options: Omit<PaginateOptions<T>, 'onValues'>): Promise<{ values: T[]; stopped: LimitCode | null }> {
  const values: T[] = [];
  const stopped = await paginate({ ...options, onValues: (page) => void values.push(...page) });
  return { values, stopped };
}

/** Errors after which following `next` may still get the page: a wrong answer, or none. */
function isRecoverable(error: unknown): boolean {
  return error instanceof ApiError && (error.code === 'BAD_RESPONSE' || error.code === 'NOT_FOUND');
}

/**
 * The URLs of pages 2…N, when the first page gives a total and a `next` with `page=2`. A total
 * beyond the bounds is not planned for: following `next` is bounded by what really comes.
 */
export function plannedPages(
  first: Page<unknown>,
  bounds: Pick<Bounds, 'pagesPerList' | 'valuesPerList'> = BOUNDS,
): Array<{ number: number; url: string }> {
  if (first.size === undefined || !first.next || first.size > bounds.valuesPerList) return [];
  let next: URL;
  try {
    next = new URL(first.next);
  } catch {
    return [];
  }
  if (next.searchParams.get('page') !== '2') return [];
  const pagelen = first.pagelen ?? first.values.length;
  if (pagelen <= 0) return [];
  const count = Math.ceil(first.size / pagelen);
  if (count > bounds.pagesPerList) return [];
  const pages: Array<{ number: number; url: string }> = [];
  for (let number = 2; number <= count; number++) {
    next.searchParams.set('page', String(number));
    pages.push({ number, url: next.href });
  }
  return pages;
}

/** Runs at most `max` tasks at a time, in the order they were given. */
export function createLimiter(max: number): Limiter {
  let running = 0;
  const queue: Array<() => void> = [];
  return async (task) => {
    if (running < max) running++;
    else await new Promise<void>((resolve) => queue.push(resolve));
    try {
      return await task();
    } finally {
      // Hand the slot straight to the next task in line, so no newcomer can slip in between.
      const next = queue.shift();
      if (next) next();
      else running--;
    }
  };
}
