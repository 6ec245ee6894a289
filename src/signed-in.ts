/**
 * The signed-in view, wired: the API client for these credentials, the repository store, the
 * address sync and the list's view. The app loads this module on demand, when there is a
 * session, so the landing page's first load carries none of it.
 */
import { createBitbucketApi } from 'bitbucket-browser-auth';
import { repositoryParser } from './api-shapes.ts';
import { listBranches, type Branch } from './api.ts';
import type { AppDeps } from './app.ts';
import { createAddressSync } from './address-sync.ts';
import { createRepositoryStore, type RepositoryListState } from './repository-store.ts';
import { mountRepositoryView } from './views/repositories.ts';

/** What the signed-in view needs of the session's life. */
export interface SessionControls {
  signIn(): void;
  signOut(): void;
}

/** The running signed-in view: tell it how long the session has left, or stop it. */
export interface SignedInView {
  endsIn(minutes: number | null): void;
  stop(): void;
}

/** Shows the signed-in view in `deps.root` and starts loading the list. */
export function showSignedIn(deps: AppDeps, life: SessionControls, endsInMinutes: number | null): SignedInView {
  // The core's API part, on the session of the app's sign-in: loaded with this view, not before.
  const auth = createBitbucketApi(deps.auth);
  const linkProtocols = ['https:', new URL(deps.config.apiUrl).protocol];
  // Ends what the signed-in view started that no part below owns (a branch list loading).
  const signedIn = new AbortController();
  const address = createAddressSync(deps);
  const store = createRepositoryStore({
    ...deps,
    // The core's API, with each wait before a retry said in the list's status line.
    client: { get: (url, options) => auth.get(url, { ...options, onRetry: (retry) => store.showRetry(retry) }) },
    linkProtocols,
    parseRepository: repositoryParser(linkProtocols),
    query: address.query(),
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
        const { path, needs, check } = listBranches(repo.full_name);
        const branches: Branch[] = [];
        for await (const branch of auth.list(path, { needs, check, signal: signedIn.signal })) branches.push(branch);
        return branches;
      },
    },
    deps,
  );
  let list: RepositoryListState;
  const unsubscribe = store.subscribe((state) => update({ ...(list = state), endsInMinutes }));
  // A list kept for the session is painted before anything is asked of Bitbucket; the refresh follows.
  // (A store stopped meanwhile sends nothing: its load is cancelled before it starts.)
  if (list!.total > 0) deps.afterPaint(store.load);
  else store.load();
  return {
    endsIn: (minutes) => update({ ...list, endsInMinutes: (endsInMinutes = minutes) }),
    stop: () => {
      signedIn.abort();
      unsubscribe();
      store.stop();
      address.stop();
    },
  };
}
