/**
 * The app: decides between the signed-out and signed-in views, runs the loading, and ends the
 * session when the token expires, is refused, or the user signs out (in any tab).
 */
import { repositoryParser, safeLink, type Repository, type User } from './api-shapes.ts';
import { prepareSignIn } from './authorize.ts';
import { ApiError, createClient, type RetryNotice } from './bitbucket.ts';
import type { AppConfig } from './config.ts';
import { apiMessage, type Message } from './messages.ts';
import type { RandomFill } from './random.ts';
import { createRepositoryIndex, readListQuery, writeListQuery, type RepositoryIndex } from './repo-filter.ts';
import type { RepositoryCache } from './repo-cache.ts';
import { loadEverything, reloadWorkspace, type LoadHandlers } from './repositories.ts';
import { authorizationHeader, type Credentials, type SessionStore } from './session.ts';
import { renderSignedOut, type Notice } from './views/landing.ts';
import { mountRepositoryView, type RepositoryViewState } from './views/repositories.ts';

export interface AppDeps {
  /** Where the views render. */
  root: HTMLElement;
  /** The page's main heading: focus goes there after sign-in and sign-out. */
  heading: HTMLElement;
  config: AppConfig;
  session: SessionStore;
  cache: RepositoryCache;
  fetch: typeof fetch;
  location: Pick<Location, 'origin' | 'protocol' | 'hostname' | 'pathname' | 'search' | 'hash'>;
  replaceUrl: (url: string) => void;
  navigate: (url: string) => void;
  now: () => number;
  random: RandomFill;
  /** Vite's `base`: the path the app is served under. */
  base: string;
  /** When the browser is offline, a promise that resolves once it is back; otherwise null. */
  offline: () => Promise<void> | null;
  /** Runs `task` before the next paint (coalesces renders while pages arrive). */
  schedule: (task: () => void) => void;
  setTimer: (task: () => void, ms: number) => () => void;
  /** Tells the app's other tabs about a sign-out, and hears theirs. */
  channel?: Pick<BroadcastChannel, 'postMessage' | 'onmessage'>;
}

/** Minutes before expiry at which the user is warned. */
export const EXPIRY_WARNING_MINUTES = 5;
/** How long typing must pause before the filter is written into the address. */
const URL_UPDATE_DELAY_MS = 300;

/** Starts the app in `deps.root`. */
export function startApp(deps: AppDeps): void {
  const { config, session } = deps;
  const linkProtocols = ['https:', new URL(config.apiUrl).protocol];
  const parseRepository = repositoryParser(linkProtocols);
  let stop: () => void = () => {};

  if (deps.channel)
    deps.channel.onmessage = ({ data }) => {
      if (data === 'signed-out' && session.credentials()) endSession({ kind: 'info', message: { id: 'SIGNED_OUT_ELSEWHERE' } }, false);
    };

  const credentials = session.credentials();
  if (credentials) showSignedIn(credentials);
  else {
    // No session (or it expired while the tab was closed): its list goes with it.
    deps.cache.clear();
    showSignedOut();
  }
  if (session.takeArrived()) deps.heading.focus();

  function showSignedOut(notice?: Notice): void {
    stop();
    stop = () => {};
    deps.heading.textContent = 'Sign in to Bitbucket from the browser';
    renderSignedOut(deps.root, {
      ...(notice ? { notice } : {}),
      canSignIn: config.clientId !== '',
      onSignIn: signIn,
      ...(config.apiTokenSignIn
        ? {
            onApiTokenSignIn: (email: string, apiToken: string) => {
              const credentials: Credentials = { kind: 'basic', email, apiToken };
              deps.cache.clear();
              session.saveCredentials(credentials);
              showSignedIn(credentials);
              deps.heading.focus();
            },
          }
        : {}),
    });
  }

  function signIn(): void {
    // Whoever signs in next sees only their own list.
    deps.cache.clear();
    const result = prepareSignIn({ ...deps, ...config, session });
    if (result.ok) return deps.navigate(result.url.href);
    showSignedOut({ kind: 'alert', message: { id: result.code, slots: { host: deps.location.hostname } } });
  }

  /** Ends the session: the token and the cached list go, the user is told why. */
  function endSession(notice: Notice, tellOtherTabs: boolean): void {
    session.clearCredentials();
    deps.cache.clear();
    if (tellOtherTabs) deps.channel?.postMessage('signed-out');
    showSignedOut(notice);
    deps.heading.focus();
  }

  function showSignedIn(credentials: Credentials): void {
    stop();
    const controller = new AbortController();
    const timers: Array<() => void> = [];
    let cancelUrlUpdate = () => {};
    stop = () => {
      controller.abort();
      for (const clear of timers) clear();
      cancelUrlUpdate();
    };
    deps.heading.textContent = 'Your Bitbucket repositories';

    let index = createRepositoryIndex();
    const state: RepositoryViewState = {
      user: null,
      loading: true,
      total: 0,
      matches: [],
      query: readListQuery(deps.location.search),
      workspaces: [],
      languages: [],
      error: null,
      workspaceErrors: [],
      notice: null,
      endsInMinutes: null,
    };
    const update = mountRepositoryView(
      deps.root,
      {
        onSignOut: () => endSession({ kind: 'info', message: { id: 'SIGNED_OUT' } }, true),
        onQuery: (query) => {
          const typing = query.q !== state.query.q;
          state.query = query;
          render();
          // The address follows once typing pauses (writing history on every keystroke is slow);
          // a choice in a menu goes there at once.
          const write = () =>
            deps.replaceUrl(`${deps.location.pathname}${writeListQuery(query, deps.location.search)}${deps.location.hash}`);
          cancelUrlUpdate();
          if (typing) cancelUrlUpdate = deps.setTimer(write, URL_UPDATE_DELAY_MS);
          else write();
        },
        onRetry: () => load(),
        onRetryWorkspace: retryWorkspace,
        onReconnect: signIn,
      },
      deps.now,
    );

    let renderQueued = false;
    function render(): void {
      state.total = index.size;
      state.matches = index.query(state.query);
      state.workspaces = index.workspaces();
      state.languages = index.languages();
      update({ ...state });
    }
    function renderSoon(): void {
      if (renderQueued) return;
      renderQueued = true;
      deps.schedule(() => {
        renderQueued = false;
        if (!controller.signal.aborted) render();
      });
    }

    const client = createClient({
      apiUrl: config.apiUrl,
      authorization: () => authorizationHeader(credentials),
      fetch: deps.fetch,
      offline: deps.offline,
      onRetry: (retry) => {
        state.notice = retryMessage(retry);
        renderSoon();
      },
    });

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
        onUser: live((user: User) => {
          state.user = user;
          renderSoon();
        }),
        onRepositories: live((_slug: string, repositories: Repository[]) => {
          target.add(repositories);
          if (target === index) renderSoon();
        }),
        onWorkspaceError: live((slug: string, error: ApiError) => {
          state.workspaceErrors = [...state.workspaceErrors.filter((e) => e.slug !== slug), { slug, message: apiMessage(error) }];
          renderSoon();
        }),
      };
    }

    function fail(error: unknown, signal: AbortSignal): void {
      if (signal.aborted) return;
      if (error instanceof ApiError && error.code === 'UNAUTHORIZED') {
        const message: Message = credentials.kind === 'basic' ? { id: 'API_TOKEN_REJECTED' } : apiMessage(error);
        return endSession({ kind: 'alert', message }, false);
      }
      state.error = error instanceof ApiError ? apiMessage(error) : { id: 'UNEXPECTED' };
      state.loading = false;
      state.notice = null;
      render();
    }

    // The load under way: a new one (Retry) cancels it. While it refreshes in the background,
    // `refreshing` is the list it fills, which replaces the one on screen when it is complete.
    let current = new AbortController();
    let currentSignal = controller.signal;
    let refreshing: RepositoryIndex | null = null;

    /** Loads everything; with a list already on screen, loads in the background and then swaps. */
    function load(background = false): void {
      current.abort();
      current = new AbortController();
      const signal = (currentSignal = AbortSignal.any([controller.signal, current.signal]));
      const fresh = createRepositoryIndex();
      refreshing = background ? fresh : null;
      if (!background) index = fresh;
      state.error = null;
      state.workspaceErrors = [];
      state.loading = !background;
      state.notice = background ? { id: 'REFRESHING' } : null;
      render();
      loadEverything(client, handlers(fresh, signal), { signal, parseRepository }).then(
        () => {
          if (signal.aborted) return;
          index = fresh;
          refreshing = null;
          state.loading = false;
          state.notice = null;
          render();
          // Saving thousands of repositories takes a while: after the list is on screen, not before.
          const user = state.user;
          if (user) timers.push(deps.setTimer(() => deps.cache.save({ user, repositories: [...index.all()] }), 0));
        },
        (error) => {
          if (!signal.aborted) refreshing = null;
          fail(error, signal);
        },
      );
    }

    function retryWorkspace(slug: string): void {
      const target = refreshing ?? index;
      const signal = currentSignal;
      state.workspaceErrors = state.workspaceErrors.filter((e) => e.slug !== slug);
      target.removeWorkspace(slug);
      render();
      reloadWorkspace(client, slug, handlers(target, signal), { signal, parseRepository }).catch((error) => fail(error, signal));
    }

    if (credentials.kind === 'bearer') watchExpiry(credentials.expiresAt);
    function watchExpiry(expiresAt: number): void {
      const tick = () => {
        const left = expiresAt - deps.now();
        if (left <= 0) {
          return endSession({ kind: 'alert', message: { id: 'SESSION_EXPIRED' } }, false);
        }
        const minutes = Math.ceil(left / 60_000);
        const endsInMinutes = minutes <= EXPIRY_WARNING_MINUTES ? minutes : null;
        if (endsInMinutes !== state.endsInMinutes) {
          state.endsInMinutes = endsInMinutes;
          render();
        }
        // Wake at the next whole minute before expiry, or at expiry itself.
        timers.push(deps.setTimer(tick, left % 60_000 || 60_000));
      };
      tick();
    }
    if (controller.signal.aborted) return;

    const cached = deps.cache.load();
    if (cached) {
      state.user = cached.user;
      index.add(cached.repositories.map((repo): Repository => ({ ...repo, html_href: safeLink(repo.html_href, linkProtocols) })));
      state.loading = false;
      load(true);
    } else {
      load();
    }
  }
}

/** What the user is told while the client waits to try again. */
function retryMessage(retry: RetryNotice): Message {
  return { id: `RETRY_${retry.reason}`, slots: { seconds: String(Math.ceil(retry.delayMs / 1000)), attempt: String(retry.attempt) } };
}
