/**
 * The app: chooses the view for the session's state and wires the parts together (the
 * session's life, the repository store, the address sync, the views). It decides nothing else.
 */
import type { BitbucketSignIn, Session } from 'bitbucket-browser-auth';
import type { AppConfig } from './config.ts';
import type { RepositoryCache } from './repo-cache.ts';
import { createSessionLife } from './session-life.ts';
import type { SignedInView } from './signed-in.ts';
import { renderSignedOut } from './views/landing.ts';

export interface AppDeps {
  /** Where the views render. */
  root: HTMLElement;
  /** The page's main heading: focus goes there after sign-in and sign-out. */
  heading: HTMLElement;
  config: AppConfig;
  /** The sign-in core (its API part is added by the signed-in view, loaded on demand). */
  auth: BitbucketSignIn;
  cache: RepositoryCache;
  location: Pick<Location, 'origin' | 'protocol' | 'hostname' | 'pathname' | 'search' | 'hash'>;
  replaceUrl: (url: string) => void;
  now: () => number;
  /** True once after a sign-in completed in this tab: focus goes to the heading. */
  arrived: () => boolean;
  /** Runs `task` before the next paint (coalesces renders while pages arrive). */
  schedule: (task: () => void) => void;
  /** Runs `task` after the next frame is painted. */
  afterPaint: (task: () => void) => void;
  /** Runs `task` soon, after the tasks already waiting (network answers among them). */
  defer: (task: () => void) => void;
  setTimer: (task: () => void, ms: number) => () => void;
}

/** Starts the app in `deps.root`. */
export function startApp(deps: AppDeps): void {
  const { config } = deps;
  // The signed-in view (loaded on demand, see src/signed-in.ts), once it runs; the signed-out view stops it.
  let view: SignedInView | null = null;
  let showing: Session | null = null;
  let endsInMinutes: number | null = null;
  const stop = () => {
    view?.stop();
    view = showing = null;
    endsInMinutes = null;
  };

  const life = createSessionLife(
    { ...deps, renews: config.relayUrl !== null },
    {
      signedIn(session, fresh) {
        stop();
        showing = session;
        deps.heading.textContent = 'Your Bitbucket repositories';
        void import('./signed-in.ts').then(({ showSignedIn }) => {
          // Signed out, or in again, while the module loaded: that view is not wanted any more.
          if (showing !== session) return;
          view = showSignedIn(deps, life, endsInMinutes);
        });
        if (fresh) deps.heading.focus();
      },
      signedOut(notice, ended) {
        stop();
        deps.heading.textContent = 'Sign in to Bitbucket from the browser';
        renderSignedOut(deps.root, {
          ...(notice ? { notice } : {}),
          canSignIn: config.clientId !== '',
          onSignIn: life.signIn,
          ...(config.apiTokenSignIn ? { onApiTokenSignIn: life.signInWithApiToken } : {}),
        });
        if (ended) deps.heading.focus();
      },
      endsIn: (minutes) => {
        endsInMinutes = minutes;
        view?.endsIn(minutes);
      },
    },
  );

  life.start();
}
