/** The real browser bindings the entry files hand to the app: the only place globals are read. */
import type { BitbucketAuthOptions } from 'bitbucket-browser-auth';
import { callbackUrl, readConfig, type ConfigResult } from './config.ts';
import { recordSignIn, type FlowRecorder } from './flow-record.ts';

/** The app's configuration as built by Vite. */
export function browserConfig(): ConfigResult {
  return readConfig(import.meta.env, location.hostname);
}

/** The prefix of this app's keys in sessionStorage (the core's session is `bitbucket-starter:session`). */
export const STORAGE_PREFIX = 'bitbucket-starter';

/**
 * The sign-in core's options as this app sets them, on both pages: the callback page under Vite's
 * `base`, the session under the app's own key in sessionStorage, and every step told to the Flow
 * inspector's recorder.
 */
export function signInOptions(flow: Pick<FlowRecorder, 'record'>): BitbucketAuthOptions {
  return {
    clientId: import.meta.env.VITE_BITBUCKET_CLIENT_ID?.trim() ?? '',
    redirectUri: callbackUrl(location.origin, import.meta.env.BASE_URL),
    storage: sessionStorage,
    storageKey: STORAGE_PREFIX,
    observe: recordSignIn(flow),
  };
}
