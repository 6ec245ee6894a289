/**
 * What the callback page does with the core's verdict: back to where the sign-in started, or the
 * reason it failed, in this app's words.
 */
import type { BitbucketSignIn, CallbackOutcome } from 'bitbucket-browser-auth';
import { callbackMessage, renderCallbackFailure } from './views/callback.ts';

export interface CallbackPageDeps {
  /** Vite's `base`: the app's home. */
  base: string;
  /** Marks the sign-in as just completed, so the app page moves focus to its heading. */
  markArrived: () => void;
  /** Replaces the current page (no history entry for the callback). */
  replace: (url: string) => void;
  root: HTMLElement;
  heading: HTMLElement;
  setTitle: (title: string) => void;
}

/** Completes the sign-in through the core, then goes back or says why not (see {@link showOutcome}). */
export async function completeSignIn(auth: Pick<BitbucketSignIn, 'handleCallback'>, deps: CallbackPageDeps): Promise<boolean> {
  return showOutcome(await auth.handleCallback(), deps);
}

/** Goes back to the app and returns true, or shows why the sign-in failed and returns false. */
export function showOutcome(outcome: CallbackOutcome, deps: CallbackPageDeps): boolean {
  if (outcome.ok) {
    deps.markArrived();
    deps.replace(outcome.returnTo);
    return true;
  }
  deps.setTitle('Sign-in failed — Bitbucket sign-in starter');
  deps.heading.textContent = 'Sign-in failed';
  renderCallbackFailure(deps.root, callbackMessage(outcome.code, outcome.oauthError), deps.base);
  deps.heading.focus();
  return false;
}
