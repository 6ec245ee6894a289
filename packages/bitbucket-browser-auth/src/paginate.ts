/**
 * The paginator: every page of a list, fast and bounded. The first page; then, when it gives a
 * total and numbered pages, all the others at once; then `next` to the end. A page's requests
 * leave as soon as its envelope (`next`, `size`, `pagelen`) is read, before its values are
 * checked or handed over, so that checking, indexing and rendering never hold a request back.
 * @see https://developer.atlassian.com/cloud/bitbucket/rest/intro/#pagination
 */
import { readEnvelope, type Page } from './checks.js';
import { ApiError, type Permission, type RequestOptions } from './client.js';

/**
 * Why a list stopped before its end: more pages in one list than the bound, more values in one
 * list than the bound, or more pages across the whole load than its bound.
 */
export type LimitCode = 'PAGE_LIMIT' | 'VALUE_LIMIT' | 'LOAD_LIMIT';

/** How far a list, and a whole load, may go whatever the API sends. */
export interface Bounds {
  /** Pages of one list, planned or followed. */
  pagesPerList: number;
  /** Values of one list. */
  valuesPerList: number;
  /** Pages of every list of one load together, planned or followed. */
  pagesPerLoad: number;
}

/** The default bounds: 1,000 pages or 100,000 values in one list, 2,000 pages in one load. */
export const BOUNDS: Bounds = { pagesPerList: 1000, valuesPerList: 100_000, pagesPerLoad: 2000 };

/** The pages a whole load may still ask for, shared by its lists. */
export interface PageBudget {
  left: number;
}

/** A budget of `pages` pages. */
export const createPageBudget = (pages: number): PageBudget => ({ left: pages });

/** Runs a task when a slot is free: how lists share the requests in flight. */
export type Limiter = <T>(task: () => Promise<T>) => Promise<T>;

/** A request for a paginated list: its first page, what it needs, and the check of each value. */
export interface ListCall<T> {
  /** The first page, with `pagelen` and `fields`; the others follow from the answers. */
  path: string;
  needs?: Permission | undefined;
  check: (json: unknown, path: string) => T;
}

/** What the paginator asks pages of: a client's `get`, or a `BitbucketAuth`. */
export interface PageSource {
  /** GETs a path below the API base or an absolute `next` link on the API's origin. */
  get(pathOrUrl: string, options?: RequestOptions): Promise<unknown>;
}

export interface PaginateOptions<T> {
  client: PageSource;
  call: ListCall<T>;
  /** New values, page by page (none already handed over, when `key` is given). */
  onValues: (values: T[]) => void;
  /** What makes two values the same (a repository's `full_name`): repeats are dropped. */
  key?: ((value: T) => string) | undefined;
  signal?: AbortSignal | undefined;
  /** Shares the requests in flight with other lists. */
  limit?: Limiter | undefined;
  /** Shares the pages of a whole load with other lists. */
  budget?: PageBudget | undefined;
  bounds?: Partial<Bounds> | undefined;
  /**
   * Resolves when a page's values may be checked and handed over (an app passes its scheduler).
   * The requests the page made known are sent before it is called.
   */
  yieldToView?: (() => Promise<void>) | undefined;
}

/** Requests in flight at most, unless a shared limiter is given. */
export const DEFAULT_MAX_IN_FLIGHT = 12;

/**
 * Loads every page of `call`. Resolves with null when the list is complete, or with the bound
 * that stopped it (what was loaded is kept). Rejects with an `ApiError` when the list fails; its
 * requests still in flight are cancelled then, and hand nothing over.
 */
export async function paginate<T>(options: PaginateOptions<T>): Promise<LimitCode | null> {
  const list = openList(options);
  try {
    const first = await request(list, options.call.path);
    if (first) await walk(list, first);
    return end(list);
  } catch (error) {
    return end(list, error);
  }
}

/** One list being loaded: what the phases below ({@link walk}, {@link follow}) share. */
interface List<T> {
  readonly options: PaginateOptions<T>;
  readonly bounds: Bounds;
  readonly budget: PageBudget;
  readonly limit: Limiter;
  /** The first page's path without its query: what errors name. */
  readonly path: string;
  /** Cancels what is in flight once the list fails or reaches a bound. */
  readonly own: AbortController;
  /** The caller's signal and `own` together: what each request listens to. */
  readonly signal: AbortSignal;
  /** The keys of the values handed over, when the list has a `key`. */
  readonly seen: Set<string>;
  pages: number;
  values: number;
  /** The bound that stopped the list, if one did. */
  stopped: LimitCode | null;
  /** The first failure of a page being taken: it ends the list. */
  failure?: unknown;
}

function openList<T>(options: PaginateOptions<T>): List<T> {
  const bounds = { ...BOUNDS, ...options.bounds };
  const own = new AbortController();
  return {
    options,
    bounds,
    budget: options.budget ?? createPageBudget(bounds.pagesPerLoad),
    limit: options.limit ?? createLimiter(DEFAULT_MAX_IN_FLIGHT),
    path: options.call.path.split('?')[0] ?? options.call.path,
    own,
    signal: options.signal ? AbortSignal.any([options.signal, own.signal]) : own.signal,
    seen: new Set(),
    pages: 0,
    values: 0,
    stopped: null,
  };
}

/** Sends the request for a page, when the bounds allow one more; null (and why) when not. */
function request<T>(list: List<T>, url: string): Promise<Page<unknown>> | null {
  if (list.pages >= list.bounds.pagesPerList) list.stopped ??= 'PAGE_LIMIT';
  else if (list.budget.left <= 0) list.stopped ??= 'LOAD_LIMIT';
  else {
    list.pages++;
    list.budget.left--;
    const { client, call } = list.options;
    const page = list
      .limit(() => client.get(url, { signal: list.signal, needs: call.needs }))
      .then((json) => readEnvelope(json, list.path));
    // Whoever awaits the page sees its failure; a page nobody awaits any more (the list failed
    // or stopped) is not an unhandled rejection.
    page.catch(() => {});
    return page;
  }
  return null;
}

/** Checks a page's values and hands the new ones over, once the view has had its turn. */
async function take<T>(list: List<T>, page: Page<unknown>): Promise<void> {
  const { call, key, signal, yieldToView } = list.options;
  await yieldToView?.();
  if (signal?.aborted) throw new ApiError('ABORTED', list.path);
  // The list failed or reached a bound meanwhile: this page is not wanted any more.
  if (list.own.signal.aborted) return;
  const checked = page.values.map((value) => call.check(value, list.path));
  const fresh = key ? checked.filter((value) => !list.seen.has(key(value)) && list.seen.add(key(value))) : checked;
  if (fresh.length > list.bounds.valuesPerList - list.values) {
    fresh.length = list.bounds.valuesPerList - list.values;
    list.stopped ??= 'VALUE_LIMIT';
    // Nothing more of this list is wanted: what is still in flight is cancelled.
    list.own.abort();
  }
  list.values += fresh.length;
  if (fresh.length > 0) list.options.onValues(fresh);
}

/** Ends the list with its first failure: the rest is cancelled. */
function fail<T>(list: List<T>, error: unknown): void {
  list.failure ??= error;
  list.own.abort();
}

/**
 * How the list ends: with the error thrown, if one was; otherwise with the failure of a page
 * taken, the bound that stopped it, or null (complete).
 */
function end<T>(list: List<T>, ...thrown: [error: unknown] | []): LimitCode | null {
  if (thrown.length === 0 && list.failure === undefined) return list.stopped;
  list.own.abort();
  const [error] = thrown;
  // Cancelled because a bound was reached: not a failure, the list simply ends there.
  const byBound = error instanceof ApiError && error.code === 'ABORTED' && list.stopped !== null && !list.options.signal?.aborted;
  if (list.failure === undefined && byBound) return list.stopped;
  throw list.failure ?? error;
}

/**
 * Takes the first page, and with a total and numbered pages asks for every other page at once;
 * then follows `next` from the last page of the unbroken run (the gap after a page that failed,
 * or pages added since the total was read).
 */
async function walk<T>(list: List<T>, first: Page<unknown>): Promise<void> {
  const planned: Array<{ number: number; page: Promise<Page<unknown>> }> = [];
  for (const { number, url } of plannedPages(first, list.bounds)) {
    const page = request(list, url);
    if (!page) break;
    planned.push({ number, page });
  }
  if (planned.length === 0) {
    await Promise.all([take(list, first), follow(list, first.next)]);
    return;
  }
  const [, ...pages] = await Promise.all([take(list, first), ...planned.map(({ number, page }) => takePlanned(list, number, page))]);
  let last = first;
  for (const page of pages) {
    if (!page) break;
    last = page;
  }
  if (list.stopped === null) await follow(list, last.next);
}

/**
 * A planned page, taken when it is the page it should be; undefined when it is empty, another
 * page, or failed to come in a way that following `next` may recover from.
 */
async function takePlanned<T>(list: List<T>, number: number, request: Promise<Page<unknown>>): Promise<Page<unknown> | undefined> {
  try {
    const page = await request;
    if (page.values.length === 0 || (page.page !== undefined && page.page !== number)) return undefined;
    await take(list, page);
    return page;
  } catch (error) {
    if (isRecoverable(error)) return undefined;
    throw error;
  }
}

/**
 * Follows `next` from `url` to the end. Each next page is asked for as soon as the page before
 * is read; taking the pages runs alongside, in their order, and never holds a request back.
 */
async function follow<T>(list: List<T>, url: string | undefined): Promise<void> {
  const followed = new Set<string>();
  const ask = (next: string | undefined) => {
    if (!next) return null;
    // A `next` seen before would go round for ever: that answer is refused.
    if (followed.has(next)) throw new ApiError('BAD_RESPONSE', list.path);
    followed.add(next);
    return request(list, next);
  };
  const taken: Promise<void>[] = [];
  for (let pending = ask(url); pending && list.failure === undefined;) {
    const page = await pending;
    pending = ask(page.next);
    taken.push(take(list, page).catch((error: unknown) => fail(list, error)));
  }
  await Promise.all(taken);
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
