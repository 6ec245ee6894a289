/**
 * The app: chooses the view for the session's state and wires the parts together (the
 * session's life, the repository store, the address sync, the views). It decides nothing else.
 */
import { repositoryParser } from './api-shapes.ts';
import { listBranches } from './api.ts';
import { ApiError, createClient } from './bitbucket.ts';
import type { AppConfig } from './config.ts';
import { apiMessage } from './messages.ts';
import type { RandomFill } from './random.ts';
import type { RepositoryCache } from './repo-cache.ts';
import { createAddressSync } from './address-sync.ts';
import { collect } from './paginate.ts';
import { createRepositoryStore, type RepositoryListState } from './repository-store.ts';
import { authorizationHeader, type Credentials, type SessionStore } from './session.ts';
import { createSessionLife } from './session-life.ts';
import { renderSignedOut } from './views/landing.ts';
import { mountRepositoryView } from './views/repositories.ts';

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
  /** Runs `task` after the next frame is painted. */
  afterPaint: (task: () => void) => void;
  /** Runs `task` soon, after the tasks already waiting (network answers among them). */
  defer: (task: () => void) => void;
  setTimer: (task: () => void, ms: number) => () => void;
  /** Tells the app's other tabs about a sign-out, and hears theirs. */
  channel?: Pick<BroadcastChannel, 'postMessage' | 'onmessage'>;
}

/** Starts the app in `deps.root`. */
export function startApp(deps: AppDeps): void {
  const { config } = deps;
  const linkProtocols = ['https:', new URL(config.apiUrl).protocol];
  const parseRepository = repositoryParser(linkProtocols);
  // What the signed-in view runs; the signed-out view stops it.
  let stop = () => {};
  let endsIn: (minutes: number | null) => void = () => {};

  const life = createSessionLife(deps, {
    signedIn(credentials, fresh) {
      stop();
      showSignedIn(credentials);
      if (fresh) deps.heading.focus();
    },
    signedOut(notice, ended) {
      stop();
      stop = () => {};
      deps.heading.textContent = 'Sign in to Bitbucket from the browser';
      renderSignedOut(deps.root, {
        ...(notice ? { notice } : {}),
        canSignIn: config.clientId !== '',
        onSignIn: life.signIn,
        ...(config.apiTokenSignIn ? { onApiTokenSignIn: life.signInWithApiToken } : {}),
      });
      if (ended) deps.heading.focus();
    },
    endsIn: (minutes) => endsIn(minutes),
  });

  function showSignedIn(credentials: Credentials): void {
    deps.heading.textContent = 'Your Bitbucket repositories';
    // Ends what the signed-in view started that no part below owns (a branch list loading).
    const signedIn = new AbortController();
    const address = createAddressSync(deps);
    const client = createClient({
      apiUrl: config.apiUrl,
      authorization: () => authorizationHeader(credentials),
      fetch: deps.fetch,
      offline: deps.offline,
      onRetry: (retry) => store.showRetry(retry),
    });
    const store = createRepositoryStore({
      ...deps,
      client,
      linkProtocols,
      parseRepository,
      query: address.query(),
      onUnauthorized: (error) => life.refused(apiMessage(error)),
    });
    const update = mountRepositoryView(
      deps.root,
      {
        onSignOut: life.signOut,
        onQuery: (query) => {
          store.setQuery(query);
          address.write(query);
        },
        onRetry: store.load,
        onRetryWorkspace: store.retryWorkspace,
        onReconnect: life.signIn,
        onBranches: async (repo) => {
          try {
            return (await collect({ client, call: listBranches(repo.full_name), signal: signedIn.signal })).values;
          } catch (error) {
            if (error instanceof ApiError && error.code === 'UNAUTHORIZED') life.refused(apiMessage(error));
            throw error;
          }
        },
      },
      deps,
    );
    let endsInMinutes: number | null = null;
    let list: RepositoryListState;
    const unsubscribe = store.subscribe((state) => update({ ...(list = state), endsInMinutes }));
    endsIn = (minutes) => update({ ...list, endsInMinutes: (endsInMinutes = minutes) });
    stop = () => {
      signedIn.abort();
      unsubscribe();
      store.stop();
      address.stop();
      endsIn = () => {};
    };
    store.load();
  }

  life.start();
}
