/**
 * Loads every repository the user can see, fast: the user and the workspaces together, the first
 * page of every workspace at once, then each workspace's other pages through the paginator.
 * Repositories are handed over page by page; the whole load is bounded whatever the API sends.
 * @see https://developer.atlassian.com/cloud/bitbucket/rest/intro/#pagination
 */
import {
  ApiError,
  BOUNDS,
  createLimiter,
  createPageBudget,
  DEFAULT_MAX_IN_FLIGHT,
  paginate,
  type Bounds,
  type LimitCode,
  type PageSource,
} from 'bitbucket-browser-auth';
import type { Repository, User } from './api-shapes.ts';
import { getUser, listRepositories, listWorkspaces } from './api.ts';

export interface LoadHandlers {
  onUser(user: User): void;
  /** `/user` failed: only the display name depends on it, so the rest goes on. */
  onUserError(error: ApiError): void;
  /** New repositories of a workspace (never one already handed over). */
  onRepositories(workspace: string, repositories: Repository[]): void;
  /** A workspace failed; the others go on. */
  onWorkspaceError(workspace: string, error: ApiError): void;
  /**
   * Loading stopped at a bound: a workspace's own (`workspace` is its slug, code `PAGE_LIMIT` or
   * `VALUE_LIMIT`), or the whole load's (`workspace` is null, code `LOAD_LIMIT`). What was loaded stays.
   */
  onLimit?(workspace: string | null, code: LimitCode): void;
}

export interface LoadOptions {
  signal?: AbortSignal;
  /** Requests in flight at most, across all workspaces. */
  maxInFlight?: number;
  /** Checks one repository; `listedUnder` is the workspace whose list it came in. */
  parseRepository: (json: unknown, path: string, listedUnder: string) => Repository;
  /** Runs a task soon, after what is waiting (the app's scheduler): pages are checked and handed over there. */
  defer?: (task: () => void) => void;
  bounds?: Partial<Bounds>;
}

/**
 * Loads the user, the workspaces and all their repositories. Rejects when the workspace list
 * cannot be had, or the token is refused; a failing `/user` or workspace is reported alone.
 */
export async function loadEverything(client: PageSource, handlers: LoadHandlers, options: LoadOptions): Promise<void> {
  // The first failure ends the whole load: what is still in flight is cancelled, not left running.
  const own = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, own.signal]) : own.signal;
  const run = context(client, handlers, options, signal);
  let failure: unknown;
  const fail = (error: unknown) => {
    failure ??= error;
    own.abort();
  };

  const user = getUser();
  const loads: Promise<void>[] = [
    run
      .limit(() => client.get(user.path, { signal, needs: user.needs }))
      .then(
        (json) => handlers.onUser(user.check(json, user.path)),
        (error: unknown) => {
          // A refused token or a cancelled load concerns everything; any other failure only the name.
          if (!isOwnFailure(error)) throw error;
          handlers.onUserError(error);
        },
      ),
  ];
  loads[0]?.catch(fail);
  try {
    // Each workspace's first page leaves as soon as the workspace is known.
    const { yieldToView: _, ...listOptions } = run;
    const stopped = await paginate({
      ...listOptions,
      call: listWorkspaces(),
      key: (workspace) => workspace.slug,
      onValues: (workspaces) => {
        for (const { slug } of workspaces) {
          const load = loadWorkspaceReporting(slug, run);
          load.catch(fail);
          loads.push(load);
        }
      },
    });
    // The workspace list stopped: whatever the bound, it is one of the whole load.
    if (stopped) run.stopped(null, 'LOAD_LIMIT');
    await Promise.all(loads);
  } catch (error) {
    fail(error);
    await Promise.allSettled(loads);
    throw failure;
  }
}

/** Loads one workspace again (after it failed), reporting as {@link loadEverything} does. */
export function reloadWorkspace(client: PageSource, slug: string, handlers: LoadHandlers, options: LoadOptions): Promise<void> {
  return loadWorkspaceReporting(slug, context(client, handlers, options, options.signal));
}

/** What the lists of one load share: the requests in flight, the page budget, the bounds. */
function context(client: PageSource, handlers: LoadHandlers, options: LoadOptions, signal: AbortSignal | undefined) {
  const { defer } = options;
  let loadLimitSaid = false;
  return {
    client,
    handlers,
    parseRepository: options.parseRepository,
    ...(signal ? { signal } : {}),
    limit: createLimiter(options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT),
    budget: createPageBudget(options.bounds?.pagesPerLoad ?? BOUNDS.pagesPerLoad),
    ...(options.bounds ? { bounds: options.bounds } : {}),
    yieldToView: () => new Promise<void>((resolve) => (defer ? defer(resolve) : resolve())),
    /** Reports a bound; the whole load's once, however many lists it stopped. */
    stopped(workspace: string | null, code: LimitCode): void {
      if (code === 'LOAD_LIMIT' && loadLimitSaid) return;
      loadLimitSaid ||= code === 'LOAD_LIMIT';
      handlers.onLimit?.(code === 'LOAD_LIMIT' ? null : workspace, code);
    },
  };
}

async function loadWorkspaceReporting(slug: string, run: ReturnType<typeof context>): Promise<void> {
  try {
    const stopped = await paginate({
      ...run,
      call: listRepositories(slug, (json, path) => run.parseRepository(json, path, slug)),
      key: (repo) => repo.full_name,
      onValues: (repositories) => run.handlers.onRepositories(slug, repositories),
    });
    if (stopped) run.stopped(slug, stopped);
  } catch (error) {
    // A refused token or a cancelled load concerns everything, not this workspace.
    if (!isOwnFailure(error)) throw error;
    run.handlers.onWorkspaceError(slug, error);
  }
}

/**
 * An API failure of its own request: the user's name, or one workspace, is missing then. Refused
 * credentials, no session any more, a cancel, or no API error at all end the whole load instead.
 */
function isOwnFailure(error: unknown): error is ApiError {
  return error instanceof ApiError && error.code !== 'UNAUTHORIZED' && error.code !== 'NO_SESSION' && error.code !== 'ABORTED';
}
