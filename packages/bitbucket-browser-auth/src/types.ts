/**
 * The core's types that sign-in, the session, renewal and the API share: what an app sees (the
 * session, its changes, the callback's outcome, the observer's events) and what the core is given.
 */
import type { PageLocation } from './authorize.js';
import type { CallbackCheck, CallbackErrorCode, Parameter } from './callback.js';
import type { ApiError } from './client.js';
import type { RandomFill } from './random.js';
import type { KeyValueStorage } from './session.js';

/** The signed-in session as an app sees it: what kind, until when, which scopes; never the token. */
export interface Session {
  /** An OAuth access token, or an Atlassian API token (HTTP Basic; on this machine only). */
  readonly kind: 'oauth' | 'api-token';
  /** When the access token expires, in ms since the epoch; null for an API token. */
  readonly expiresAt: number | null;
  /** The scopes Bitbucket granted (`account`, `repository`, …); empty for an API token. */
  readonly scopes: readonly string[];
}

/** Why the session changed. */
export type SessionChangeReason =
  | 'signed-in'
  | 'signed-out'
  /** Another tab (or another instance in this page) signed out. */
  | 'signed-out-elsewhere'
  | 'expired'
  /** Bitbucket refused the credentials (401): `error` says on which request. */
  | 'refused'
  /** A fresh access token came from the relay (`relay` option): the session goes on. */
  | 'renewed'
  /** The relay could not renew the token: the session ends at its expiry unless a later try works. */
  | 'renewal-failed';

/** A change of the session, told to {@link BitbucketSignIn.onChange} listeners. */
export interface SessionChange {
  readonly reason: SessionChangeReason;
  /** The refused request, when `reason` is `refused`. */
  readonly error?: ApiError;
}

/** Told of each change of the session: the session now (null when signed out) and why. */
export type SessionListener = (session: Session | null, change: SessionChange) => void;

/** What {@link BitbucketSignIn.handleCallback} resolves to. */
export type CallbackOutcome =
  | { readonly ok: true; /** The same-origin path to go back to (where the sign-in started). */ readonly returnTo: string }
  | {
      readonly ok: false;
      readonly code: CallbackErrorCode;
      /** The refusal in a sentence (English); an app may choose its own words by `code`. */
      readonly message: string;
      /** Bitbucket's OAuth `error` when it sent one, if it looks like a code (never its description). */
      readonly oauthError?: string;
    };

/** How {@link BitbucketSignIn.signIn} starts. */
export interface SignInOptions {
  /** Where to come back to after sign-in: a path of this origin (default: the current page). */
  returnTo?: string | undefined;
}

/**
 * A step of a sign-in, as it happens, for an observer (a debug log, a flow inspector). No
 * credential is ever in one: tokens and codes come reduced to their first characters and length.
 */
export type AuthEvent =
  | { step: 'authorize'; url: string }
  | { step: 'callback'; fragment: Parameter[]; query: Parameter[] }
  | { step: 'check'; check: CallbackCheck; passed: boolean }
  | { step: 'refused'; code: CallbackErrorCode }
  | { step: 'kept'; key: string; expiresAt: number; scopes: string[] }
  /** A renewal through the relay: why, how it ended, the answer's status and the new expiry. */
  | { step: 'renewal'; why: RenewalReason; outcome: RenewalOutcome; status?: number; expiresAt?: number };

/** Why a token is renewed: a tab with none at start, one about to expire, or one the API refused. */
export type RenewalReason = 'start' | 'expiring' | 'refused';
/**
 * How a renewal ended: a token, no session at the relay (401), no usable answer, or a sign-out
 * (in this tab or another) while the relay was asked, whose token was then thrown away.
 */
export type RenewalOutcome = 'renewed' | 'no-session' | 'failed' | 'signed-out';

/** Sign-in, callback and session, without the API client: all a dedicated callback page needs. */
export interface BitbucketSignIn {
  /** Sends the browser to the authorize URL with a fresh one-time `state`. Throws a `SignInError` when it cannot. */
  signIn(options?: SignInOptions): void;
  /**
   * Signs in with an email and an Atlassian API token (HTTP Basic), kept like a token for the tab.
   * For tools on this machine only (a long-lived secret): refused on any other host.
   */
  signInWithApiToken(email: string, apiToken: string): void;
  /**
   * Reads the callback URL (default: the page's), removes it from the address bar and history at
   * once, checks it, and keeps the token. Once per page load: every later call, from this instance
   * or another on the same storage, resolves to the same outcome (StrictMode, double mounts).
   */
  handleCallback(url?: string | URL): Promise<CallbackOutcome>;
  /** The session, or null; the same object until the session changes. */
  getSession(): Session | null;
  /**
   * Ends the session in this tab at once and tells the app's other tabs to end theirs; with a
   * `relay`, ends its session too. Resolves to true when everything is ended, false when the relay
   * could not be told (twice): its cookie may then still hold a session, for the app to say so.
   */
  signOut(): Promise<boolean>;
  /** Calls `listener` on every change of the session; returns the function that stops it. */
  onChange(listener: SessionListener): () => void;
  /**
   * Settles once the session is known at start: at once, or, with a `relay`, once a tab that has
   * no token of its own has asked the relay for one (so a new tab is signed in with no redirect).
   */
  readonly ready: Promise<Session | null>;
}

/** A channel to the app's other tabs (a `BroadcastChannel`). */
export type Channel = Pick<BroadcastChannel, 'postMessage' | 'close' | 'addEventListener'>;

/** Every side effect and setting of the core, passed in: the browser's by `browser.ts`, fakes by tests. */
export interface AuthDeps {
  clientId: string;
  redirectUri: string;
  authorizeUrl: string;
  apiUrl: string;
  storage: KeyValueStorage;
  /** The prefix of the storage keys (and the name of the channel to other tabs). */
  storageKey: string;
  fetch: typeof fetch;
  now: () => number;
  random: RandomFill;
  /** The page: where a sign-in starts, and the callback URL when none is given. */
  page: () => PageLocation & { href: string };
  navigate: (url: string) => void;
  /** Removes the query and fragment of the page's URL from the address bar and its history entry. */
  clearUrl: () => void;
  openChannel: (name: string) => Channel | undefined;
  setTimer: (task: () => void, ms: number) => () => void;
  offline?: (() => Promise<void> | null) | undefined;
  sleep?: ((ms: number) => Promise<void>) | undefined;
  observe?: ((event: AuthEvent) => void) | undefined;
  /** The token relay's base URL (`…/relay`), absolute: it renews access tokens (`POST /token`) and ends sessions (`POST /sign-out`). */
  relay?: string | undefined;
  /** Runs `task` holding the lock `name` across the app's tabs (Web Locks); by default, at once. */
  lock?: (<T>(name: string, task: () => Promise<T>) => Promise<T>) | undefined;
}
