/**
 * Sign-in, the callback and the session, over side effects that are all passed in (`AuthDeps`).
 * No browser global is read here: `browser.ts` binds them. The API part is `api.ts`; renewal
 * through a relay, `renewal.ts`.
 */
import { homeOf, SignInError, startSignIn } from './authorize.js';
import { CALLBACK_MESSAGES, callbackParameters, readCallback } from './callback.js';
import type { ApiError } from './client.js';
import { openLiveSession, type LiveSession } from './live-session.js';
import { createRenewal, type Renewal } from './renewal.js';
import { isLoopback, sameOriginPath } from './return-path.js';
import type { KeyValueStorage } from './session.js';
import type { AuthDeps, BitbucketSignIn, CallbackOutcome } from './types.js';

/**
 * Callbacks handled in this page load, by storage: a callback comes once per page load, and a
 * second reader (StrictMode's second effect, another instance) must get the first one's outcome,
 * not a spent `state`. With the renewals under way (renewal.ts), the only state the core keeps
 * outside an instance, and why.
 */
const handled = new WeakMap<KeyValueStorage, Promise<CallbackOutcome>>();

/** What the API part (`api.ts`) needs of a sign-in it is attached to; nothing else can reach it. */
export interface SessionInternals {
  deps: AuthDeps;
  live: LiveSession;
  /** Renewal through the relay, when there is one. */
  renewal: Renewal | undefined;
  /** Bitbucket refused the credentials: the session ends, and the listeners hear why. */
  refused(error: ApiError): void;
}

/** The internals of each sign-in made here, for `createBitbucketApi`. */
const internals = new WeakMap<BitbucketSignIn, SessionInternals>();

/** The internals of a sign-in made by {@link createSignIn}, or undefined for anything else. */
export const internalsOf = (signIn: BitbucketSignIn): SessionInternals | undefined => internals.get(signIn);

/** Sign-in, callback and session over `deps`, without the API client. */
export function createSignIn(deps: AuthDeps): BitbucketSignIn {
  const live = openLiveSession(deps);
  const relayed = deps.relay ? { ...deps, relay: deps.relay } : undefined;
  const renewal = relayed && createRenewal(relayed, live);
  const observe = deps.observe ?? (() => {});
  const signIn: BitbucketSignIn = {
    signIn(options = {}) {
      const url = startSignIn({ ...deps, returnTo: options.returnTo, page: deps.page(), session: live.store }).href;
      observe({ step: 'authorize', url });
      deps.navigate(url);
    },
    signInWithApiToken(email, apiToken) {
      if (!isLoopback(deps.page().hostname) || !email || !apiToken) throw new SignInError('API_TOKEN_REFUSED');
      live.store.saveCredentials({ kind: 'basic', email, apiToken });
      live.changed({ reason: 'signed-in' });
    },
    handleCallback: (url) => handleCallback(deps, live, url),
    getSession: live.get,
    signOut() {
      live.end({ reason: 'signed-out' });
      live.tellOtherTabs('signed-out');
      // The relay's cookie goes too, and its refresh token is spent: a copy of the cookie taken
      // earlier can no longer renew (see renewal.ts).
      return renewal ? renewal.signOut() : Promise.resolve(true);
    },
    onChange: live.listen,
    ready: start(deps, live, renewal),
  };
  internals.set(signIn, { deps, live, renewal, refused: (error) => live.end({ reason: 'refused', error }) });
  return signIn;
}

/** A tab with no token of its own asks the relay for one (not on the callback page, whose answer is on its way). */
async function start(deps: AuthDeps, live: LiveSession, renewal: Renewal | undefined) {
  const onCallbackPage = deps.page().pathname === new URL(deps.redirectUri).pathname;
  if (renewal && !live.get() && !onCallbackPage) await renewal.renew('start');
  return live.get();
}

/** Reads the callback once per page load (see {@link handled}); the address is cleared before anything else. */
function handleCallback(deps: AuthDeps, live: LiveSession, url?: string | URL): Promise<CallbackOutcome> {
  let outcome = handled.get(deps.storage);
  if (!outcome) {
    const arrived = new URL(url ?? deps.page().href);
    deps.clearUrl();
    outcome = new Promise((resolve) => resolve(complete(deps, live, arrived)));
    handled.set(deps.storage, outcome);
  }
  return outcome;
}

/** Checks the callback, keeps the token when every check holds, and says where to go back. */
function complete(deps: AuthDeps, live: LiveSession, arrived: URL): CallbackOutcome {
  const observe = deps.observe ?? (() => {});
  observe({ step: 'callback', fragment: callbackParameters(arrived.hash), query: callbackParameters(arrived.search) });
  // The state is taken (and so deleted) whatever happens: it is good for one answer only.
  const result = readCallback(arrived, live.store.takePending(), deps.now(), (check, passed) => observe({ step: 'check', check, passed }));
  if (!result.ok) {
    observe({ step: 'refused', code: result.code });
    const { code, oauthError } = result;
    return { ok: false, code, message: CALLBACK_MESSAGES[code], ...(oauthError === undefined ? {} : { oauthError }) };
  }
  const { credentials } = result;
  live.store.saveCredentials(credentials);
  observe({ step: 'kept', key: live.store.key, expiresAt: credentials.expiresAt, scopes: credentials.scopes });
  live.changed({ reason: 'signed-in' });
  return { ok: true, returnTo: sameOriginPath(result.returnTo, arrived.origin, homeOf(deps.redirectUri)) };
}
