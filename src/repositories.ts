/**
 * Loads every repository the user can see, fast: the user and the workspaces together, the first
 * page of every workspace at once, then the remaining pages in parallel when the first page says
 * how many there are; otherwise it follows `next`. Repositories are handed over page by page.
 * @see https://developer.atlassian.com/cloud/bitbucket/rest/intro/#pagination
 */
import {
  parsePage,
  parseUser,
  parseWorkspaceAccess,
  REPOSITORY_FIELDS,
  WORKSPACE_FIELDS,
  type Page,
  type Repository,
  type User,
} from './api-shapes.ts';
import { ApiError, type BitbucketClient } from './bitbucket.ts';

export interface LoadHandlers {
  onUser(user: User): void;
  /** `/user` failed: only the display name depends on it, so the rest goes on. */
  onUserError(error: ApiError): void;
  /** New repositories of a workspace (never one already handed over). */
  onRepositories(workspace: string, repositories: Repository[]): void;
  /** A workspace failed; the others go on. */
  onWorkspaceError(workspace: string, error: ApiError): void;
}

export interface LoadOptions {
  signal?: AbortSignal;
  /** Requests in flight at most, across all workspaces. */
  maxInFlight?: number;
  /** Checks one repository; `listedUnder` is the workspace whose list it came in. */
  parseRepository: (json: unknown, path: string, listedUnder: string) => Repository;
}

/** Bitbucket's largest page. */
export const PAGELEN = 100;
const DEFAULT_MAX_IN_FLIGHT = 12;
/** At most this many pages (100,000 repositories a workspace) are asked for in parallel. */
const MAX_PLANNED_PAGES = 1000;

/**
 * Loads the user, the workspaces and all their repositories. Rejects when the workspace list
 * cannot be had, or the token is refused; a failing `/user` or workspace is reported alone.
 */
export async function loadEverything(client: BitbucketClient, handlers: LoadHandlers, options: LoadOptions): Promise<void> {
  // The first failure ends the whole load: what is still in flight is cancelled, not left running.
  const [signal, cancel] = linkedSignal(options.signal);
  const scoped = { ...options, signal };
  const limit = createLimiter(options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT);
  const get = (url: string) => limit(() => client.get(url, signal));
  let failure: unknown;
  const fail = (error: unknown) => {
    failure ??= error;
    cancel();
  };

  const loads: Promise<void>[] = [
    get('/user').then(
      (json) => handlers.onUser(parseUser(json)),
      (error: unknown) => {
        // A refused token or a cancelled load concerns everything; any other failure only the name.
        if (!(error instanceof ApiError) || error.code === 'UNAUTHORIZED' || error.code === 'ABORTED') throw error;
        handlers.onUserError(error);
      },
    ),
  ];
  loads[0]?.catch(fail);
  try {
    const slugs = new Set<string>();
    const pages = new Set<string>();
    for (let url: string | undefined = `/user/workspaces?pagelen=${PAGELEN}&fields=${encodeURIComponent(WORKSPACE_FIELDS)}`; url;) {
      if (pages.has(url)) throw new ApiError('BAD_RESPONSE', '/user/workspaces');
      pages.add(url);
      const page: Page<{ slug: string }> = parsePage(await get(url), '/user/workspaces', parseWorkspaceAccess);
      for (const { slug } of page.values) {
        if (!slugs.has(slug)) loads.push(loadWorkspaceReporting(client, slug, handlers, scoped, limit));
        slugs.add(slug);
      }
      url = page.next;
    }
    await Promise.all(loads);
  } catch (error) {
    fail(error);
    await Promise.allSettled(loads);
    throw failure;
  }
}

/** A signal that aborts with `parent`, or when the returned function is called. */
function linkedSignal(parent?: AbortSignal): [AbortSignal, () => void] {
  const own = new AbortController();
  return [parent ? AbortSignal.any([parent, own.signal]) : own.signal, () => own.abort()];
}

/** Loads one workspace again (after it failed), reporting as {@link loadEverything} does. */
export function reloadWorkspace(client: BitbucketClient, slug: string, handlers: LoadHandlers, options: LoadOptions): Promise<void> {
  return loadWorkspaceReporting(client, slug, handlers, options, createLimiter(options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT));
}

async function loadWorkspaceReporting(
  client: BitbucketClient,
  slug: string,
  handlers: LoadHandlers,
  options: LoadOptions,
  limit: Limiter,
): Promise<void> {
  try {
    await loadWorkspace(client, slug, (repositories) => handlers.onRepositories(slug, repositories), options, limit);
  } catch (error) {
    // A refused token or a cancelled load concerns everything, not this workspace.
    if (!(error instanceof ApiError) || error.code === 'UNAUTHORIZED' || error.code === 'ABORTED') throw error;
    handlers.onWorkspaceError(slug, error);
  }
}

/** Loads one workspace's repositories, handing each new page's repositories to `emit`. */
export async function loadWorkspace(
  client: BitbucketClient,
  slug: string,
  emit: (repositories: Repository[]) => void,
  options: LoadOptions,
  limit: Limiter = createLimiter(options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT),
): Promise<void> {
  const path = `/repositories/${encodeURIComponent(slug)}`;
  const seen = new Set<string>();
  // When the workspace fails, its pages still in flight are cancelled and hand nothing over.
  const [signal, cancel] = linkedSignal(options.signal);
  const parse = (value: unknown, where: string) => options.parseRepository(value, where, slug);
  const fetchPage = async (url: string) => parsePage(await limit(() => client.get(url, signal)), path, parse);
  const take = (page: Page<Repository>) => {
    const fresh = page.values.filter((repo) => !seen.has(repo.full_name) && seen.add(repo.full_name));
    if (fresh.length > 0 && !signal.aborted) emit(fresh);
  };
  try {
    await loadPages(fetchPage, take, path);
  } catch (error) {
    cancel();
    throw error;
  }
}

/** The pages of one workspace: the first, the planned ones in parallel, then `next` to the end. */
async function loadPages(
  fetchPage: (url: string) => Promise<Page<Repository>>,
  take: (page: Page<Repository>) => void,
  path: string,
): Promise<void> {
  const first = await fetchPage(`${path}?pagelen=${PAGELEN}&fields=${encodeURIComponent(REPOSITORY_FIELDS)}`);
  take(first);

  // With a total and numbered pages, ask for all the remaining pages at once.
  let last = first;
  const planned = plannedPages(first);
  if (planned.length > 0) {
    const pages = await Promise.all(
      planned.map(({ number, url }) =>
        fetchPage(url).then(
          (page) => {
            const expected = page.values.length > 0 && (page.page === undefined || page.page === number);
            if (expected) take(page);
            return expected ? page : undefined;
          },
          (error: unknown) => {
            // An unexpected answer is no reason to give up: following `next` below recovers.
            if (error instanceof ApiError && (error.code === 'BAD_RESPONSE' || error.code === 'NOT_FOUND')) return undefined;
            throw error;
          },
        ),
      ),
    );
    for (const page of pages) {
      if (!page) break;
      last = page;
    }
  }

  // Follow `next` from the last page in an unbroken run: the whole path when nothing was planned,
  // the gap after a page that failed, or pages added since the total was read. A `next` seen
  // before would go round for ever: that answer is refused.
  const followed = new Set<string>();
  for (let next = last.next; next;) {
    if (followed.has(next)) throw new ApiError('BAD_RESPONSE', path);
    followed.add(next);
    const page = await fetchPage(next);
    take(page);
    next = page.next;
  }
}

/** The URLs of pages 2…N, when the first page gives a total and a `next` with `page=2`. */
export function plannedPages(first: Page<unknown>): Array<{ number: number; url: string }> {
  if (first.size === undefined || !first.next) return [];
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
  // A total beyond reason is not planned for; following `next` is bounded by what really comes.
  if (count > MAX_PLANNED_PAGES) return [];
  const pages: Array<{ number: number; url: string }> = [];
  for (let number = 2; number <= count; number++) {
    next.searchParams.set('page', String(number));
    pages.push({ number, url: next.href });
  }
  return pages;
}

type Limiter = <T>(task: () => Promise<T>) => Promise<T>;

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
