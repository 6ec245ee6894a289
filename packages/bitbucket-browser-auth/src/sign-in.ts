/**
 * Sign-in, the callback and the session, over side effects that are all passed in (`AuthDeps`).
 * No browser global is read here: `browser.ts` binds them. The API part is `api.ts`.
 */
import { homeOf, SignInError, startSignIn, type PageLocation } from './authorize.js';
import {
  CALLBACK_MESSAGES,
  callbackParameters,
  readCallback,
  type CallbackCheck,
  type CallbackErrorCode,
  type Parameter,
} from './callback.js';
import type { ApiError } from './client.js';
import type { RandomFill } from './random.js';
import { isLoopback, sameOriginPath } from './return-path.js';
import { createSessionStore, type Credentials, type KeyValueStorage, type SessionStore } from './session.js';

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
  | 'refused';

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
  | { step: 'kept'; key: string; expiresAt: number; scopes: string[] };

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
  /** Ends the session in this tab and tells the app's other tabs to end theirs. */
  signOut(): void;
  /** Calls `listener` on every change of the session; returns the function that stops it. */
  onChange(listener: SessionListener): () => void;
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
}

/**
 * Callbacks handled in this page load, by storage: a callback comes once per page load, and a
 * second reader (StrictMode's second effect, another instance) must get the first one's outcome,
 * not a spent `state`. The only state the core keeps outside an instance, and why.
 */
const handled = new WeakMap<KeyValueStorage, Promise<CallbackOutcome>>();

/** The longest a timer can wait (about 24.8 days); a later expiry is checked again then. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** What the API part (`api.ts`) needs of a sign-in it is attached to; nothing else can reach it. */
export interface SessionInternals {
  deps: AuthDeps;
  store: SessionStore;
  /** Bitbucket refused the credentials: the session ends, and the listeners hear why. */
  refused(error: ApiError): void;
}

/** The internals of each sign-in made here, for `createBitbucketApi`. */
const internals = new WeakMap<BitbucketSignIn, SessionInternals>();

/** The internals of a sign-in made by {@link createSignIn}, or undefined for anything else. */
export const internalsOf = (signIn: BitbucketSignIn): SessionInternals | undefined => internals.get(signIn);

/** Sign-in, callback and session over `deps`, without the API client. */
export function createSignIn(deps: AuthDeps): BitbucketSignIn {
  const store = createSessionStore(deps.storage, deps.now, deps.storageKey);
  const observe = deps.observe ?? (() => {});
  const listeners = new Set<SessionListener>();
  let channel: Channel | undefined;
  let stopTimer = () => {};
  let shown: { raw: string | null; session: Session | null } = { raw: null, session: null };

  function getSession(): Session | null {
    const credentials = store.credentials();
    const raw = credentials && JSON.stringify(credentials);
    if (raw !== shown.raw) shown = { raw, session: credentials && toSession(credentials) };
    return shown.session;
  }

  /** Tells the listeners of a change. */
  function changed(change: SessionChange): void {
    const session = getSession();
    watchExpiry();
    for (const listener of listeners) listener(session, change);
  }

  /** While anyone listens, the session's expiry is a change they hear of. */
  function watchExpiry(): void {
    stopTimer();
    const expiresAt = getSession()?.expiresAt;
    if (expiresAt == null || listeners.size === 0) return;
    // A timer that fires before the expiry (it can wait 24.8 days at most) just waits again.
    const check = () => (getSession() ? watchExpiry() : changed({ reason: 'expired' }));
    stopTimer = deps.setTimer(check, Math.min(expiresAt - deps.now(), MAX_TIMER_MS));
  }

  /** Ends the session here, when there is one to end, and tells the listeners why. */
  function end(change: SessionChange): void {
    if (!store.credentials() && shown.session === null) return;
    store.clearCredentials();
    changed(change);
  }

  function handleCallback(url?: string | URL): Promise<CallbackOutcome> {
    let outcome = handled.get(deps.storage);
    if (!outcome) {
      const arrived = new URL(url ?? deps.page().href);
      // Before anything else: the token leaves the address bar and the history entry.
      deps.clearUrl();
      outcome = new Promise((resolve) => resolve(complete(arrived)));
      handled.set(deps.storage, outcome);
    }
    return outcome;
  }

  function complete(arrived: URL): CallbackOutcome {
    observe({ step: 'callback', fragment: callbackParameters(arrived.hash), query: callbackParameters(arrived.search) });
    // The state is taken (and so deleted) whatever happens: it is good for one answer only.
    const result = readCallback(arrived, store.takePending(), deps.now(), (check, passed) => observe({ step: 'check', check, passed }));
    if (!result.ok) {
      observe({ step: 'refused', code: result.code });
      const { code, oauthError } = result;
      return { ok: false, code, message: CALLBACK_MESSAGES[code], ...(oauthError === undefined ? {} : { oauthError }) };
    }
    const { credentials } = result;
    store.saveCredentials(credentials);
    observe({ step: 'kept', key: store.key, expiresAt: credentials.expiresAt, scopes: credentials.scopes });
    changed({ reason: 'signed-in' });
    return { ok: true, returnTo: sameOriginPath(result.returnTo, arrived.origin, homeOf(deps.redirectUri)) };
  }

  const api: BitbucketSignIn = {
    signIn(options = {}) {
      const url = startSignIn({ ...deps, returnTo: options.returnTo, page: deps.page(), session: store }).href;
      observe({ step: 'authorize', url });
      deps.navigate(url);
    },
    signInWithApiToken(email, apiToken) {
      if (!isLoopback(deps.page().hostname) || !email || !apiToken) throw new SignInError('API_TOKEN_REFUSED');
      store.saveCredentials({ kind: 'basic', email, apiToken });
      changed({ reason: 'signed-in' });
    },
    handleCallback,
    getSession,
    signOut() {
      store.clearCredentials();
      // Other tabs end their session; so do other instances in this page, which share this storage.
      const other = channel ?? deps.openChannel(deps.storageKey);
      other?.postMessage('signed-out');
      if (other !== channel) other?.close();
      changed({ reason: 'signed-out' });
    },
    onChange(listener) {
      if (listeners.size === 0) {
        channel = deps.openChannel(deps.storageKey);
        channel?.addEventListener('message', ({ data }) => data === 'signed-out' && end({ reason: 'signed-out-elsewhere' }));
      }
      listeners.add(listener);
      watchExpiry();
      return () => {
        listeners.delete(listener);
        if (listeners.size > 0) return;
        stopTimer();
        channel?.close();
        channel = undefined;
      };
    },
  };
  internals.set(api, { deps, store, refused: (error) => end({ reason: 'refused', error }) });
  return api;
}

function toSession(credentials: Credentials): Session {
  return credentials.kind === 'bearer'
    ? { kind: 'oauth', expiresAt: credentials.expiresAt, scopes: credentials.scopes }
    : { kind: 'api-token', expiresAt: null, scopes: [] };
}
