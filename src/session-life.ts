/**
 * The session's life: it starts signed in or out, signs in (OAuth or an API token), warns
 * before the token expires and ends the session at expiry, on a refused token, on sign-out, or
 * when another tab signs out. It tells its listener; the app shows the matching view.
 */
import { prepareSignIn } from './authorize.ts';
import type { AppConfig } from './config.ts';
import type { Message, Notice } from './messages.ts';
import type { RandomFill } from './random.ts';
import type { RepositoryCache } from './repo-cache.ts';
import type { Credentials, SessionStore } from './session.ts';

export interface SessionLifeDeps {
  config: AppConfig;
  session: SessionStore;
  cache: RepositoryCache;
  location: Pick<Location, 'origin' | 'protocol' | 'hostname' | 'pathname' | 'search'>;
  navigate: (url: string) => void;
  now: () => number;
  random: RandomFill;
  /** Vite's `base`: the path the app is served under. */
  base: string;
  setTimer: (task: () => void, ms: number) => () => void;
  /** Tells the app's other tabs about a sign-out, and hears theirs. */
  channel?: Pick<BroadcastChannel, 'postMessage' | 'onmessage'>;
}

export interface SessionListener {
  /** Signed in; `fresh` when it just happened in this tab (focus goes to the heading then). */
  signedIn(credentials: Credentials, fresh: boolean): void;
  /** Signed out; `ended` when a session just ended (focus goes to the heading then). */
  signedOut(notice: Notice | undefined, ended: boolean): void;
  /** Minutes until the session ends, when it ends soon; null otherwise. */
  endsIn(minutes: number | null): void;
}

/** Minutes before expiry at which the user is warned. */
export const EXPIRY_WARNING_MINUTES = 5;

/** Makes the session's life; `start` reads the stored session and tells the listener. */
export function createSessionLife(deps: SessionLifeDeps, listener: SessionListener) {
  const { session } = deps;
  let clearTimer = () => {};

  function signedIn(credentials: Credentials, fresh: boolean): void {
    clearTimer();
    listener.signedIn(credentials, fresh);
    if (credentials.kind === 'bearer') watchExpiry(credentials.expiresAt);
  }

  function watchExpiry(expiresAt: number): void {
    let minutesShown: number | null = null;
    const tick = () => {
      const left = expiresAt - deps.now();
      if (left <= 0) return end({ kind: 'alert', message: { id: 'SESSION_EXPIRED' } });
      const minutes = Math.ceil(left / 60_000);
      const endsIn = minutes <= EXPIRY_WARNING_MINUTES ? minutes : null;
      if (endsIn !== minutesShown) listener.endsIn((minutesShown = endsIn));
      // Wake at the next whole minute before expiry, or at expiry itself.
      clearTimer = deps.setTimer(tick, left % 60_000 || 60_000);
    };
    tick();
  }

  /** Ends the session: the token and the cached list go, the user is told why. */
  function end(notice: Notice, tellOtherTabs = false): void {
    clearTimer();
    session.clearCredentials();
    deps.cache.clear();
    if (tellOtherTabs) deps.channel?.postMessage('signed-out');
    listener.signedOut(notice, true);
  }

  return {
    /** Reads the stored session: signed in, or signed out (then any cached list goes too). */
    start(): void {
      if (deps.channel)
        deps.channel.onmessage = ({ data }) => {
          if (data === 'signed-out' && session.credentials()) end({ kind: 'info', message: { id: 'SIGNED_OUT_ELSEWHERE' } });
        };
      const credentials = session.credentials();
      const arrived = session.takeArrived();
      if (credentials) return signedIn(credentials, arrived);
      // No session (or it expired while the tab was closed): its list goes with it.
      deps.cache.clear();
      listener.signedOut(undefined, arrived);
    },
    /**
     * Sends the browser to Bitbucket to sign in, or says why it cannot. At once, in the click's own
     * task: the page is on its way to Bitbucket before anything else can happen in it.
     */
    signIn(): void {
      // Whoever signs in next sees only their own list.
      deps.cache.clear();
      const result = prepareSignIn({ ...deps, ...deps.config, session });
      if (result.ok) return deps.navigate(result.url.href);
      listener.signedOut({ kind: 'alert', message: { id: result.code, slots: { host: deps.location.hostname } } }, false);
    },
    /** Signs in with an email and an Atlassian API token (HTTP Basic). */
    signInWithApiToken(email: string, apiToken: string): void {
      const credentials: Credentials = { kind: 'basic', email, apiToken };
      deps.cache.clear();
      session.saveCredentials(credentials);
      signedIn(credentials, true);
    },
    /** The user signs out: this tab and the others. */
    signOut(): void {
      end({ kind: 'info', message: { id: 'SIGNED_OUT' } }, true);
    },
    /** Bitbucket refused the credentials (401): the session is over. */
    refused(message: Message): void {
      const credentials = session.credentials();
      end({ kind: 'alert', message: credentials?.kind === 'basic' ? { id: 'API_TOKEN_REJECTED' } : message });
    },
  };
}

export type SessionLife = ReturnType<typeof createSessionLife>;
