/** The callback page's work once the URL is cleared: check the answer, keep the token, go back. */
import { sameOriginPath } from './return-path.ts';
import { readCallback } from './callback.ts';
import type { SessionStore } from './session.ts';
import { callbackMessage, renderCallbackFailure } from './views/callback.ts';

export interface CallbackPageDeps {
  /** The callback URL as it arrived (already removed from the address bar). */
  url: Pick<URL, 'hash' | 'search'>;
  session: SessionStore;
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

/** Completes the sign-in, or shows why it failed. Stores nothing unless every check holds. */
export function completeSignIn(deps: CallbackPageDeps): void {
  // The state is taken (and so deleted) whatever happens: it is good for one answer only.
  const result = readCallback(deps.url, deps.session.takePending(), deps.now());
  if (result.ok) {
    deps.session.saveCredentials(result.credentials);
    deps.session.markArrived();
    return deps.replace(sameOriginPath(result.returnTo, deps.origin, deps.base));
  }
  deps.setTitle('Sign-in failed — Bitbucket sign-in starter');
  deps.heading.textContent = 'Sign-in failed';
  renderCallbackFailure(deps.root, callbackMessage(result.code, result.oauthError), deps.base);
  deps.heading.focus();
}
