/**
 * The callback page's work once the URL is cleared: check the answer, keep the token, go back.
 * It records what arrived and each check for the Flow inspector, the access token reduced.
 */
import { readCallback } from './callback.ts';
import type { FlowRecorder, Parameter } from './flow-record.ts';
import { sameOriginPath } from './return-path.ts';
import { SESSION_KEY, type SessionStore } from './session.ts';
import { callbackMessage, renderCallbackFailure } from './views/callback.ts';

export interface CallbackPageDeps {
  /** The callback URL as it arrived (already removed from the address bar). */
  url: Pick<URL, 'hash' | 'search'>;
  session: SessionStore;
  /** Records what arrived and each check, for the Flow inspector. */
  flow: Pick<FlowRecorder, 'record'>;
  now: () => number;
  origin: string;
  /** Vite's `base`: the app's home. */
  base: string;
  /** Replaces the current page (no history entry for the callback). */
  replace: (url: string) => void;
  root: HTMLElement;
  heading: HTMLElement;
  setTitle: (title: string) => void;
}

/**
 * Completes the sign-in and returns true, or shows why it failed and returns false. Stores
 * nothing unless every check holds.
 */
export function completeSignIn(deps: CallbackPageDeps): boolean {
  const { flow } = deps;
  flow.record({ step: 'callback', fragment: callbackParameters(deps.url.hash), query: callbackParameters(deps.url.search) });
  // The state is taken (and so deleted) whatever happens: it is good for one answer only.
  const result = readCallback(deps.url, deps.session.takePending(), deps.now(), (check, passed) =>
    flow.record({ step: 'check', check, passed }),
  );
  if (result.ok) {
    const { credentials } = result;
    deps.session.saveCredentials(credentials);
    flow.record({
      step: 'kept',
      storage: 'sessionStorage',
      key: SESSION_KEY,
      expiresAt: credentials.expiresAt,
      scopes: credentials.scopes,
    });
    deps.session.markArrived();
    deps.replace(sameOriginPath(result.returnTo, deps.origin, deps.base));
    return true;
  }
  flow.record({ step: 'refused', code: result.code });
  deps.setTitle('Sign-in failed — Bitbucket sign-in starter');
  deps.heading.textContent = 'Sign-in failed';
  renderCallbackFailure(deps.root, callbackMessage(result.code, result.oauthError), deps.base);
  deps.heading.focus();
  return false;
}

/** Parameters kept from a callback, and characters of each: a link can say anything, at any length. */
const MAX_PARAMETERS = 20;
const MAX_VALUE = 200;

/**
 * The only form in which the inspector shows an access token: its first 4 characters, an
 * ellipsis and its length. A token of 8 characters or fewer shows none: 4 would give half away.
 */
export function reduceToken(token: string): string {
  return `${token.length > 8 ? token.slice(0, 4) : ''}… (${token.length} characters)`;
}

// Credentials that can turn up in a callback: a token, or an authorization code that came here
// instead of to the relay (a misconfigured consumer), which could still be redeemed.
const CREDENTIAL = /^(access_token|refresh_token|id_token|code)$|secret|password/i;

/**
 * A callback's query or fragment as recorded: every credential reduced, long names and values cut.
 * `text` is a URL's `search` or `hash`: empty, or its `?` or `#` and what follows.
 */
export function callbackParameters(text: string): Parameter[] {
  return [...new URLSearchParams(text.slice(1))]
    .slice(0, MAX_PARAMETERS)
    .map(([name, value]) => [name.slice(0, MAX_VALUE), CREDENTIAL.test(name) ? reduceToken(value) : value.slice(0, MAX_VALUE)]);
}
