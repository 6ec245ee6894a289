/** The real browser bindings the entry files hand to the app: the only place globals are read. */
import { readConfig, type ConfigResult } from './config.ts';
import { createSessionStore } from './session.ts';

/** The app's configuration as built by Vite. */
export function browserConfig(): ConfigResult {
  return readConfig(import.meta.env, location.hostname);
}

/** The session store on this tab's sessionStorage and the real clock. */
export function browserSession() {
  return createSessionStore(sessionStorage, Date.now);
}

/** When the browser is offline, a promise that resolves once it is back online; otherwise null. */
export function offline(): Promise<void> | null {
  return navigator.onLine ? null : new Promise((resolve) => addEventListener('online', () => resolve(), { once: true }));
}
