/**
 * The repository list as a small store: it loads (from the cache first, then from Bitbucket),
 * retries a workspace, applies the filter, and tells its subscribers the state after each change.
 * It knows nothing of the DOM; the view renders what it is told.
 */
import { ApiError, safeLink, type Bounds, type LimitCode, type PageSource, type RetryNotice } from 'bitbucket-browser-auth';
import type { Repository, User } from './api-shapes.ts';
import { apiMessage, type Message } from './messages.ts';
import type { RepositoryCache } from './repo-cache.ts';
import { createRepositoryIndex, type ListQuery, type RepositoryIndex } from './repo-filter.ts';
import { loadEverything, reloadWorkspace, type LoadHandlers } from './repositories.ts';

/** What the list shows. Each change makes a new object; unchanged parts keep their identity. */
export interface RepositoryListState {
  user: User | null;
  /** Why the user could not be loaded: the name shows as unknown and this is said once. */
  userError: Message | null;
  loading: boolean;
  /** Repositories loaded so far (all, not only those matching). */
  total: number;
  /** The repositories matching the query, in order. */
  matches: Repository[];
  query: ListQuery;
  workspaces: Array<{ slug: string; name: string }>;
  languages: string[];
  /** A failure that stopped loading. */
  error: Message | null;
  /** Workspaces that failed (each can be retried). */
  workspaceErrors: Array<{ slug: string; message: Message }>;
  /** Where loading stopped at a bound, and why (not retried: the bound would stop it again). */
  stops: Message[];
  /** What the app is waiting for (a retry after a 429, the network…), if anything. */
  notice: Message | null;
}

export interface RepositoryStoreDeps {
  client: PageSource;
  cache: RepositoryCache;
  /** The schemes a repository link may have. */
  linkProtocols: readonly string[];
  /** Checks one repository; `listedUnder` is the workspace whose list it came in. */
  parseRepository: (json: unknown, path: string, listedUnder: string) => Repository;
  query: ListQuery;
  /** Runs a task before the next paint: renders are coalesced there while pages arrive. */
  schedule: (task: () => void) => void;
  /** Runs a task soon, after what is waiting: each page is checked and indexed there. */
  defer: (task: () => void) => void;
  setTimer: (task: () => void, ms: number) => () => void;
  bounds?: Partial<Bounds>;
}

export type RepositoryStore = ReturnType<typeof createRepositoryStore>;

/** Makes the store. It starts with the cached list, if there is one; `load` fetches. */
export function createRepositoryStore(deps: RepositoryStoreDeps) {
  const stopped = new AbortController();
  const listeners = new Set<(state: RepositoryListState) => void>();
  const timers: Array<() => void> = [];
  const bounds = deps.bounds ?? {};
  let index = createRepositoryIndex();
  let state: RepositoryListState = {
    user: null,
    userError: null,
    loading: true,
    total: 0,
    matches: [],
    query: deps.query,
    workspaces: [],
    languages: [],
    error: null,
    workspaceErrors: [],
    stops: [],
    notice: null,
  };

  const cached = deps.cache.load();
  if (cached) {
    // Written by this app, but links are checked again: the allowed schemes may have changed.
    index.add(cached.repositories.map((repo): Repository => ({ ...repo, html_href: safeLink(repo.html_href, deps.linkProtocols) })));
    state = { ...state, user: cached.user, loading: false };
  }
  state = derive({});

  /** The state with `change`, and what follows from the list. */
  function derive(change: Partial<RepositoryListState>): RepositoryListState {
    const next = { ...state, ...change };
    return { ...next, total: index.size, matches: index.query(next.query), workspaces: index.workspaces(), languages: index.languages() };
  }

  /** Publishes the state now. */
  function publish(change: Partial<RepositoryListState> = {}): void {
    state = derive(change);
    for (const listener of listeners) listener(state);
  }

  let renderQueued = false;
  /** Publishes before the next paint, once however many changes come until then. */
  function publishSoon(): void {
    if (renderQueued) return;
    renderQueued = true;
    deps.schedule(() => {
      renderQueued = false;
      if (!stopped.signal.aborted) publish();
    });
  }

  /** Changes the state without publishing it yet (the next publish carries it). */
  function set(change: Partial<RepositoryListState>): void {
    state = { ...state, ...change };
    publishSoon();
  }

  /**
   * Handlers that load into `target` (the list on screen, or a fresh one while refreshing) for as
   * long as `signal` holds: a load that was replaced or cancelled changes nothing any more.
   */
  function handlers(target: RepositoryIndex, signal: AbortSignal): LoadHandlers {
    const live =
      <A extends unknown[]>(handler: (...args: A) => void) =>
      (...args: A) =>
        signal.aborted || handler(...args);
    return {
      onUser: live((user: User) => set({ user, userError: null })),
      onUserError: live((error: ApiError) => set({ user: null, userError: apiMessage(error) })),
      onRepositories: live((_slug: string, repositories: Repository[]) => {
        target.add(repositories);
        if (target === index) publishSoon();
      }),
      onWorkspaceError: live((slug: string, error: ApiError) =>
        set({ workspaceErrors: [...state.workspaceErrors.filter((e) => e.slug !== slug), { slug, message: apiMessage(error) }] }),
      ),
      // The templates say the bounds (BOUNDS); the workspace, when it is one workspace's bound.
      onLimit: live((slug: string | null, code: LimitCode) =>
        set({ stops: [...state.stops, { id: code, slots: { workspace: slug ?? '' } }] }),
      ),
    };
  }

  function fail(error: unknown, signal: AbortSignal): void {
    if (signal.aborted) return;
    // Refused credentials end the session (the core tells the app, which leaves this view): nothing to show here.
    if (error instanceof ApiError && (error.code === 'UNAUTHORIZED' || error.code === 'NO_SESSION')) return;
    publish({ error: error instanceof ApiError ? apiMessage(error) : { id: 'UNEXPECTED' }, loading: false, notice: null });
  }

  // The load under way: a new one (Retry) cancels it. While it refreshes in the background,
  // `refreshing` is the list it fills, which replaces the one on screen when it is complete.
  let current = new AbortController();
  let currentSignal = stopped.signal;
  let refreshing: RepositoryIndex | null = null;

  /**
   * Loads everything from Bitbucket. With a list on screen it loads in the background, and the
   * new list replaces it when complete; otherwise the list fills page by page.
   */
  function load(): void {
    current.abort();
    current = new AbortController();
    const signal = (currentSignal = AbortSignal.any([stopped.signal, current.signal]));
    const background = index.size > 0;
    const fresh = createRepositoryIndex();
    refreshing = background ? fresh : null;
    if (!background) index = fresh;
    publish({ error: null, workspaceErrors: [], stops: [], loading: !background, notice: background ? { id: 'REFRESHING' } : null });
    loadEverything(deps.client, handlers(fresh, signal), {
      signal,
      parseRepository: deps.parseRepository,
      defer: deps.defer,
      bounds,
    }).then(
      () => {
        if (signal.aborted) return;
        index = fresh;
        refreshing = null;
        publish({ loading: false, notice: null });
        // Saving thousands of repositories takes a while: after the list is on screen, not before.
        const { user } = state;
        if (user) timers.push(deps.setTimer(() => deps.cache.save({ user, repositories: [...index.all()] }), 0));
      },
      (error: unknown) => {
        if (!signal.aborted) refreshing = null;
        fail(error, signal);
      },
    );
  }

  /** Loads one failed workspace again, into the list being loaded (or the one on screen). */
  function retryWorkspace(slug: string): void {
    const target = refreshing ?? index;
    const signal = currentSignal;
    target.removeWorkspace(slug);
    publish({ workspaceErrors: state.workspaceErrors.filter((e) => e.slug !== slug) });
    reloadWorkspace(deps.client, slug, handlers(target, signal), {
      signal,
      parseRepository: deps.parseRepository,
      defer: deps.defer,
      bounds,
    }).catch((error: unknown) => fail(error, signal));
  }

  return {
    load,
    retryWorkspace,
    /** Shows the repositories matching `query`. */
    setQuery(query: ListQuery): void {
      publish({ query });
    },
    /** Says what the client waits for before trying again. */
    showRetry(retry: RetryNotice): void {
      set({ notice: retryMessage(retry) });
    },
    /** Calls `listener` with the state now and after every change; returns the unsubscribe. */
    subscribe(listener: (state: RepositoryListState) => void): () => void {
      listeners.add(listener);
      listener(state);
      return () => void listeners.delete(listener);
    },
    /** Cancels everything under way; the store changes no more. */
    stop(): void {
      stopped.abort();
      for (const clear of timers) clear();
      listeners.clear();
    },
  };
}

/** What the user is told while the client waits to try again. */
function retryMessage(retry: RetryNotice): Message {
  return { id: `RETRY_${retry.reason}`, slots: { seconds: String(Math.ceil(retry.delayMs / 1000)), attempt: String(retry.attempt) } };
}
