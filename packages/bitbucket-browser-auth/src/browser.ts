/**
 * The core's one browser edge: the only module that reads `window`, `location`, `history`,
 * `sessionStorage` and the other browser globals. Everything else gets them passed in.
 */
import { createBitbucketApi, type BitbucketAuth } from './api.js';
import { createSignIn } from './sign-in.js';
import type { AuthDeps, AuthEvent, BitbucketSignIn } from './types.js';
import { DEFAULT_API_URL, DEFAULT_AUTHORIZE_URL } from './endpoints.js';
import { isLoopback } from './return-path.js';
import type { KeyValueStorage } from './session.js';

/** Options of {@link createBitbucketAuth} and {@link createBitbucketSignIn}. */
export interface BitbucketAuthOptions {
  /** The OAuth consumer's Key (Bitbucket: Workspace settings → OAuth consumers). */
  clientId: string;
  /** The callback page's absolute URL, on this page's origin (e.g. `https://app.example/oauth-callback`). */
  redirectUri: string;
  /**
   * Where sign-in goes. Default: bitbucket.org's authorize endpoint, which ended the implicit
   * grant on 27 February 2026: for today's Bitbucket Cloud, a token relay's `/authorize`.
   */
  authorizeUrl?: string | undefined;
  /** The REST API base. Default `https://api.bitbucket.org/2.0`. */
  apiUrl?: string | undefined;
  /** Where the session and the pending sign-in are kept. Default `sessionStorage` (never use localStorage). */
  storage?: KeyValueStorage | undefined;
  /** Default: the page's `fetch`. */
  fetch?: typeof fetch | undefined;
  /** The clock, in ms since the epoch. Default `Date.now`. */
  now?: (() => number) | undefined;
  /** The prefix of the storage keys, and the name of the channel to the app's other tabs. Default `bitbucket-browser-auth`. */
  storageKey?: string | undefined;
  /** Told of each step of a sign-in (credentials reduced), e.g. for a debug log. */
  observe?: ((event: AuthEvent) => void) | undefined;
  /**
   * A token relay (token-mediating backend) on this app's site, e.g. `/relay` or
   * `https://app.example/relay`: its `/token` renews the access token before it expires, and a
   * new tab gets one with no redirect; sign-out ends its session too. `authorizeUrl` defaults to
   * its `/authorize`. Leave out for the implicit grant without a relay.
   */
  relay?: string | undefined;
}

/**
 * Creates the sign-in core in a browser page: sign-in through Bitbucket (or a relay), the callback,
 * the session, and `get`/`list` on the REST API with the session's credentials.
 * @example
 * const auth = createBitbucketAuth({ clientId: 'KEY', redirectUri: `${location.origin}/oauth-callback` });
 * if (!auth.getSession()) auth.signIn();
 * const user = await auth.get('/user', { check: (json, path) => text(record(json, path).display_name, path) });
 */
export function createBitbucketAuth(options: BitbucketAuthOptions): BitbucketAuth {
  const signIn = createBitbucketSignIn(options);
  return { ...signIn, ...createBitbucketApi(signIn) };
}

/**
 * The same without the API client (`get`, `list`): for a dedicated callback page, whose bundle
 * then carries only what the callback needs, or a first load that adds the API later with
 * `createBitbucketApi(signIn)`.
 */
export function createBitbucketSignIn(options: BitbucketAuthOptions): BitbucketSignIn {
  return createSignIn(browserDeps(options));
}

function browserDeps(options: BitbucketAuthOptions): AuthDeps {
  // A relay is named relative to the page as well (`/relay`), and its /authorize is where sign-in goes.
  const relay =
    options.relay === undefined ? undefined : checkedUrl('relay', new URL(options.relay, location.href).href).replace(/\/+$/, '');
  return {
    clientId: options.clientId,
    // The page's own origin may be plain http: signIn refuses it then, with a code to explain.
    redirectUri: checkedUrl('redirectUri', options.redirectUri, true),
    authorizeUrl: checkedUrl('authorizeUrl', options.authorizeUrl ?? (relay ? `${relay}/authorize` : DEFAULT_AUTHORIZE_URL)),
    apiUrl: checkedUrl('apiUrl', options.apiUrl ?? DEFAULT_API_URL).replace(/\/+$/, ''),
    storage: options.storage ?? sessionStorage,
    storageKey: options.storageKey ?? 'bitbucket-browser-auth',
    fetch: options.fetch ?? ((input, init) => fetch(input, init)),
    now: options.now ?? Date.now,
    random: (bytes) => crypto.getRandomValues(bytes as Uint8Array<ArrayBuffer>),
    page: () => location,
    // Stryker disable next-line ArrowFunction: jsdom cannot navigate; every end-to-end sign-in (tests/e2e) goes through here.
    navigate: (url) => location.assign(url),
    // Stryker disable next-line StringLiteral: the title argument is unused by every browser.
    clearUrl: () => history.replaceState(history.state, '', location.pathname),
    openChannel: (name) => (typeof BroadcastChannel === 'function' ? new BroadcastChannel(name) : undefined),
    setTimer: (task, ms) => {
      const timer = setTimeout(task, ms);
      return () => clearTimeout(timer);
    },
    offline: () => (navigator.onLine ? null : new Promise((resolve) => window.addEventListener('online', () => resolve(), { once: true }))),
    observe: options.observe,
    relay,
    // One renewal at a time across the app's tabs, where the browser has Web Locks.
    lock: (name, task) => (navigator.locks ? navigator.locks.request(name, task) : task()),
  };
}

/**
 * The URL, when it is absolute and https (plain http only on this machine, or anywhere when
 * `anyHttp`), with no user info or fragment; otherwise a TypeError naming the option.
 */
function checkedUrl(option: string, value: string, anyHttp = false): string {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    // Reported below.
  }
  const secure = url?.protocol === 'https:' || (url?.protocol === 'http:' && (anyHttp || isLoopback(url.hostname)));
  if (url && secure && !url.username && !url.hash) return value;
  throw new TypeError(`bitbucket-browser-auth: ${option} must be an absolute https URL (plain http only on this machine), not "${value}".`);
}
