/**
 * The session's life, as the app shows it: the core (`bitbucket-browser-auth`) keeps the session
 * and says when it changes; this module turns each change into the view to show and the words
 * for it, warns before the token expires, and forgets the cached list when the session ends.
 */
import { SignInError, type BitbucketSignIn, type Session, type SessionChange } from 'bitbucket-browser-auth';
import { apiMessage, type Notice } from './messages.ts';
import type { RepositoryCache } from './repo-cache.ts';

export interface SessionLifeDeps {
  auth: BitbucketSignIn;
  cache: RepositoryCache;
  location: Pick<Location, 'hostname' | 'pathname' | 'search'>;
  now: () => number;
  setTimer: (task: () => void, ms: number) => () => void;
  /** True once after a sign-in completed in this tab (the callback page marks it): focus goes to the heading. */
  arrived: () => boolean;
  /** Whether the core renews tokens through a relay: then the user is warned of the expiry only when a renewal failed. */
  renews: boolean;
}

export interface SessionListener {
  /** Signed in; `fresh` when it just happened in this tab (focus goes to the heading then). */
  signedIn(session: Session, fresh: boolean): void;
  /** Signed out; `ended` when a session just ended (focus goes to the heading then). */
  signedOut(notice: Notice | undefined, ended: boolean): void;
  /** Minutes until the session ends, when it ends soon; null otherwise. */
  endsIn(minutes: number | null): void;
}

/** Minutes before expiry at which the user is warned. */
export const EXPIRY_WARNING_MINUTES = 5;

/** Makes the session's life; `start` reads the session there is and tells the listener. */
export function createSessionLife(deps: SessionLifeDeps, listener: SessionListener) {
  const { auth } = deps;
  let clearTimer = () => {};
  let current: Session | null = null;

  function signedIn(session: Session, fresh: boolean): void {
    clearTimer();
    current = session;
    listener.signedIn(session, fresh);
    if (session.expiresAt !== null && !deps.renews) warnBefore(session.expiresAt);
  }

  /** A fresh token came through the relay: the view stays as it is, and a warning shown goes. */
  function renewed(session: Session): void {
    clearTimer();
    current = session;
    listener.endsIn(null);
  }

  /** Says how many minutes are left once they are few; the core ends the session at expiry. */
  function warnBefore(expiresAt: number): void {
    let minutesShown: number | null = null;
    const tick = () => {
      const left = expiresAt - deps.now();
      if (left <= 0) return;
      const minutes = Math.ceil(left / 60_000);
      const endsIn = minutes <= EXPIRY_WARNING_MINUTES ? minutes : null;
      if (endsIn !== minutesShown) listener.endsIn((minutesShown = endsIn));
      // Wake at the next whole minute before expiry.
      clearTimer = deps.setTimer(tick, left % 60_000 || 60_000);
    };
    tick();
  }

  /** The session ended: the cached list goes too, and the user is told why. */
  function ended(change: SessionChange): void {
    clearTimer();
    const was = current;
    current = null;
    deps.cache.clear();
    listener.signedOut(noticeFor(change, was), true);
  }

  return {
    /** Reads the session there is, then follows its changes. */
    start(): void {
      auth.onChange((session, change) => {
        if (!session) return ended(change);
        if (change.reason === 'renewed') return renewed(session);
        // The relay could not renew the token: now the user is told how long is left.
        if (change.reason === 'renewal-failed') return session.expiresAt === null ? undefined : warnBefore(session.expiresAt);
        signedIn(session, true);
      });
      const session = auth.getSession();
      const arrived = deps.arrived();
      if (session) return signedIn(session, arrived);
      // No session (or it expired while the tab was closed): its list goes with it.
      deps.cache.clear();
      listener.signedOut(undefined, arrived);
    },
    /**
     * Sends the browser to Bitbucket to sign in, back to this very view, or says why it cannot.
     * At once, in the click's own task: the page is on its way before anything else can happen.
     */
    signIn(): void {
      // Whoever signs in next sees only their own list.
      deps.cache.clear();
      try {
        auth.signIn({ returnTo: `${deps.location.pathname}${deps.location.search}` });
      } catch (error) {
        if (!(error instanceof SignInError)) throw error;
        listener.signedOut({ kind: 'alert', message: { id: error.code, slots: { host: deps.location.hostname } } }, false);
      }
    },
    /** Signs in with an email and an Atlassian API token (HTTP Basic). */
    signInWithApiToken(email: string, apiToken: string): void {
      deps.cache.clear();
      auth.signInWithApiToken(email, apiToken);
    },
    /** The user signs out: this tab, the others, and the relay's session, or the user is told it is not. */
    async signOut(): Promise<void> {
      if (await auth.signOut()) return;
      listener.signedOut({ kind: 'alert', message: { id: 'SIGN_OUT_INCOMPLETE' } }, false);
    },
  };
}

/** What the user is told when a session ends. */
function noticeFor(change: SessionChange, was: Session | null): Notice {
  switch (change.reason) {
    case 'expired':
      return { kind: 'alert', message: { id: 'SESSION_EXPIRED' } };
    case 'refused':
      // An API token refused is worth its own words: it was typed in here, and may be wrong.
      if (was?.kind === 'api-token') return { kind: 'alert', message: { id: 'API_TOKEN_REJECTED' } };
      return { kind: 'alert', message: change.error ? apiMessage(change.error) : { id: 'UNAUTHORIZED' } };
    case 'signed-out-elsewhere':
      return { kind: 'info', message: { id: 'SIGNED_OUT_ELSEWHERE' } };
    default:
      return { kind: 'info', message: { id: 'SIGNED_OUT' } };
  }
}

export type SessionLife = ReturnType<typeof createSessionLife>;
